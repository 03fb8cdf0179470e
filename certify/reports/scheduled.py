"""Periodic tasks of reports (see ``certify.core.scheduling``)."""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa

from certify.core.scheduling import periodic
from certify.extensions import db
from certify.programmes.models import Programme
from certify.reports.facts import refresh_programme


@periodic("refresh_reports", daily_at=time(6, 30))  # 03:30 in Santiago, before the working day
def refresh_reports() -> str:
    """Rebuild every programme's dashboard figures from the source tables (it also catches
    withdrawals, reopened grades and people who moved, which are not signalled)."""
    programmes = db.session.scalars(sa.select(Programme).order_by(Programme.code)).all()
    for programme in programmes:
        refresh_programme(programme)
    return f"{len(programmes)} programme(s) refreshed"
