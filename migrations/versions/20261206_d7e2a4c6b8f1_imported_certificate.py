"""certificates: imported (awarded before certify) and the original reference

Revision ID: d7e2a4c6b8f1
Revises: d52c8f3e1b07
Create Date: 2026-12-06 17:05:00

``imported`` marks certificates recorded by ``certify certificates import`` (awarded
outside certify, e.g. the pilot editions); ``original_reference`` is the number the
original document carried, if any.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7e2a4c6b8f1'
down_revision = 'd52c8f3e1b07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('imported', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('original_reference', sa.String(100), nullable=True))


def downgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.drop_column('original_reference')
        batch.drop_column('imported')
