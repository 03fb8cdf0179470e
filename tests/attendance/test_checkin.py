"""At the door: scans, double scans, the list, walk-ins, closing, and the signal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person
from certify.attendance import services
from certify.attendance.models import (
    AttendanceStatus,
    CheckIn,
    CheckInMethod,
    RegistrationStatus,
)
from certify.core.errors import Conflict, NotFound
from certify.core.signals import checked_in
from certify.extensions import db
from tests.attendance.conftest import make_session
from tests.factories import make_municipality, make_person

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def started(cohort):
    """A session that started five minutes ago."""
    return make_session(cohort, starts_in=-timedelta(minutes=5))


def seat(session, person):
    """Register ``person`` (before the start, however the session is timed)."""
    registration = services.register(session, person, now=session.starts_at - timedelta(days=1))
    db.session.commit()
    return registration


@pytest.fixture
def signals():
    received = []

    def receiver(sender, **details):
        received.append((sender, details))

    checked_in.connect(receiver)
    yield received
    checked_in.disconnect(receiver)


def check_ins() -> int:
    return db.session.scalar(sa.select(sa.func.count(CheckIn.id)))


def test_a_scanned_ticket_checks_in_once(started, enrolled, tutor, signals):
    registration = seat(started, enrolled)
    token = services.ticket_token(registration)

    first = services.check_in_with_ticket(started, token, by=tutor)
    again = services.check_in_with_ticket(started, token, by=tutor)

    assert first.outcome == "checked_in" and again.outcome == "already_checked_in"
    assert again.check_in is first.check_in and check_ins() == 1
    assert first.check_in.status is AttendanceStatus.PRESENT
    assert first.check_in.method is CheckInMethod.TICKET and first.check_in.recorded_by is tutor
    assert "already checked in at" in again.message() and enrolled.full_name in again.message()
    assert [sender for sender, _details in signals] == [first.check_in]
    assert signals[0][1]["person"] is enrolled and signals[0][1]["session"] is started


def test_a_ticket_scanned_well_after_the_start_counts_as_late(started, enrolled, tutor):
    registration = seat(started, enrolled)
    result = services.check_in_with_ticket(
        started, services.ticket_token(registration), by=tutor,
        now=started.starts_at + services.LATE_AFTER + timedelta(minutes=1))
    assert result.check_in.status is AttendanceStatus.LATE


def test_another_session_s_ticket_checks_nobody_in(cohort, started, enrolled, tutor):
    other = make_session(cohort, title="Otra sesión")
    registration = seat(other, enrolled)
    with pytest.raises(services.TicketRejected, match="not valid for this session"):
        services.check_in_with_ticket(started, services.ticket_token(registration), by=tutor)
    assert check_ins() == 0


def test_staff_change_a_status_and_it_is_updated_not_added(started, enrolled, tutor, signals):
    registration = seat(started, enrolled)
    services.check_in_with_ticket(started, services.ticket_token(registration), by=tutor)
    changed = services.set_attendance(registration, AttendanceStatus.LATE, by=tutor)
    same = services.set_attendance(registration, AttendanceStatus.LATE, by=tutor)
    assert (changed.outcome, same.outcome) == ("updated", "unchanged")
    assert check_ins() == 1 and registration.check_in.status is AttendanceStatus.LATE
    assert len(signals) == 2  # checked in, then changed; "unchanged" tells nobody


def test_no_show_is_only_for_closing(started, enrolled, tutor):
    registration = seat(started, enrolled)
    with pytest.raises(Conflict):
        services.set_attendance(registration, AttendanceStatus.NO_SHOW, by=tutor)


def test_checking_in_by_person_needs_a_seat(cohort, started, enrolled, tutor):
    with pytest.raises(NotFound):
        services.check_in_person(started, enrolled, AttendanceStatus.PRESENT, by=tutor)
    seat(started, enrolled)
    result = services.check_in_person(started, enrolled, AttendanceStatus.EXCUSED, by=tutor)
    assert result.check_in.status is AttendanceStatus.EXCUSED
    assert result.check_in.method is CheckInMethod.LIST


def test_a_walk_in_gets_a_flagged_registration_and_a_check_in(cohort, started, tutor, officials):
    newcomer, = officials(1)
    result = services.add_walk_in(started, newcomer, by=tutor)
    registration = result.registration
    assert result.outcome == "checked_in"
    assert registration.walk_in and registration.status is RegistrationStatus.CONFIRMED
    assert registration.ticket_code is None
    assert result.check_in.method is CheckInMethod.WALK_IN
    again = services.add_walk_in(started, newcomer, by=tutor)
    assert again.outcome == "unchanged" and check_ins() == 1


def test_walk_ins_take_no_seat(cohort, tutor, officials):
    session = make_session(cohort, capacity=1, starts_in=-timedelta(minutes=5))
    holder, = officials(1)
    seat(session, holder)
    services.add_walk_in(session, make_person(), by=tutor)
    assert services.seats_taken(session) == 1


def test_a_waitlisted_person_who_comes_becomes_a_walk_in(cohort, tutor, officials):
    session = make_session(cohort, capacity=1, starts_in=-timedelta(minutes=5))
    holder, waiting = officials(2)
    seat(session, holder)
    waitlisted = seat(session, waiting)
    assert waitlisted.status is RegistrationStatus.WAITLISTED
    result = services.add_walk_in(session, waiting, by=tutor)
    assert result.registration.id == waitlisted.id and waitlisted.walk_in


def test_someone_holding_a_seat_is_checked_in_not_made_a_walk_in(started, enrolled, tutor):
    registration = seat(started, enrolled)
    result = services.add_walk_in(started, enrolled, by=tutor)
    assert result.registration is registration and not registration.walk_in
    assert result.check_in.status is AttendanceStatus.PRESENT


def test_a_new_person_is_created_and_checked_in(started, tutor):
    municipality = make_municipality("Melipeuco")
    result = services.create_walk_in(started, given_names="Rosa", family_names="Millán",
                                     email="Rosa.Millan@Example.org", municipality=municipality,
                                     by=tutor)
    person = result.person
    assert person.email == "rosa.millan@example.org" and person.municipality is municipality
    assert result.registration.walk_in and person.has_role("official")


def test_an_e_mail_in_use_is_not_created_twice(started, tutor, enrolled):
    people = db.session.scalar(sa.select(sa.func.count(Person.id)))
    with pytest.raises(Conflict) as caught:
        services.create_walk_in(started, given_names="X", family_names="Y",
                                email=enrolled.email.upper(), municipality=None, by=tutor)
    assert "email" in caught.value.errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Person.id))) == people


def test_walk_in_search_finds_people_without_a_seat(cohort, started, tutor, officials):
    seated, free = officials(2, family_names="Huenchumán")
    seat(started, seated)
    outsider = make_person(given_names="Ana", family_names="Huenchumán Soto")
    found = services.walk_in_candidates(started, "huenchu")
    assert [c.person for c in found] == sorted([free, outsider], key=lambda p: p.family_names)
    enrolled = {c.person.id: c.enrolled for c in found}
    assert enrolled == {free.id: True, outsider.id: False}
    assert services.walk_in_candidates(started, "h") == []
    assert services.walk_in_candidates(started, free.email) == [
        c for c in found if c.person is free]


def test_closing_makes_every_seat_without_check_in_a_no_show(cohort, tutor, officials):
    session = make_session(cohort, capacity=5, starts_in=-timedelta(hours=2))
    came, absent, missing, waiting_person = officials(4)
    for person in (came, absent, missing):
        seat(session, person)
    services.update_session(session, capacity=3)
    waiting = seat(session, waiting_person)
    services.check_in_with_ticket(session, services.ticket_token(
        services.find_registration(session, came)), by=tutor, now=session.starts_at)
    services.check_in_person(session, absent, AttendanceStatus.ABSENT, by=tutor)

    assert services.close_session(session, by=tutor) == 1

    statuses = {r.person_id: r.check_in.status if r.check_in else None
                for r in session.registrations}
    assert statuses == {came.id: AttendanceStatus.PRESENT, absent.id: AttendanceStatus.ABSENT,
                        missing.id: AttendanceStatus.NO_SHOW, waiting_person.id: None}
    assert waiting.status is RegistrationStatus.WAITLISTED
    assert session.closed_at is not None and session.closed_by is tutor
    assert not session.registration_open
    with pytest.raises(Conflict):
        services.close_session(session, by=tutor)


def test_after_closing_scans_and_walk_ins_stop_but_corrections_go_on(cohort, tutor, officials):
    session = make_session(cohort, starts_in=-timedelta(hours=2))
    person, = officials(1)
    registration = seat(session, person)
    services.close_session(session, by=tutor)
    with pytest.raises(Conflict):
        services.check_in_with_ticket(session, services.ticket_token(registration), by=tutor)
    with pytest.raises(Conflict):
        services.add_walk_in(session, make_person(), by=tutor)
    corrected = services.set_attendance(registration, AttendanceStatus.LATE, by=tutor)
    assert corrected.outcome == "updated"


def test_a_session_cannot_be_closed_before_it_starts(session, tutor):
    with pytest.raises(Conflict, match="not started"):
        services.close_session(session, by=tutor)
