"""At the door: check people in by ticket or by name, add walk-ins, close the session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_time
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from certify.accounts.models import Municipality, Person, Region, Role
from certify.accounts.services import create_person, namesakes
from certify.attendance.models import (
    AttendanceStatus,
    CheckIn,
    CheckInMethod,
    InPersonSession,
    Registration,
    RegistrationStatus,
)
from certify.attendance.services.registration import find_registration
from certify.attendance.services.seats import lock_session
from certify.attendance.services.tickets import read_ticket
from certify.cohorts.models import Enrolment, EnrolmentStatus
from certify.core.clock import utcnow
from certify.core.errors import Conflict, NotFound
from certify.core.signals import checked_in
from certify.extensions import db

# A ticket scanned later than this after the start counts as late; staff can change it.
LATE_AFTER = timedelta(minutes=15)
WALK_IN_SEARCH_LIMIT = 10
# Statuses staff set by hand; no_show is only written when the session is closed.
MANUAL_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT,
                   AttendanceStatus.EXCUSED)


@dataclass(frozen=True)
class CheckInResult:
    """What a check-in did: ``checked_in`` (new), ``already_checked_in`` (a ticket scanned
    again: nothing changed), ``updated`` (status changed) or ``unchanged``."""

    check_in: CheckIn
    outcome: str

    @property
    def registration(self) -> Registration:
        return self.check_in.registration

    @property
    def person(self) -> Person:
        return self.check_in.registration.person

    @property
    def counted(self) -> bool:
        return self.outcome in {"checked_in", "updated"}

    def message(self) -> str:
        """One sentence for the person at the door, in their language."""
        name, time = self.person.full_name, format_time(self.check_in.checked_in_at, "short")
        status = status_label(self.check_in.status)
        if self.outcome == "already_checked_in":
            return _("%(name)s was already checked in at %(time)s (%(status)s).",
                     name=name, time=time, status=status)
        if self.outcome == "checked_in":
            return _("%(name)s: %(status)s.", name=name, status=status)
        return _("%(name)s is now recorded as %(status)s.", name=name, status=status)


def status_label(status: AttendanceStatus) -> str:
    return {AttendanceStatus.PRESENT: _("present"), AttendanceStatus.LATE: _("late"),
            AttendanceStatus.ABSENT: _("absent"), AttendanceStatus.EXCUSED: _("excused"),
            AttendanceStatus.NO_SHOW: _("no-show")}[AttendanceStatus(status)]


def _announce(check_in: CheckIn) -> None:
    registration = check_in.registration
    checked_in.send(check_in, registration=registration, person=registration.person,
                    session=registration.session, status=check_in.status)


def record_check_in(registration: Registration, status: AttendanceStatus | str, *,
                    by: Person | None, method: CheckInMethod,
                    now: datetime | None = None) -> CheckInResult:
    """Record that ``registration``'s person came (or not), once per registration.

    A ticket scanned again is reported, not counted twice; a status chosen by
    staff replaces the one recorded. Sends ``checked_in`` for each new or
    changed check-in.
    """
    status = AttendanceStatus(status)
    if registration.status is not RegistrationStatus.CONFIRMED:
        raise Conflict(_("%(name)s has no seat at this session; add them as a walk-in.",
                         name=registration.person.full_name))
    existing = registration.check_in
    if existing is None:
        try:
            # Two doors may scan the same ticket at once: the unique registration_id decides,
            # inside a savepoint so the loser's transaction stays usable.
            with db.session.begin_nested():
                check_in = CheckIn(registration=registration, status=status, method=method,
                                   checked_in_at=now or utcnow(), recorded_by=by)
                db.session.add(check_in)
        except IntegrityError:
            db.session.refresh(registration)
            existing = registration.check_in
            if existing is None:
                raise
        else:
            _announce(check_in)
            return CheckInResult(check_in, "checked_in")
    if method is CheckInMethod.TICKET:
        return CheckInResult(existing, "already_checked_in")
    if existing.status is status:
        return CheckInResult(existing, "unchanged")
    existing.status, existing.recorded_by = status, by
    db.session.flush()
    _announce(existing)
    return CheckInResult(existing, "updated")


def _check_not_closed(session: InPersonSession) -> None:
    if session.is_closed:
        raise Conflict(_("This session was closed; only the recorded statuses can be changed."))


def check_in_with_ticket(session: InPersonSession, token: str, *, by: Person | None,
                         now: datetime | None = None) -> CheckInResult:
    """Check in the holder of a scanned ticket: present, or late after ``LATE_AFTER``.

    Raises ``TicketRejected`` (with the reason) for a forged, cancelled or
    other session's ticket, ``Conflict`` once the session is closed.
    """
    now = now or utcnow()
    _check_not_closed(session)
    registration = read_ticket(token, session)
    late = now > session.starts_at + LATE_AFTER
    return record_check_in(registration,
                           AttendanceStatus.LATE if late else AttendanceStatus.PRESENT,
                           by=by, method=CheckInMethod.TICKET, now=now)


def set_attendance(registration: Registration, status: AttendanceStatus | str, *,
                   by: Person | None, now: datetime | None = None) -> CheckInResult:
    """Staff choose someone's status from the list: present, late, absent or excused.

    Allowed after the session is closed too, to correct the record.
    """
    status = AttendanceStatus(status)
    if status not in MANUAL_STATUSES:
        raise Conflict(_("No-show is recorded when the session is closed."))
    return record_check_in(registration, status, by=by, method=CheckInMethod.LIST, now=now)


def check_in_person(session: InPersonSession, person: Person, status: AttendanceStatus | str, *,
                    by: Person | None, now: datetime | None = None) -> CheckInResult:
    """:func:`set_attendance` for ``person``'s confirmed registration at ``session``."""
    registration = find_registration(session, person)
    if registration is None or registration.status is not RegistrationStatus.CONFIRMED:
        raise NotFound(_("%(name)s has no seat at this session; add them as a walk-in.",
                         name=person.full_name))
    return set_attendance(registration, status, by=by, now=now)


def add_walk_in(session: InPersonSession, person: Person, *, by: Person | None,
                now: datetime | None = None) -> CheckInResult:
    """Check in someone who came without a seat: they get a registration flagged walk-in.

    Someone who holds a seat after all is simply checked in. A walk-in takes
    no seat from the capacity: they are already in the room.
    """
    now = now or utcnow()
    session = lock_session(session)
    _check_not_closed(session)
    registration = find_registration(session, person)
    if registration is not None and registration.status is RegistrationStatus.CONFIRMED:
        return record_check_in(registration, AttendanceStatus.PRESENT, by=by,
                               method=CheckInMethod.LIST, now=now)
    if registration is None:
        registration = Registration(session=session, person=person, registered_at=now)
        db.session.add(registration)
    registration.status = RegistrationStatus.CONFIRMED
    registration.walk_in = True
    registration.ticket_code = None  # they are checked in already; no ticket needed
    registration.confirmed_at = now
    registration.cancelled_at = None
    db.session.flush()
    return record_check_in(registration, AttendanceStatus.PRESENT, by=by,
                           method=CheckInMethod.WALK_IN, now=now)


def create_walk_in(session: InPersonSession, *, given_names: str, family_names: str, email: str,
                   municipality: Municipality | None, by: Person | None,
                   now: datetime | None = None, namesake_confirmed: bool = False) -> CheckInResult:
    """Create the account of a walk-in who is not registered anywhere yet, and check them in.

    Someone of the same municipality with the same name (accents and case aside) is most
    likely the same person: unless ``namesake_confirmed``, that is a ``Conflict`` naming the
    field ``confirm_namesake``. Raises the errors of ``accounts.services.create_person``
    too (e.g. ``Conflict`` on an e-mail already in use, with the field named).
    """
    _check_not_closed(session)
    existing = namesakes(given_names, family_names, municipality)
    if existing and not namesake_confirmed:
        message = _("%(names)s, of the same municipality, already has an account: search for "
                    "them above, or confirm that this is someone else.",
                    names=", ".join(f"{person.full_name} ({person.email})" for person in existing))
        raise Conflict(message, errors={"confirm_namesake": [message]})
    person = create_person(email=email, given_names=given_names, family_names=family_names,
                           municipality=municipality, roles=[Role.OFFICIAL])
    return add_walk_in(session, person, by=by, now=now)


def close_session(session: InPersonSession, *, by: Person | None,
                  now: datetime | None = None) -> int:
    """End the session: registration closes and every seat-holder not checked in becomes a
    no-show. Returns how many no-shows were recorded.

    Raises ``Conflict`` before the session starts (closing early would mark
    everyone a no-show) and when it is already closed.
    """
    now = now or utcnow()
    session = lock_session(session)
    if session.is_closed:
        raise Conflict(_("This session is already closed."))
    if now < session.starts_at:
        raise Conflict(_("The session has not started yet; close it when it is over."))
    missing = list(db.session.scalars(
        sa.select(Registration).where(
            Registration.session_id == session.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            ~Registration.check_in.has())))
    for registration in missing:
        db.session.add(CheckIn(registration=registration, status=AttendanceStatus.NO_SHOW,
                               method=CheckInMethod.CLOSING, checked_in_at=now, recorded_by=by))
    session.closed_at, session.closed_by, session.registration_open = now, by, False
    db.session.flush()
    return len(missing)


@dataclass(frozen=True)
class WalkInCandidate:
    person: Person
    registration: Registration | None  # a waitlisted or cancelled registration, if any
    enrolled: bool  # actively enrolled in the session's cohort


def walk_in_candidates(session: InPersonSession, search: str) -> list[WalkInCandidate]:
    """Active people matching ``search`` (name or e-mail, 2+ characters) who hold no seat
    at ``session``; at most ``WALK_IN_SEARCH_LIMIT``, in a fixed number of queries."""
    search = (search or "").strip()
    if len(search) < 2:
        return []
    seated = sa.select(Registration.person_id).where(
        Registration.session_id == session.id, Registration.status == RegistrationStatus.CONFIRMED)
    people = list(db.session.scalars(
        sa.select(Person)
        .where(Person.active, Person.id.not_in(seated),
               Person.name_or_email_contains(search))
        .options(selectinload(Person.municipality).selectinload(Municipality.region)
                 .selectinload(Region.country))
        .order_by(*Person.by_name())
        .limit(WALK_IN_SEARCH_LIMIT)))
    ids = [person.id for person in people]
    if not ids:
        return []
    registrations = {registration.person_id: registration for registration in db.session.scalars(
        sa.select(Registration).where(Registration.session_id == session.id,
                                      Registration.person_id.in_(ids)))}
    enrolled = set(db.session.scalars(sa.select(Enrolment.person_id).where(
        Enrolment.cohort_id == session.cohort_id, Enrolment.person_id.in_(ids),
        Enrolment.status == EnrolmentStatus.ACTIVE)))
    return [WalkInCandidate(person, registrations.get(person.id), person.id in enrolled)
            for person in people]
