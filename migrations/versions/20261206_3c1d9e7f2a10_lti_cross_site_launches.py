"""LTI launches from a platform on another site: the login's target and platform storage,
the launch's language

Revision ID: 3c1d9e7f2a10
Revises: 8e4a1c7b3f25
Create Date: 2026-12-06 15:30:00

A login remembers the target_link_uri it was asked for (the launch's claim must match) and
the platform frame offered for client-side storage of state and nonce. Platforms remember the
language of their launches (for people the roster sync creates) and platform users the
language the platform last gave them (so that a language chosen in certify wins).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1d9e7f2a10'
down_revision = '8e4a1c7b3f25'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_login_state') as batch:
        batch.add_column(sa.Column('target_link_uri', sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column('storage_target', sa.String(length=100), nullable=True))
    with op.batch_alter_table('lti_platform') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=8), nullable=True))
    with op.batch_alter_table('lti_user') as batch:
        batch.add_column(sa.Column('platform_locale', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('lti_user') as batch:
        batch.drop_column('platform_locale')
    with op.batch_alter_table('lti_platform') as batch:
        batch.drop_column('locale')
    with op.batch_alter_table('lti_login_state') as batch:
        batch.drop_column('storage_target')
        batch.drop_column('target_link_uri')
