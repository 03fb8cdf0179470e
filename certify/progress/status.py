"""Where one person stands in one cohort, in a single word the pages and e-mails share.

Built on :mod:`certify.progress.eligibility`: "eligible" means exactly what
issuance checks. Whether the person already holds the certificate is known by
the certificates area (higher than this one), so callers pass it in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from certify.accounts.models import Person
from certify.attendance.services import sessions_of_cohort
from certify.cohorts.schedule import module_deadlines
from certify.core.clock import today as clock_today
from certify.core.signals import certified_lookup
from certify.progress.eligibility import Requirement, Step
from certify.progress.services import ProgressRow


class CohortStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    AWAITING_ISSUANCE = "awaiting_issuance"  # eligible, the team has not issued yet
    CERTIFIED = "certified"
    OUT_OF_REACH = "out_of_reach"  # something missing can no longer be done in this cohort


class BlockedBy(enum.StrEnum):
    DEADLINES_PASSED = "deadlines_passed"  # every module deadline is behind
    SESSIONS_CLOSED = "sessions_closed"  # in-person module not attended, every session closed
    NO_ATTEMPTS_LEFT = "no_attempts_left"  # a quiz failed with every attempt used


@dataclass(frozen=True)
class StatusReport:
    status: CohortStatus
    blocked_by: tuple[BlockedBy, ...] = ()
    # Whom to write to when the cohort can no longer certify the person.
    contacts: tuple[Person, ...] = field(default=(), compare=False)


def cohort_status(row: ProgressRow, *, certified: bool, today: date | None = None) -> StatusReport:
    """The status of ``row``'s person in its cohort (``certified``: holds a live certificate)."""
    if certified:
        return StatusReport(CohortStatus.CERTIFIED)
    if row.eligibility.eligible:
        return StatusReport(CohortStatus.AWAITING_ISSUANCE)
    blocked = _blocked_by(row, row.eligibility.missing, today or clock_today())
    if blocked:
        cohort = row.enrolment.cohort
        return StatusReport(CohortStatus.OUT_OF_REACH, blocked, tuple(cohort.tutors))
    return StatusReport(CohortStatus.IN_PROGRESS)


def certified_people(cohort, person_ids) -> set[int]:
    """The ids among ``person_ids`` holding a live certificate of ``cohort``'s programme."""
    answers = certified_lookup.send(cohort, person_ids=list(person_ids))
    return set().union(*(ids for _receiver, ids in answers))


def my_statuses(rows: list[ProgressRow], *, today: date | None = None) -> list[StatusReport]:
    """The status of each row's person (one lookup of certificates per row's cohort)."""
    return [cohort_status(row, certified=row.enrolment.person_id in certified_people(
        row.enrolment.cohort, [row.enrolment.person_id]), today=today) for row in rows]


def _blocked_by(row: ProgressRow, missing: list[Requirement], today: date) -> tuple[BlockedBy, ...]:
    cohort = row.enrolment.cohort
    reasons: list[BlockedBy] = []
    due_dates = list(module_deadlines(cohort).values())
    if due_dates and all(due is not None and due < today for due in due_dates):
        reasons.append(BlockedBy.DEADLINES_PASSED)
    if any(requirement.step is Step.IN_PERSON for requirement in missing):
        sessions = sessions_of_cohort(cohort)
        if sessions and all(session.is_closed for session in sessions):
            reasons.append(BlockedBy.SESSIONS_CLOSED)
    if any(requirement.step is Step.QUIZ and requirement.detail.get("started")
           and requirement.detail.get("attempts_left") == 0 for requirement in missing):
        reasons.append(BlockedBy.NO_ATTEMPTS_LEFT)
    return tuple(reasons)
