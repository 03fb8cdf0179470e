"""Who holds a seat: the session lock, seat counting, confirming and the waitlist.

Every change to who holds a seat first locks the session's row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite lets one writer at a time),
so two people can never both take the last seat, and a freed seat goes to
exactly one person from the waitlist.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from certify.attendance.models import InPersonSession, Registration, RegistrationStatus
from certify.attendance.services.tickets import new_ticket_code, queue_ticket_email
from certify.core.clock import utcnow
from certify.extensions import db


def lock_session(session: InPersonSession) -> InPersonSession:
    """Re-read ``session`` holding its row lock until the transaction ends."""
    return db.session.scalars(
        sa.select(InPersonSession).where(InPersonSession.id == session.id)
        .with_for_update().execution_options(populate_existing=True)
    ).one()


def seats_taken(session: InPersonSession) -> int:
    """Confirmed registrations that hold a seat (walk-ins came on the spot and hold none)."""
    return db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.session_id == session.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.walk_in.is_(False))
    ) or 0


def waitlist_positions(registrations: Iterable[Registration]) -> dict[int, int]:
    """``{registration id: place on its waitlist}`` (1 is next) for the waitlisted ones among
    ``registrations``, in one query."""
    ids = [registration.id for registration in registrations
           if registration.status is RegistrationStatus.WAITLISTED]
    if not ids:
        return {}
    ahead = aliased(Registration)
    return dict(db.session.execute(
        sa.select(Registration.id, sa.func.count(ahead.id))
        .join(ahead, sa.and_(
            ahead.session_id == Registration.session_id,
            ahead.status == RegistrationStatus.WAITLISTED,
            sa.or_(ahead.registered_at < Registration.registered_at,
                   sa.and_(ahead.registered_at == Registration.registered_at,
                           ahead.id <= Registration.id))))
        .where(Registration.id.in_(ids))
        .group_by(Registration.id)
    ).all())


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person on the waitlist; None if not waitlisted."""
    return waitlist_positions([registration]).get(registration.id)


def confirm_seat(registration: Registration, now: datetime) -> Registration:
    """Give ``registration`` a seat and a new ticket (any earlier ticket stops working)."""
    registration.status = RegistrationStatus.CONFIRMED
    registration.ticket_code = new_ticket_code()
    registration.confirmed_at = now
    registration.cancelled_at = None
    return registration


def promote_waitlisted(session: InPersonSession, *,
                       now: datetime | None = None) -> list[Registration]:
    """Move people from the waitlist, first come first served, into the free seats.

    The caller holds the session lock (:func:`lock_session`). Each person
    promoted gets their ticket by e-mail. Nobody moves up once the session is
    closed.
    """
    if session.is_closed:
        return []
    free = session.capacity - seats_taken(session)
    if free <= 0:
        return []
    now = now or utcnow()
    promoted = list(db.session.scalars(
        sa.select(Registration)
        .where(Registration.session_id == session.id,
               Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.registered_at, Registration.id)
        .limit(free)
    ))
    for registration in promoted:
        confirm_seat(registration, now)
    db.session.flush()
    for registration in promoted:
        queue_ticket_email(registration, promoted=True)
    return promoted
