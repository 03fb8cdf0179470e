"""Surveys are given to a cohort when the cohort, one of its in-person sessions or the
programme's content is created or changed, never when someone looks at them: pages and API
reads only read (see ``certify.core.transactions``)."""

from __future__ import annotations

import sqlalchemy as sa

from certify.cohorts.models import Cohort
from certify.core.signals import cohort_saved, content_loaded, session_scheduled
from certify.extensions import db
from certify.surveys.giving import ensure_surveys


@cohort_saved.connect
def _cohort_saved(cohort, **_details) -> None:
    # New: its module surveys. Dates changed: surveys nobody customised follow them.
    ensure_surveys([cohort])


@session_scheduled.connect
def _session_scheduled(session, **_details) -> None:
    ensure_surveys([session.cohort])


@content_loaded.connect
def _content_loaded(programme, **_details) -> None:
    # New survey templates or modules: every cohort of the programme gets what it misses.
    ensure_surveys(db.session.scalars(sa.select(Cohort).where(
        Cohort.programme_id == programme.id)).all())
