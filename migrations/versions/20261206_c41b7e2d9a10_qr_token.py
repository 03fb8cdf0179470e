"""certificates: the short QR token (format version 2)

Revision ID: c41b7e2d9a10
Revises: a7c3e91f2d15
Create Date: 2026-12-06 16:00:00

``qr_token`` holds the version 2 token the printed QR code carries; certificates
issued before keep their version 1 token (``token``), which still verifies.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c41b7e2d9a10'
down_revision = 'a7c3e91f2d15'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('qr_token', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.drop_column('qr_token')
