"""The funnel: of the people enrolled, how many passed every virtual module's quiz, then also
attended in person, then also passed the group prototype, and how many are certified.

Each step counts people who took it and every step before it, so the drop-off between
two steps is the people lost there. The steps come from the read model
(``reports.facts``: the programme's own rules, one row per person); "certified" from the
live certificates. One query.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from certify.certificates.models import Certificate, CertificateKind
from certify.cohorts.models import Cohort
from certify.extensions import db
from certify.programmes.models import Programme
from certify.reports.models import ReportFact
from certify.reports.scope import Scope
from certify.reports.sql import count_if


class FunnelStep(enum.StrEnum):
    ENROLLED = "enrolled"
    VIRTUAL_MODULES = "virtual_modules"
    IN_PERSON = "in_person"
    PROTOTYPE = "prototype"
    CERTIFIED = "certified"


@dataclass(frozen=True)
class StepFigure:
    step: FunnelStep
    people: int
    previous: int | None  # the step before's people (None for the first)
    enrolled: int
    # Certified without every step before recorded here (a pilot's historical certificates,
    # say): counted apart so that no step has more people than the one before.
    apart: int = 0

    @property
    def dropped(self) -> int | None:
        """People lost since the step before."""
        return None if self.previous is None else self.previous - self.people

    @property
    def share_of_previous(self) -> Decimal | None:
        if not self.previous:
            return None
        return (Decimal(self.people * 100) / self.previous).quantize(Decimal("0.1"))

    @property
    def share_of_enrolled(self) -> Decimal | None:
        if not self.enrolled:
            return None
        return (Decimal(self.people * 100) / self.enrolled).quantize(Decimal("0.1"))


def certified_people(scope: Scope) -> sa.Select:
    """Holders of a live programme certificate: a select of ``Certificate.person_id``.

    Filtered by cohort, only certificates of those cohorts count: the funnel then follows one
    set of cohorts from enrolment to certificate, not this year's steps against a pilot's
    certificates.
    """
    query = sa.select(Certificate.person_id).where(
        Certificate.kind == CertificateKind.PROGRAMME,
        Certificate.programme_id == scope.programme.id,
        Certificate.revoked_at.is_(None), Certificate.person_id.is_not(None))
    if scope.by_cohort:
        query = query.where(Certificate.cohort_id.in_(scope.cohort_ids()))
    return query


def current_period(programme: Programme, today: date) -> int | None:
    """The year the funnel shows unless told otherwise: that of the latest cohort begun by
    ``today`` (the cohorts running now), else of the first one to come; None without cohorts."""
    started = db.session.scalar(
        sa.select(sa.func.max(Cohort.starts_on))
        .where(Cohort.programme_id == programme.id, Cohort.starts_on <= today))
    if started is None:
        started = db.session.scalar(
            sa.select(sa.func.min(Cohort.starts_on)).where(Cohort.programme_id == programme.id))
    return started.year if started else None


def cohorts_counted(scope: Scope) -> list[Cohort]:
    """The cohorts whose people the figures count, in the order they start."""
    return list(db.session.scalars(sa.select(Cohort).where(Cohort.id.in_(scope.cohort_ids()))
                                   .order_by(Cohort.starts_on.nulls_last(), Cohort.name)))


def funnel(scope: Scope) -> list[StepFigure]:
    """The five steps with their people and drop-off, for everyone ever enrolled in the
    scope's cohorts and places (withdrawn or not)."""
    fact = ReportFact
    quizzes = fact.virtual_modules_passed.is_(True)
    attended = sa.and_(quizzes, fact.attended_in_person.is_(True))
    prototype = sa.and_(attended, fact.prototype_passed.is_(True))
    holds = fact.person_id.in_(certified_people(scope))
    *counts, apart = db.session.execute(scope.facts(sa.select(
        sa.func.count(), count_if(quizzes), count_if(attended), count_if(prototype),
        count_if(sa.and_(prototype, holds)), count_if(sa.and_(holds, sa.not_(prototype))))
        .select_from(fact))).one()
    enrolled = counts[0]
    figures, previous = [], None
    for step, count in zip(FunnelStep, counts, strict=True):
        figures.append(StepFigure(step, count, previous, enrolled,
                                  apart if step is FunnelStep.CERTIFIED else 0))
        previous = count
    return figures
