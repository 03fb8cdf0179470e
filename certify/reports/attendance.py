"""In-person attendance across the programme's sessions, and what the surveys say.

Per session and overall: seats registered, people who attended (present or late, walk-ins
included), walk-ins, no-shows; the counting rules are the attendance area's
(``attendance.services.figures.SessionFigures``). Satisfaction: the average of every
1-5 answer, per module (a session's survey counts for its module) and per question, from
the read model's survey tallies. A fixed number of grouped queries whatever the number of
people.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from certify.accounts.models import Country, Region
from certify.attendance.models import (
    CheckIn,
    InPersonSession,
    Registration,
)
from certify.attendance.services.figures import SessionFigures, fold_registrations
from certify.cohorts.models import Cohort
from certify.extensions import db
from certify.programmes.models import Module, Translated
from certify.reports.models import SurveyTally
from certify.reports.scope import Scope
from certify.surveys.models import Survey, SurveyItem, SurveyTemplate

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class SessionRow:
    id: int
    title: str
    cohort: str
    starts_at: datetime
    figures: SessionFigures


@dataclass(frozen=True)
class Satisfaction:
    """The average of ``answers`` scale answers given in ``responses`` responses."""

    key: str  # a module code, or a question's key
    label: Translated
    responses: int
    answers: int
    total: int  # sum of the scores

    @property
    def average(self) -> Decimal | None:
        if not self.answers:
            return None
        return (Decimal(self.total) / self.answers).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class AttendanceReport:
    sessions: list[SessionRow]
    overall: SessionFigures
    by_module: list[Satisfaction]
    by_question: list[Satisfaction]
    satisfaction: Satisfaction  # every scale answer of the programme's surveys


def _sessions(scope: Scope) -> sa.Select:
    query = (sa.select(InPersonSession.id, InPersonSession.title, Cohort.name,
                       InPersonSession.starts_at)
             .join(Cohort, Cohort.id == InPersonSession.cohort_id)
             .where(Cohort.programme_id == scope.programme.id))
    if scope.by_cohort:
        query = query.where(Cohort.id.in_(scope.cohort_ids()))
    return query



def session_rows(scope: Scope) -> tuple[list[SessionRow], SessionFigures]:
    """Every session of the scope's cohorts, by date, with its figures; and their sum."""
    sessions = db.session.execute(_sessions(scope).order_by(InPersonSession.starts_at,
                                                             InPersonSession.id)).all()
    names = [field.name for field in fields(SessionFigures)]
    counts = {row.id: dict.fromkeys(names, 0) for row in sessions}
    query = (sa.select(Registration.session_id, Registration.status, Registration.walk_in,
                       CheckIn.status, sa.func.count(Registration.id))
             .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
             .where(Registration.session_id.in_(_sessions(scope).with_only_columns(
                 InPersonSession.id)))
             .group_by(Registration.session_id, Registration.status, Registration.walk_in,
                       CheckIn.status))
    for session_id, status, walk_in, attendance, n in db.session.execute(
            scope.within_place(query, Registration.person_id)):
        fold_registrations(counts[session_id], status, walk_in, attendance, n)
    overall = {name: sum(values[name] for values in counts.values()) for name in names}
    rows = [SessionRow(row.id, row.title, row.name, row.starts_at, SessionFigures(**counts[row.id]))
            for row in sessions]
    return rows, SessionFigures(**overall)


def _tallies(scope: Scope, module_id) -> sa.Select:
    """The scope's survey tallies summed by module and question key, in one pass: rows with
    no key are the surveys' responses, the others the questions' answers and scores."""
    tally = SurveyTally
    query = (sa.select(module_id, SurveyItem.key,
                       *(sa.cast(sa.func.coalesce(sa.func.sum(column), 0), sa.Integer)
                         for column in (tally.responses, tally.answers, tally.total)))
             .select_from(tally)
             .join(Survey, Survey.id == tally.survey_id)
             .join(Cohort, Cohort.id == Survey.cohort_id)
             .outerjoin(InPersonSession, InPersonSession.id == Survey.session_id)
             .outerjoin(SurveyItem, SurveyItem.id == tally.item_id)
             .where(Cohort.programme_id == scope.programme.id,
                    tally.by_place.is_(scope.by_place)))
    if scope.by_cohort:
        query = query.where(Cohort.id.in_(scope.cohort_ids()))
    if scope.country:
        query = query.where(tally.region_id.in_(
            sa.select(Region.id).join(Region.country).where(Country.code == scope.country)))
    if scope.region_id:
        query = query.where(tally.region_id == scope.region_id)
    if scope.kind:
        query = query.where(tally.kind == scope.kind.value)
    return query.group_by(module_id, SurveyItem.key)


def satisfaction(scope: Scope) -> tuple[list[Satisfaction], list[Satisfaction], Satisfaction]:
    """Average satisfaction per module, per question (item key), and overall.

    Read from the survey tallies (``reports.facts``); respondents are placed by the
    municipality they worked in when the tallies were made.
    """
    module_id = sa.func.coalesce(Survey.module_id, InPersonSession.module_id).label("module_id")
    responses: dict[int, int] = defaultdict(int)
    answers: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    questions: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for module, key, responded, answered, total in db.session.execute(
            _tallies(scope, module_id)):
        if key is None:
            responses[module] += responded
            continue
        for sums, group in ((answers, module), (questions, key)):
            sums[group][0] += answered
            sums[group][1] += total
    modules = db.session.execute(
        sa.select(Module.id, Module.code, Module.title)
        .where(Module.programme_id == scope.programme.id).order_by(Module.position)).all()
    per_module = [Satisfaction(code, title, responses.get(module, 0), *answers[module])
                  for module, code, title in modules if module in answers]
    prompts = _prompts(scope, list(questions))
    per_question = sorted((Satisfaction(key, prompts[key][1], answered, answered, total)
                           for key, (answered, total) in questions.items()),
                          key=lambda s: prompts[s.key][0])
    overall = Satisfaction("all", {}, sum(responses.values()),
                           sum(s.answers for s in per_question),
                           sum(s.total for s in per_question))
    return per_module, per_question, overall


def _prompts(scope: Scope, keys: list[str]) -> dict[str, tuple[int, Translated]]:
    """``{item key: (position, prompt)}`` from the programme's survey items."""
    if not keys:
        return {}
    prompts: dict[str, tuple[int, Translated]] = {}
    for key, position, prompt in db.session.execute(
            sa.select(SurveyItem.key, SurveyItem.position, SurveyItem.prompt)
            .join(SurveyTemplate, SurveyTemplate.id == SurveyItem.template_id)
            .where(SurveyTemplate.programme_id == scope.programme.id, SurveyItem.key.in_(keys))
            .order_by(SurveyItem.active.desc(), SurveyItem.id)):
        prompts.setdefault(key, (position, prompt))
    return {key: prompts.get(key, (len(prompts), {})) for key in keys}


def attendance_report(scope: Scope) -> AttendanceReport:
    """Sessions, their sum, and satisfaction for the scope."""
    sessions, overall = session_rows(scope)
    by_module, by_question, everything = satisfaction(scope)
    return AttendanceReport(sessions=sessions, overall=overall, by_module=by_module,
                            by_question=by_question, satisfaction=everything)
