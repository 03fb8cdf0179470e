"""certificates: revocation reasons as codes, and an internal note

Revision ID: d52c8f3e1b07
Revises: b4f2d8e6a913
Create Date: 2026-12-06 16:40:00

A revocation's reason becomes a code from a fixed list, translated when shown;
what managers typed until now moves to ``revocation_note``, which the public never
sees, and its code becomes ``other``.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd52c8f3e1b07'
down_revision = 'b4f2d8e6a913'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('revocation_note', sa.Text(), nullable=True))
    op.execute("UPDATE certificate SET revocation_note = revocation_reason, "
               "revocation_reason = 'other' WHERE revocation_reason IS NOT NULL")


def downgrade():
    op.execute("UPDATE certificate SET revocation_reason = revocation_note "
               "WHERE revocation_note IS NOT NULL")
    with op.batch_alter_table('certificate') as batch:
        batch.drop_column('revocation_note')
