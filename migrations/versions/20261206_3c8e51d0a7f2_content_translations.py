"""course content in Portuguese and English beside the Spanish reference

Revision ID: 3c8e51d0a7f2
Revises: 5e1c7a9d2b40
Create Date: 2026-12-06 15:40:00

A module's teaching text and a quiz's prompts, options and explanations keep
their Spanish text where it was and gain {"pt": ..., "en": ...} beside it, so
nothing that reads the Spanish changes and attempts keep pointing at the same rows.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c8e51d0a7f2'
down_revision = '5e1c7a9d2b40'
branch_labels = None
depends_on = None

COLUMNS = (
    ('module', 'content_translations'),
    ('question', 'prompt_translations'),
    ('question', 'explanation_translations'),
    ('question_option', 'text_translations'),
)


def upgrade():
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.JSON(), nullable=False, server_default='{}'))


def downgrade():
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
