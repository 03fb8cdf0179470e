"""Giving surveys to cohorts: one per module of the programme, one per in-person session.

Done when something changes (a cohort created or its dates changed, a session scheduled,
the programme's content loaded: see ``certify.surveys.subscribers``), never when
someone looks at them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from certify.attendance.models import InPersonSession
from certify.cohorts.models import Cohort
from certify.extensions import db
from certify.programmes.models import Module
from certify.surveys.models import Survey, SurveyTemplate
from certify.surveys.services import (
    COHORT_SURVEY_TEMPLATE,
    default_closes_at,
    default_opens_at,
    in_programme_order,
    surveys_of_cohorts,
)


def _cohort_template(programme_id: int, templates: list[SurveyTemplate]) -> SurveyTemplate | None:
    mine = sorted((t for t in templates if t.programme_id == programme_id), key=lambda t: t.key)
    return next((t for t in mine if t.key == COHORT_SURVEY_TEMPLATE), mine[0] if mine else None)


def _follow_cohort_dates(survey: Survey, cohort: Cohort, closes_at: datetime | None) -> None:
    # Without a start date a survey opened when it was given, unless that is after it closes.
    if cohort.starts_on is not None or (closes_at is not None and survey.opens_at >= closes_at):
        opens_at = default_opens_at(cohort)
        if survey.opens_at != opens_at:
            survey.opens_at = opens_at
    if survey.closes_at != closes_at:
        survey.closes_at = closes_at


def ensure_surveys(cohorts: Iterable[Cohort], *,
                   now: datetime | None = None) -> dict[int, list[Survey]]:
    """Give each cohort its missing surveys: one per module, one per in-person session.

    Idempotent, in a fixed number of queries whatever the number of cohorts.
    Surveys whose window no manager has set follow the cohort's dates, so they
    move when the cohort's start or end date changes.
    Returns ``{cohort id: its surveys in programme order}``; a programme with no
    survey template gets none.
    """
    cohorts = list({cohort.id: cohort for cohort in cohorts}.values())
    if not cohorts:
        return {}
    cohort_ids = [cohort.id for cohort in cohorts]
    plan = _plan_for(cohorts)
    existing = surveys_of_cohorts(cohort_ids)
    missing: list[dict] = []
    for cohort in cohorts:
        _follow_dates_of(cohort, existing)
        missing += _missing_surveys(cohort, plan, existing, now)
    if missing:
        _insert_surveys(missing, cohort_ids, already=len(existing))
        existing = surveys_of_cohorts(cohort_ids)
    by_cohort: dict[int, list[Survey]] = {cohort_id: [] for cohort_id in cohort_ids}
    for survey in existing:
        by_cohort[survey.cohort_id].append(survey)
    return {cohort_id: in_programme_order(surveys) for cohort_id, surveys in by_cohort.items()}


@dataclass
class _SurveyPlan:
    """What the cohorts' programmes call for: templates, modules, in-person sessions."""

    templates: list[SurveyTemplate]
    modules: list[Module]
    sessions: list[tuple[int, int]]  # (session id, cohort id)


def _plan_for(cohorts: list[Cohort]) -> _SurveyPlan:
    cohort_ids = [cohort.id for cohort in cohorts]
    programme_ids = {cohort.programme_id for cohort in cohorts}
    return _SurveyPlan(
        templates=list(db.session.scalars(
            sa.select(SurveyTemplate).where(SurveyTemplate.programme_id.in_(programme_ids)))),
        modules=list(db.session.scalars(
            sa.select(Module).where(Module.programme_id.in_(programme_ids))
            .order_by(Module.position))),
        sessions=[tuple(row) for row in db.session.execute(
            sa.select(InPersonSession.id, InPersonSession.cohort_id)
            .where(InPersonSession.cohort_id.in_(cohort_ids)))])


def _follow_dates_of(cohort: Cohort, existing: list[Survey]) -> None:
    """Surveys of ``cohort`` whose window nobody customised follow its dates."""
    closes_at = default_closes_at(cohort)
    for survey in existing:
        if survey.cohort_id == cohort.id and not survey.window_customised:
            _follow_cohort_dates(survey, cohort, closes_at)


def _missing_surveys(cohort: Cohort, plan: _SurveyPlan, existing: list[Survey],
                     now: datetime | None) -> list[dict]:
    """Rows for the surveys ``cohort`` should have and has not: one per module of its
    programme, one per in-person session (none if the programme has no template)."""
    template = _cohort_template(cohort.programme_id, plan.templates)
    if template is None:
        return []
    have = {(s.module_id, s.session_id) for s in existing if s.cohort_id == cohort.id}
    window = {"template_id": template.id, "cohort_id": cohort.id,
              "opens_at": default_opens_at(cohort, now), "closes_at": default_closes_at(cohort)}
    return ([{**window, "module_id": module.id, "session_id": None} for module in plan.modules
             if module.programme_id == cohort.programme_id and (module.id, None) not in have]
            + [{**window, "module_id": None, "session_id": session_id}
               for session_id, session_cohort_id in plan.sessions
               if session_cohort_id == cohort.id and (None, session_id) not in have])


def _insert_surveys(rows: list[dict], cohort_ids: list[int], *, already: int) -> None:
    try:
        with db.session.begin_nested():
            db.session.execute(sa.insert(Survey), rows)  # one statement for them all
    except IntegrityError:
        # Another transaction gave them first (theirs are as good as ours), or something is
        # really wrong: then they are still missing.
        if len(surveys_of_cohorts(cohort_ids)) < already + len(rows):
            raise


def ensure_cohort_surveys(cohort: Cohort, *, now: datetime | None = None) -> list[Survey]:
    """Give ``cohort`` its missing surveys (see :func:`ensure_surveys`); all of them, in order."""
    return ensure_surveys([cohort], now=now)[cohort.id]


