"""indexes the national reports read by

Revision ID: 5e1c7a9d2b40
Revises: 94b6535cabbd
Create Date: 2026-11-22 07:40:00

The dashboard counts live programme certificates by programme and date (with the
holder and cohort read from the index alone on PostgreSQL) and passed quiz attempts
per person: partial indexes keep both small.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1c7a9d2b40'
down_revision = '94b6535cabbd'
branch_labels = None
depends_on = None

LIVE_PROGRAMME = sa.text("kind = 'programme' AND revoked_at IS NULL")


def upgrade():
    op.create_index('ix_certificate_live_programme_issued', 'certificate',
                    ['programme_id', 'issued_at'], postgresql_include=['person_id', 'cohort_id'],
                    postgresql_where=LIVE_PROGRAMME, sqlite_where=LIVE_PROGRAMME)
    op.create_index('ix_quiz_attempt_passed', 'quiz_attempt', ['person_id', 'quiz_id'],
                    postgresql_where=sa.text('passed'), sqlite_where=sa.text('passed'))


def downgrade():
    op.drop_index('ix_quiz_attempt_passed', table_name='quiz_attempt')
    op.drop_index('ix_certificate_live_programme_issued', table_name='certificate')
