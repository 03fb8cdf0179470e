"""a quiz's question bank and what its result page shows

Revision ID: a7c3e91f2d15
Revises: 3c8e51d0a7f2
Create Date: 2026-12-06 15:30:00

An attempt draws ``questions_per_attempt`` of the quiz's questions (null: all), and
``result_page`` says whether a result page shows only the score, which questions
were wrong, or also the correct answers once the quiz is passed or out of attempts.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e91f2d15'
down_revision = '3c8e51d0a7f2'
branch_labels = None
depends_on = None

RESULT_PAGES = ('score', 'mistakes', 'answers_when_final')


def upgrade():
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.add_column(sa.Column('questions_per_attempt', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column(
            'result_page',
            sa.Enum(*RESULT_PAGES, name='result_page', native_enum=False, length=20,
                    create_constraint=True),
            server_default='answers_when_final', nullable=False))


def downgrade():
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_column('result_page')
        batch_op.drop_column('questions_per_attempt')
