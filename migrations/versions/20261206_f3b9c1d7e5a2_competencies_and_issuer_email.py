"""programmes and certificates: the competencies a programme aligns to, and the issuer's e-mail

Revision ID: f3b9c1d7e5a2
Revises: d7e2a4c6b8f1
Create Date: 2026-12-06 18:50:00

``programme.competencies`` is the ``competencies`` list of programme.yaml (name per
language, url, framework, code, description, type); ``issuer_email`` its issuer's contact
address. A certificate keeps both as they were on the day of issue (``alignment``,
``issuer_email``), for its Open Badges credential.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b9c1d7e5a2'
down_revision = 'd7e2a4c6b8f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programme') as batch:
        batch.add_column(sa.Column('competencies', sa.JSON(), nullable=False,
                                   server_default='[]'))
        batch.add_column(sa.Column('issuer_email', sa.String(254), nullable=True))
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('alignment', sa.JSON(), nullable=False, server_default='[]'))
        batch.add_column(sa.Column('issuer_email', sa.String(254), nullable=True))


def downgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.drop_column('issuer_email')
        batch.drop_column('alignment')
    with op.batch_alter_table('programme') as batch:
        batch.drop_column('issuer_email')
        batch.drop_column('competencies')
