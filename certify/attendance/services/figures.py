"""Attendance figures for dashboards and eligibility, in one query each whatever the numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from certify.attendance.models import (
    ATTENDANCE_RANK,
    ATTENDED,
    AttendanceStatus,
    CheckIn,
    InPersonSession,
    Registration,
    RegistrationStatus,
)
from certify.cohorts.models import Cohort
from certify.extensions import db
from certify.programmes.models import Module


@dataclass(frozen=True)
class SessionFigures:
    """Who registered for a session and what became of them.

    ``registered`` counts seats taken (walk-ins apart); ``attended`` everyone
    present or late, walk-ins included, of whom ``attended_registered`` held a
    seat; ``attendance_rate`` is ``attended_registered / registered`` (None
    while nobody is registered).
    """

    registered: int = 0
    waitlisted: int = 0
    attended: int = 0
    attended_registered: int = 0
    walk_ins: int = 0
    no_shows: int = 0
    excused: int = 0
    absent: int = 0

    @property
    def attendance_rate(self) -> float | None:
        return self.attended_registered / self.registered if self.registered else None


def session_figures(sessions: Iterable[InPersonSession]) -> dict[int, SessionFigures]:
    """``{session id: SessionFigures}`` for these sessions, in one query."""
    ids = [session.id for session in sessions]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Registration.session_id, Registration.status, Registration.walk_in,
                  CheckIn.status, sa.func.count(Registration.id))
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.session_id.in_(ids))
        .group_by(Registration.session_id, Registration.status, Registration.walk_in,
                  CheckIn.status)
    ).all()
    fields = SessionFigures.__dataclass_fields__
    counts = {session_id: dict.fromkeys(fields, 0) for session_id in ids}
    for session_id, status, walk_in, attendance, n in rows:
        fold_registrations(counts[session_id], status, walk_in, attendance, n)
    return {session_id: SessionFigures(**values) for session_id, values in counts.items()}


def attendance_by_person(cohort: Cohort, *, module: Module | None = None
                         ) -> dict[int, AttendanceStatus]:
    """``{person id: best status}`` over the cohort's sessions (of ``module``, if given).

    Best means present > late > excused > absent > no_show. Only people with a
    recorded status appear: nobody who never registered, nor a seat-holder of a
    session still open who has not been checked in yet. One query.
    """
    query = (sa.select(Registration.person_id, CheckIn.status)
             .join(CheckIn, CheckIn.registration_id == Registration.id)
             .join(InPersonSession, InPersonSession.id == Registration.session_id)
             .where(InPersonSession.cohort_id == cohort.id,
                    Registration.status == RegistrationStatus.CONFIRMED))
    if module is not None:
        query = query.where(InPersonSession.module_id == module.id)
    rank = {status: position for position, status in enumerate(ATTENDANCE_RANK)}
    best: dict[int, AttendanceStatus] = {}
    for person_id, status in db.session.execute(query):
        if person_id not in best or rank[status] < rank[best[person_id]]:
            best[person_id] = status
    return best


def fold_registrations(counts: dict, status, walk_in: bool, attendance, n: int) -> None:
    """Add ``n`` registrations of one kind (status, walk-in, attendance) to a session's counts,
    keyed like :class:`SessionFigures`."""
    if status is RegistrationStatus.WAITLISTED:
        counts["waitlisted"] += n
        return
    if status is not RegistrationStatus.CONFIRMED:
        return
    counts["walk_ins" if walk_in else "registered"] += n
    if attendance in ATTENDED:
        counts["attended"] += n
        if not walk_in:
            counts["attended_registered"] += n
    elif attendance is AttendanceStatus.NO_SHOW:
        counts["no_shows"] += n
    elif attendance is AttendanceStatus.EXCUSED:
        counts["excused"] += n
    elif attendance is AttendanceStatus.ABSENT:
        counts["absent"] += n
