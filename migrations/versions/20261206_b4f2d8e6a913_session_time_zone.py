"""each in-person session's venue time zone

Revision ID: b4f2d8e6a913
Revises: e5a1c9d3b7f4
Create Date: 2026-12-06 16:50:00

in_person_session.venue_municipality_id: where the venue is (optional);
in_person_session.time_zone: the IANA zone its times are shown and typed in. Existing sessions
were scheduled in the programme's zone (the TIMEZONE setting, America/Santiago by default), so
they keep it.
"""
import os

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b4f2d8e6a913'
down_revision = 'e5a1c9d3b7f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('in_person_session') as batch:
        batch.add_column(sa.Column('venue_municipality_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('time_zone', sa.String(64), nullable=True))
        batch.create_foreign_key('fk_in_person_session_venue_municipality_id_municipality',
                                 'municipality', ['venue_municipality_id'], ['id'],
                                 ondelete='SET NULL')
    session = sa.table('in_person_session', sa.column('time_zone', sa.String))
    op.execute(session.update().values(
        time_zone=os.environ.get('CERTIFY_TIMEZONE') or 'America/Santiago'))
    with op.batch_alter_table('in_person_session') as batch:
        batch.alter_column('time_zone', existing_type=sa.String(64), nullable=False)


def downgrade():
    with op.batch_alter_table('in_person_session') as batch:
        batch.drop_constraint('fk_in_person_session_venue_municipality_id_municipality',
                              type_='foreignkey')
        batch.drop_column('time_zone')
        batch.drop_column('venue_municipality_id')
