"""Where each official stands in their programme, and whether they can be certified.

:func:`eligibility` is the single answer to "can this person be certified?";
certificates use it, the pages explain it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from certify.accounts.models import Municipality, Person, Region
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.cohorts.schedule import module_deadlines
from certify.core.clock import today as clock_today
from certify.extensions import db
from certify.programmes.models import Module, Programme
from certify.progress.eligibility import Eligibility, decide
from certify.progress.facts import PersonFacts, cohort_facts


class ModuleState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    PASSED = "passed"


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    state: ModuleState
    due_on: date | None
    overdue: bool = False  # not passed and its due date is behind


@dataclass(frozen=True)
class ProgressRow:
    """One person of a cohort: their enrolment, what they did, and the verdict."""

    enrolment: Enrolment
    facts: PersonFacts
    eligibility: Eligibility

    @property
    def person(self) -> Person:
        return self.enrolment.person


def active_enrolments(person: Person) -> list[Enrolment]:
    """The person's active enrolments, with cohort, programme and modules loaded."""
    return list(db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.person_id == person.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .options(selectinload(Enrolment.cohort).selectinload(Cohort.programme)
                 .selectinload(Programme.modules))
        .order_by(Enrolment.enrolled_at.desc())
    ))


def cohort_progress(cohort: Cohort) -> list[ProgressRow]:
    """Every active member of ``cohort`` with their facts and eligibility.

    A fixed number of queries whatever the cohort's size (the overview of a
    cohort of 500 is tested to stay bounded).
    """
    enrolments = list(db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .join(Enrolment.person)
        .options(selectinload(Enrolment.person).selectinload(Person.municipality)
                 .selectinload(Municipality.region).selectinload(Region.country))
        .order_by(*Person.by_name())
    ))
    return _rows(cohort, enrolments)


def person_progress(enrolment: Enrolment) -> ProgressRow:
    """The progress of the person of ``enrolment`` in its cohort."""
    return _rows(enrolment.cohort, [enrolment])[0]


def eligibility(person: Person, cohort: Cohort) -> Eligibility:
    """Whether ``person`` can be certified in ``cohort``, with every requirement and reason."""
    return decide(cohort.programme, cohort_facts(cohort, [person.id])[person.id])


def _rows(cohort: Cohort, enrolments: list[Enrolment]) -> list[ProgressRow]:
    facts = cohort_facts(cohort, [enrolment.person_id for enrolment in enrolments])
    programme = cohort.programme
    return [ProgressRow(enrolment, facts[enrolment.person_id],
                        decide(programme, facts[enrolment.person_id]))
            for enrolment in enrolments]


def module_progress(row: ProgressRow, *, today: date | None = None) -> list[ModuleProgress]:
    """Each module of the programme with the person's state and the cohort's due date."""
    today = today or clock_today()
    cohort = row.enrolment.cohort
    deadlines = module_deadlines(cohort)
    allowed = set((cohort.programme.certification_rules or {}).get("in_person_statuses") or ())
    result = []
    for module in cohort.programme.modules:
        if module.is_virtual:
            quiz = row.facts.quizzes.get(module.id)
            state = (ModuleState.PASSED if quiz and quiz.passed
                     else ModuleState.IN_PROGRESS if quiz and quiz.attempts_used
                     else ModuleState.NOT_STARTED)
        else:
            attended = row.facts.attendance in allowed if allowed else row.facts.attendance is not None
            state = ModuleState.PASSED if attended else ModuleState.NOT_STARTED
        due_on = deadlines.get(module.id)
        overdue = state is not ModuleState.PASSED and due_on is not None and due_on < today
        result.append(ModuleProgress(module, state, due_on, overdue))
    return result
