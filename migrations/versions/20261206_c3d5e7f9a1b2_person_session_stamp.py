"""a session stamp per person, so signing out ends every session

Revision ID: c3d5e7f9a1b2
Revises: 5b2d8f4e9c10
Create Date: 2026-12-06 15:45:00

Sessions and remember cookies carry the person's stamp; changing it ends them all.
Existing people get a random stamp, which also ends the sessions and remember cookies
issued before it (they held no stamp).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d5e7f9a1b2'
down_revision = '5b2d8f4e9c10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_stamp', sa.String(length=32), server_default='',
                                      nullable=False))
    random_stamp = {
        'postgresql': "md5(random()::text || clock_timestamp()::text || id::text)",
        'sqlite': "lower(hex(randomblob(16)))",
    }[op.get_bind().dialect.name]
    op.execute(f"UPDATE person SET session_stamp = {random_stamp}")


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('session_stamp')
