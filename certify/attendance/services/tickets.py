"""Personal QR tickets: a random code on the registration, signed into a token.

The token carries the registration id and its ticket code, signed with the
app's secret (salt ``attendance-ticket``): it cannot be forged or edited, it
stops working when the seat is cancelled (the code is cleared) and it only
checks someone in at its own session. Scanning it does something only for the
staff of that session (see ``checkin``); the ticket page shows it only to its
owner.
"""

from __future__ import annotations

import hmac
import secrets

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup

from certify.attendance.models import InPersonSession, Registration, RegistrationStatus
from certify.core.errors import Conflict, DomainError
from certify.core.mail import Attachment, external_url, queue_templated_email
from certify.core.qr import qr_png, qr_svg
from certify.extensions import db

TICKET_SALT = "attendance-ticket"
MAX_TOKEN_LENGTH = 512  # real tokens are about 80 characters; anything longer is not ours


class TicketRejected(DomainError):
    """A scanned token that does not check anyone in here; the message says why."""

    status = 422
    code = "invalid_ticket"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TICKET_SALT)


def new_ticket_code() -> str:
    """A fresh random ticket code (96 bits; unique in the table)."""
    return secrets.token_urlsafe(12)


def ticket_token(registration: Registration) -> str:
    """The signed token the QR code carries; only confirmed registrations have one."""
    if registration.status is not RegistrationStatus.CONFIRMED or not registration.ticket_code:
        raise Conflict(_("Only a confirmed seat has a ticket."))
    return _serializer().dumps({"r": registration.id, "c": registration.ticket_code})


def _rejected(message: str) -> TicketRejected:
    return TicketRejected(message, errors={"token": [message]})


def read_ticket(token: str, session: InPersonSession) -> Registration:
    """The confirmed registration ``token`` stands for at ``session``, or ``TicketRejected``."""
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise _rejected(_("This is not a ticket of this programme."))
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        raise _rejected(_("This is not a ticket of this programme.")) from None
    if not (isinstance(payload, dict) and isinstance(payload.get("r"), int)
            and isinstance(payload.get("c"), str)):
        raise _rejected(_("This is not a ticket of this programme."))
    registration = db.session.get(Registration, payload["r"])
    if registration is None:
        raise _rejected(_("This ticket is no longer valid."))
    if registration.session_id != session.id:
        raise _rejected(_("This ticket is not valid for this session."))
    if (registration.status is not RegistrationStatus.CONFIRMED
            or not hmac.compare_digest(registration.ticket_code or "", payload["c"])):
        raise _rejected(_("This ticket is no longer valid: the seat was cancelled or "
                          "given a new ticket."))
    return registration


def ticket_svg(registration: Registration) -> Markup:
    """The ticket's QR code as inline SVG, for the ticket page."""
    return qr_svg(ticket_token(registration), label=_("QR code of your ticket"))


def queue_ticket_email(registration: Registration, *, promoted: bool = False) -> None:
    """E-mail the ticket (QR as a PNG) to its owner, in their language.

    ``promoted`` says the seat came free and the person moved up from the waitlist.
    """
    person = registration.person
    png = qr_png(ticket_token(registration), box_size=8)
    queue_templated_email(
        person.email, "attendance_ticket", locale=person.preferred_locale,
        time_zone=person.zone_name,
        attachments=[Attachment("ticket.png", "image/png", png, content_id="ticket-qr")],
        person=person, session=registration.session, promoted=promoted,
        ticket_url=external_url("attendance.ticket", registration_id=registration.id),
    )


def queue_waitlist_email(registration: Registration, position: int) -> None:
    """Tell a person they are on the waitlist, and where."""
    person = registration.person
    queue_templated_email(
        person.email, "attendance_waitlisted", locale=person.preferred_locale,
        time_zone=person.zone_name,
        person=person, session=registration.session, position=position,
        session_url=external_url("attendance.detail", session_id=registration.session_id),
    )
