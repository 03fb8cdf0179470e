"""Registering for a session: seats, the waitlist in order, cancelling and promotion."""

from __future__ import annotations

from datetime import timedelta

import pytest

from certify.attendance import services
from certify.attendance.models import RegistrationStatus
from certify.cohorts import enrolments
from certify.cohorts.models import EnrolmentStatus
from certify.core.clock import utcnow
from certify.core.errors import Conflict, PermissionDenied, ValidationError
from certify.extensions import db
from tests.attendance.conftest import make_session, outbox
from tests.factories import make_person

pytestmark = pytest.mark.usefixtures("english")


def register(session, person, **options):
    registration = services.register(session, person, **options)
    db.session.commit()
    return registration


def test_a_seat_comes_with_a_ticket_by_email(session, enrolled):
    registration = register(session, enrolled)
    assert registration.status is RegistrationStatus.CONFIRMED
    assert registration.ticket_code and not registration.walk_in
    [message] = outbox(enrolled.email)
    assert session.title in message.subject
    assert [a["filename"] for a in message.attachments] == ["ticket.png"]
    assert f"/registrations/{registration.id}/ticket" in message.text_body
    assert 'src="cid:ticket-qr"' in message.html_body


def test_beyond_capacity_people_wait_in_order(cohort, officials):
    session = make_session(cohort, capacity=2)
    first, second, third, fourth = officials(4, preferred_locale="en")
    statuses = [register(session, person).status for person in (first, second, third, fourth)]
    assert statuses == [RegistrationStatus.CONFIRMED] * 2 + [RegistrationStatus.WAITLISTED] * 2
    third_reg = services.find_registration(session, third)
    fourth_reg = services.find_registration(session, fourth)
    assert (services.waitlist_position(third_reg), services.waitlist_position(fourth_reg)) == (1, 2)
    assert third_reg.ticket_code is None
    assert services.seats_taken(session) == 2
    [waiting] = outbox(fourth.email)
    assert "waitlist" in waiting.subject.lower() and "2" in waiting.text_body


def test_cancelling_a_seat_promotes_the_first_waiting_and_mails_the_ticket(cohort, officials):
    session = make_session(cohort, capacity=1)
    holder, first_waiting, second_waiting = officials(3, preferred_locale="en")
    held = register(session, holder)
    register(session, first_waiting)
    register(session, second_waiting)
    old_code = held.ticket_code

    promoted = services.cancel_registration(held)
    db.session.commit()

    assert [r.person_id for r in promoted] == [first_waiting.id]
    assert held.status is RegistrationStatus.CANCELLED and held.ticket_code is None
    assert held.cancelled_at is not None and old_code
    now_seated = services.find_registration(session, first_waiting)
    assert now_seated.status is RegistrationStatus.CONFIRMED and now_seated.ticket_code
    assert services.waitlist_position(services.find_registration(session, second_waiting)) == 1
    subjects = [m.subject for m in outbox(first_waiting.email)]
    assert len(subjects) == 2 and "seat came free" in subjects[-1]


def test_leaving_the_waitlist_promotes_nobody(cohort, officials):
    session = make_session(cohort, capacity=1)
    holder, waiting = officials(2)
    register(session, holder)
    registration = register(session, waiting)
    assert services.cancel_registration(registration) == []
    assert services.seats_taken(session) == 1


def test_registering_twice_returns_the_same_registration(session, enrolled):
    first = register(session, enrolled)
    again = register(session, enrolled)
    assert again.id == first.id and again.ticket_code == first.ticket_code
    assert len(outbox(enrolled.email)) == 1


def test_registering_again_after_cancelling_gives_a_new_ticket(session, enrolled):
    registration = register(session, enrolled)
    old_code = registration.ticket_code
    services.cancel_registration(registration)
    again = register(session, enrolled)
    assert again.id == registration.id
    assert again.status is RegistrationStatus.CONFIRMED and again.ticket_code != old_code


def test_cancelling_twice_changes_nothing(session, enrolled):
    registration = register(session, enrolled)
    services.cancel_registration(registration)
    assert services.cancel_registration(registration) == []


def test_only_officials_actively_enrolled_may_register(session, cohort, official):
    stranger = make_person()
    with pytest.raises(PermissionDenied):
        services.register(session, stranger)
    enrolment = enrolments.enrol(cohort, official)
    enrolments.set_enrolment_status(enrolment, EnrolmentStatus.WITHDRAWN)
    with pytest.raises(PermissionDenied):
        services.register(session, official)


def test_registration_closed_started_or_closed_sessions_refuse(cohort, enrolled):
    closed_for_registration = make_session(cohort, registration_open=False)
    with pytest.raises(Conflict, match="Registration for this session is closed"):
        services.register(closed_for_registration, enrolled)
    started = make_session(cohort, starts_in=-timedelta(hours=1))
    with pytest.raises(Conflict, match="already started"):
        services.register(started, enrolled)
    services.close_session(started, by=None)
    with pytest.raises(Conflict, match="closed"):
        services.register(started, enrolled)


def test_a_seat_cannot_be_given_back_once_the_session_started(cohort, enrolled):
    session = make_session(cohort)
    registration = register(session, enrolled)
    with pytest.raises(Conflict, match="started"):
        services.cancel_registration(registration, now=session.starts_at + timedelta(minutes=1))
    assert registration.status is RegistrationStatus.CONFIRMED


def test_more_capacity_promotes_the_waitlist(cohort, officials):
    session = make_session(cohort, capacity=1)
    people = officials(3)
    for person in people:
        register(session, person)
    services.update_session(session, capacity=2)
    db.session.commit()
    assert [services.find_registration(session, p).status for p in people] == [
        RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]


def test_capacity_cannot_go_below_the_seats_taken(cohort, officials):
    session = make_session(cohort, capacity=3)
    for person in officials(2):
        register(session, person)
    with pytest.raises(ValidationError) as caught:
        services.update_session(session, capacity=1)
    assert "capacity" in caught.value.errors


def test_the_waitlist_keeps_registration_order_even_within_one_second(cohort, officials):
    session = make_session(cohort, capacity=1)
    at = utcnow()
    people = officials(4)
    for person in people:
        services.register(session, person, now=at)  # same instant: the id decides
    db.session.commit()
    positions = [services.waitlist_position(services.find_registration(session, p))
                 for p in people]
    assert positions == [None, 1, 2, 3]
    assert services.waitlist_positions([]) == {}
