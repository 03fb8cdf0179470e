"""QR tickets: signed, personal, useless when tampered with, cancelled or at another session."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeSerializer

from certify.attendance import services
from certify.attendance.services.tickets import TICKET_SALT
from certify.core.errors import Conflict
from certify.extensions import db
from tests.attendance.conftest import make_session

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def registration(session, enrolled):
    registration = services.register(session, enrolled)
    db.session.commit()
    return registration


def test_a_ticket_verifies_at_its_session(session, registration):
    token = services.ticket_token(registration)
    assert services.read_ticket(token, session) is registration
    assert services.read_ticket(f"  {token}\n", session) is registration  # scanner padding
    assert registration.ticket_code not in token  # carried signed, but not readable at a glance


def test_tickets_are_unique(cohort, officials, session):
    codes = {services.register(session, person).ticket_code for person in officials(5)}
    assert len(codes) == 5 and None not in codes


def test_a_tampered_ticket_is_rejected(session, registration):
    token = services.ticket_token(registration)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(services.TicketRejected) as caught:
        services.read_ticket(forged, session)
    assert caught.value.status == 422 and caught.value.errors["token"]
    for junk in ("", "hello", "x" * 5000):
        with pytest.raises(services.TicketRejected):
            services.read_ticket(junk, session)


def test_a_ticket_signed_with_another_key_or_salt_is_rejected(app, session, registration):
    payload = {"r": registration.id, "c": registration.ticket_code}
    for serializer in (URLSafeSerializer("another-secret", salt=TICKET_SALT),
                       URLSafeSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")):
        with pytest.raises(services.TicketRejected, match="not a ticket"):
            services.read_ticket(serializer.dumps(payload), session)


def test_a_ticket_with_a_guessed_code_is_rejected(app, session, registration):
    # Even signed correctly (a leaked secret), the random code must match too.
    forged = URLSafeSerializer(app.config["SECRET_KEY"], salt=TICKET_SALT).dumps(
        {"r": registration.id, "c": "guessed-code"})
    with pytest.raises(services.TicketRejected, match="no longer valid"):
        services.read_ticket(forged, session)


def test_a_ticket_is_not_valid_at_another_session(cohort, session, registration):
    other = make_session(cohort, title="Santiago, día 2")
    with pytest.raises(services.TicketRejected, match="not valid for this session"):
        services.read_ticket(services.ticket_token(registration), other)


def test_a_cancelled_seat_s_ticket_stops_working(session, registration):
    token = services.ticket_token(registration)
    services.cancel_registration(registration)
    with pytest.raises(services.TicketRejected, match="no longer valid"):
        services.read_ticket(token, session)
    with pytest.raises(Conflict):
        services.ticket_token(registration)


def test_a_new_confirmation_replaces_the_old_ticket(session, registration, enrolled):
    old = services.ticket_token(registration)
    services.cancel_registration(registration)
    services.register(session, enrolled)
    with pytest.raises(services.TicketRejected):
        services.read_ticket(old, session)
    assert services.read_ticket(services.ticket_token(registration), session) is registration


def test_waitlisted_people_have_no_ticket(cohort, officials):
    session = make_session(cohort, capacity=1)
    first, second = officials(2)
    services.register(session, first)
    waiting = services.register(session, second)
    with pytest.raises(Conflict):
        services.ticket_token(waiting)


def test_the_ticket_svg_encodes_the_token(registration):
    svg = services.ticket_svg(registration)
    assert svg.startswith("<svg") and 'role="img"' in svg and "href" not in svg
