"""Real concurrency on PostgreSQL: threads with their own connections race for seats.

These tests commit (``committing``), so each builds its own programme, cohort and
people and deletes them at the end.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person, Role
from certify.attendance import services
from certify.attendance.models import CheckIn, InPersonSession, Registration, RegistrationStatus
from certify.cohorts.models import Cohort
from certify.core.mail import OutboxMessage
from certify.extensions import db
from certify.programmes.models import Programme
from tests.attendance.conftest import make_programme, make_session
from tests.concurrency import race
from tests.factories import enrol, make_cohort, make_person

pytestmark = [pytest.mark.postgres_only, pytest.mark.committing]
THREADS = 8


@pytest.fixture
def race_world(app):
    """A committed cohort with a tutor, THREADS enrolled officials and two sessions (one
    seat each): one ahead, one under way. Everything is deleted afterwards."""
    with app.app_context():
        programme = make_programme(code="RACEATT")
        tutor = make_person(Role.TUTOR)
        cohort = make_cohort(programme, "Cohorte carrera", tutors=[tutor])
        officials = [make_person(Role.OFFICIAL) for _ in range(THREADS)]
        for official in officials:
            enrol(cohort, official)
        ahead = make_session(cohort, title="Adelante", capacity=1)
        under_way = make_session(cohort, title="En curso", capacity=1,
                                 starts_in=-timedelta(minutes=5))
        ids = {"programme": programme.id, "cohort": cohort.id, "tutor": tutor.id,
               "officials": [official.id for official in officials], "ahead": ahead.id,
               "under_way": under_way.id}
        emails = [person.email for person in officials]
        db.session.remove()
    yield ids
    with app.app_context():
        people = [ids["tutor"], *ids["officials"]]
        db.session.execute(sa.delete(InPersonSession).where(
            InPersonSession.id.in_([ids["ahead"], ids["under_way"]])))
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_address.in_(emails)))
        db.session.execute(sa.delete(Cohort).where(Cohort.id == ids["cohort"]))
        db.session.execute(sa.delete(Programme).where(Programme.id == ids["programme"]))
        db.session.execute(sa.delete(Person).where(Person.id.in_(people)))
        db.session.commit()
        db.session.remove()


def statuses(app, session_id: int) -> dict[int, RegistrationStatus]:
    with app.app_context():
        rows = db.session.execute(sa.select(Registration.person_id, Registration.status).where(
            Registration.session_id == session_id)).all()
        db.session.remove()
    return dict(rows)


def test_two_last_seat_registrations_are_never_both_confirmed(app, race_world):
    def register(i: int, barrier: threading.Barrier):
        session = services.get_session(race_world["ahead"])
        person = db.session.get(Person, race_world["officials"][i])
        barrier.wait()
        return services.register(session, person).status

    outcomes = race(app, THREADS, register)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert outcomes.count(RegistrationStatus.CONFIRMED) == 1
    assert outcomes.count(RegistrationStatus.WAITLISTED) == THREADS - 1
    stored = statuses(app, race_world["ahead"])
    assert list(stored.values()).count(RegistrationStatus.CONFIRMED) == 1
    with app.app_context():
        waiting = db.session.scalars(sa.select(Registration).where(
            Registration.session_id == race_world["ahead"],
            Registration.status == RegistrationStatus.WAITLISTED)).all()
        positions = sorted(services.waitlist_positions(waiting).values())
        db.session.remove()
    assert positions == list(range(1, THREADS))


def test_seats_given_back_at_once_go_to_exactly_as_many_people(app, race_world):
    with app.app_context():
        session = services.get_session(race_world["ahead"])
        services.update_session(session, capacity=THREADS // 2)
        people = [db.session.get(Person, person_id) for person_id in race_world["officials"]]
        registrations = [services.register(session, person) for person in people]
        db.session.commit()
        holders = [r.id for r in registrations if r.status is RegistrationStatus.CONFIRMED]
        waiting = [r.person_id for r in registrations
                   if r.status is RegistrationStatus.WAITLISTED]
        db.session.remove()
    assert len(holders) == len(waiting) == THREADS // 2

    def cancel_or_wait(i: int, barrier: threading.Barrier):
        registration = db.session.get(Registration, holders[i]) if i < len(holders) else None
        barrier.wait()
        if registration is not None:
            return len(services.cancel_registration(registration))
        return 0

    outcomes = race(app, THREADS, cancel_or_wait)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(outcomes) == len(holders)  # each seat given back went to one person
    stored = statuses(app, race_world["ahead"])
    assert [stored[person_id] for person_id in waiting] == [RegistrationStatus.CONFIRMED] * len(
        waiting)
    assert list(stored.values()).count(RegistrationStatus.CONFIRMED) == THREADS // 2


def test_one_ticket_scanned_at_every_door_at_once_counts_once(app, race_world):
    with app.app_context():
        session = services.get_session(race_world["under_way"])
        person = db.session.get(Person, race_world["officials"][0])
        registration = services.register(session, person,
                                         now=session.starts_at - timedelta(days=1))
        db.session.commit()
        token, registration_id = services.ticket_token(registration), registration.id
        db.session.remove()

    def scan(i: int, barrier: threading.Barrier):
        session = services.get_session(race_world["under_way"])
        tutor = db.session.get(Person, race_world["tutor"])
        barrier.wait()
        return services.check_in_with_ticket(session, token, by=tutor).outcome

    outcomes = race(app, THREADS, scan)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(outcomes) == ["already_checked_in"] * (THREADS - 1) + ["checked_in"]
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(CheckIn.id)).where(
            CheckIn.registration_id == registration_id))
        db.session.remove()
    assert count == 1
