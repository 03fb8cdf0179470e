"""people found and sorted by their names however they are typed

Revision ID: 5b2d8f4e9c10
Revises: c41b7e2d9a10
Create Date: 2026-12-06 15:50:00

person.search_name (accents stripped, case folded) and person.name_sort_key (Ñ after N,
Báez before Benítez), kept by the model; the sort key compares byte by byte ("C"
collation) on PostgreSQL so every server orders the same. Existing rows are filled here.
"""
import sqlalchemy as sa
from alembic import op

from certify.core.names import fold, sort_key

# revision identifiers, used by Alembic.
revision = '5b2d8f4e9c10'
down_revision = 'c41b7e2d9a10'
branch_labels = None
depends_on = None


def upgrade():
    sort_type = sa.String(260).with_variant(sa.String(260, collation="C"), "postgresql")
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('search_name', sa.String(250), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('name_sort_key', sort_type, nullable=False, server_default=''))
        batch.create_index('ix_person_name_sort_key', ['name_sort_key'])
    person = sa.table('person', sa.column('id', sa.Integer), sa.column('given_names', sa.String),
                      sa.column('family_names', sa.String), sa.column('search_name', sa.String),
                      sa.column('name_sort_key', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(person.c.id, person.c.given_names,
                                        person.c.family_names)).all()
    for row in rows:
        connection.execute(person.update().where(person.c.id == row.id).values(
            search_name=fold(f"{row.given_names} {row.family_names}"),
            name_sort_key=sort_key(row.family_names, row.given_names)))


def downgrade():
    with op.batch_alter_table('person') as batch:
        batch.drop_index('ix_person_name_sort_key')
        batch.drop_column('name_sort_key')
        batch.drop_column('search_name')
