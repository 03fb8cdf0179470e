"""each person's time zone

Revision ID: 8e4a1c7b3f25
Revises: c3d5e7f9a1b2
Create Date: 2026-12-06 16:10:00

person.time_zone: the IANA zone chosen on the account page; empty means the zone of the
person's municipality (its country, or its region where the country has several).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8e4a1c7b3f25'
down_revision = 'c3d5e7f9a1b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('time_zone', sa.String(64), nullable=True))


def downgrade():
    with op.batch_alter_table('person') as batch:
        batch.drop_column('time_zone')
