"""certificates: per-programme design (colours, logo, emblem, seal, signatures) and the
issuer's name per language

Revision ID: e5a1c9d3b7f4
Revises: 3c1d9e7f2a10
Create Date: 2026-12-06 16:20:00

Images are kept by SHA-256 in ``design_image`` and never changed, so a
certificate's snapshot (``certificate.design``) can name them by hash.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a1c9d3b7f4'
down_revision = '3c1d9e7f2a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'design_image',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('media_type', sa.String(length=40), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_design_image')),
    )
    op.create_table(
        'certificate_design',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('colours', sa.JSON(), nullable=False),
        sa.Column('logo_sha256', sa.String(length=64), nullable=True),
        sa.Column('emblem_sha256', sa.String(length=64), nullable=True),
        sa.Column('seal_sha256', sa.String(length=64), nullable=True),
        sa.Column('signatures', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='CASCADE',
                                name=op.f('fk_certificate_design_programme_id_programme')),
        sa.ForeignKeyConstraint(['logo_sha256'], ['design_image.sha256'],
                                name=op.f('fk_certificate_design_logo_sha256_design_image')),
        sa.ForeignKeyConstraint(['emblem_sha256'], ['design_image.sha256'],
                                name=op.f('fk_certificate_design_emblem_sha256_design_image')),
        sa.ForeignKeyConstraint(['seal_sha256'], ['design_image.sha256'],
                                name=op.f('fk_certificate_design_seal_sha256_design_image')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_design')),
        sa.UniqueConstraint('programme_id', name=op.f('uq_certificate_design_programme_id')),
    )
    with op.batch_alter_table('programme') as batch:
        batch.add_column(sa.Column('issuer_names', sa.JSON(), nullable=False,
                                   server_default='{}'))
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('issuer_names', sa.JSON(), nullable=False,
                                   server_default='{}'))
        batch.add_column(sa.Column('design', sa.JSON(), nullable=False, server_default='{}'))


def downgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.drop_column('design')
        batch.drop_column('issuer_names')
    with op.batch_alter_table('programme') as batch:
        batch.drop_column('issuer_names')
    op.drop_table('certificate_design')
    op.drop_table('design_image')
