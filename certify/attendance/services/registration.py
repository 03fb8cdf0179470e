"""Officials take a seat at a session, or a place on its waitlist, and give it back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, selectinload

from certify.accounts.models import Municipality, Person, Region
from certify.attendance.models import InPersonSession, Registration, RegistrationStatus
from certify.attendance.services.seats import (
    confirm_seat,
    lock_session,
    promote_waitlisted,
    seats_taken,
    waitlist_position,
)
from certify.attendance.services.sessions import is_actively_enrolled
from certify.attendance.services.tickets import queue_ticket_email, queue_waitlist_email
from certify.core.clock import utcnow
from certify.core.errors import Conflict, PermissionDenied
from certify.core.lookups import get_or_not_found
from certify.extensions import db


def get_registration(registration_id: int) -> Registration:
    """The registration with this id, or ``NotFound``."""
    return get_or_not_found(Registration, registration_id, _("There is no such registration."))


def find_registration(session: InPersonSession, person: Person) -> Registration | None:
    """The registration of ``person`` at ``session`` (any status), or None."""
    return db.session.scalar(sa.select(Registration).where(
        Registration.session_id == session.id, Registration.person_id == person.id))


def registrations_of(person: Person,
                     sessions: Iterable[InPersonSession]) -> dict[int, Registration]:
    """``{session id: registration}`` of ``person`` at these sessions, in one query."""
    ids = [session.id for session in sessions]
    if not ids:
        return {}
    return {registration.session_id: registration for registration in db.session.scalars(
        sa.select(Registration).where(Registration.person_id == person.id,
                                      Registration.session_id.in_(ids)))}


def registrations_query(session: InPersonSession, *, search: str | None = None,
                        statuses: Iterable[RegistrationStatus] | None = None) -> sa.Select:
    """A select of the session's registrations with people, places and check-ins loaded.

    Ordered by family names; ``search`` matches names and e-mail. Listing them
    costs a fixed number of queries whatever their number.
    """
    query = (
        sa.select(Registration).join(Registration.person)
        .where(Registration.session_id == session.id)
        .options(contains_eager(Registration.person).selectinload(Person.municipality)
                 .selectinload(Municipality.region).selectinload(Region.country),
                 selectinload(Registration.check_in))
        .order_by(Person.name_sort_key, Registration.id)
    )
    if statuses is not None:
        query = query.where(Registration.status.in_(list(statuses)))
    if search and search.strip():
        query = query.where(Person.name_or_email_contains(search))
    return query


def _check_open(session: InPersonSession, now: datetime) -> None:
    if session.is_closed:
        raise Conflict(_("This session is closed."))
    if not session.registration_open:
        raise Conflict(_("Registration for this session is closed."))
    if now >= session.starts_at:
        raise Conflict(_("This session has already started; registration is over."))


def register(session: InPersonSession, person: Person, *,
             now: datetime | None = None, notify: bool = True) -> Registration:
    """Register ``person`` (actively enrolled in the session's cohort) for ``session``.

    They get a seat and a ticket by e-mail while seats are left, otherwise a
    place at the end of the waitlist (also told by e-mail). Registering again
    returns the registration as it is; after a cancellation it starts over.
    Raises ``PermissionDenied`` for someone not actively enrolled and
    ``Conflict`` when registration is closed or the session has started.
    ``notify=False`` records a registration after the fact (a session already held), when
    a ticket or waitlist e-mail would only confuse.
    """
    now = now or utcnow()
    if not is_actively_enrolled(person, session.cohort):
        raise PermissionDenied(_("Only officials actively enrolled in %(cohort)s can register "
                                 "for its sessions.", cohort=session.cohort.name))
    session = lock_session(session)
    _check_open(session, now)
    registration = find_registration(session, person)
    if registration is not None and registration.status is not RegistrationStatus.CANCELLED:
        return registration
    seat_left = seats_taken(session) < session.capacity
    if registration is None:
        registration = Registration(session=session, person=person)
        db.session.add(registration)
    registration.walk_in = False
    registration.registered_at = now
    registration.cancelled_at = None
    if seat_left:
        confirm_seat(registration, now)
        db.session.flush()
        if notify:
            queue_ticket_email(registration)
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.ticket_code = None
        db.session.flush()
        if notify:
            queue_waitlist_email(registration, waitlist_position(registration))
    return registration


def can_cancel(registration: Registration, *, now: datetime | None = None) -> bool:
    """Whether the person may still give back their place, as :func:`cancel_registration` decides:
    pages offer the button only then."""
    session = registration.session
    if registration.status is RegistrationStatus.CANCELLED or session.is_closed \
            or registration.check_in is not None:
        return False
    return registration.status is not RegistrationStatus.CONFIRMED or (now or utcnow()) < session.starts_at


def cancel_registration(registration: Registration, *,
                        now: datetime | None = None) -> list[Registration]:
    """Give back a seat or a waitlist place; returns the people promoted into the freed seat.

    The ticket stops working at once. A seat can be given back until the
    session starts, a waitlist place until it is closed. Cancelling twice
    changes nothing.
    """
    now = now or utcnow()
    session = lock_session(registration.session)
    db.session.refresh(registration)  # a promotion may have happened while we waited
    if registration.status is RegistrationStatus.CANCELLED:
        return []
    if session.is_closed:
        raise Conflict(_("This session is closed."))
    if registration.check_in is not None:
        raise Conflict(_("You were already checked in at %(time)s.",
                         time=format_datetime(registration.check_in.checked_in_at, "short")))
    held_a_seat = registration.status is RegistrationStatus.CONFIRMED
    if held_a_seat and now >= session.starts_at:
        raise Conflict(_("The session has started; the seat can no longer be given back."))
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.ticket_code = None
    db.session.flush()
    return promote_waitlisted(session, now=now) if held_a_seat else []
