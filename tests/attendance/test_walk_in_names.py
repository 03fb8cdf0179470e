"""At the door, a walk-in is found however their name is typed, and a namesake of the same
municipality is not created twice without the tutor confirming it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person
from certify.attendance import services
from certify.core.errors import Conflict
from certify.extensions import db
from tests.attendance.conftest import make_session
from tests.factories import make_municipality, make_person

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def started(cohort):
    return make_session(cohort, title="En curso", starts_in=-timedelta(minutes=5))


@pytest.fixture
def curarrehue():
    return make_municipality("Curarrehue")


@pytest.fixture
def rosa(curarrehue):
    return make_person(given_names="Rosa", family_names="Ñancupil", municipality=curarrehue,
                       email="rosa@curarrehue.cl")


@pytest.mark.parametrize("typed", ["nancupil", "ñancupil", "ÑANCUPIL", "rosa nancupil"])
def test_walk_in_search_finds_the_person_however_typed(started, rosa, typed):
    assert [candidate.person for candidate in services.walk_in_candidates(started, typed)] == [rosa]


def test_creating_a_namesake_of_the_same_municipality_asks_first(started, tutor, rosa, curarrehue):
    people = db.session.scalar(sa.select(sa.func.count(Person.id)))
    with pytest.raises(Conflict) as caught:
        services.create_walk_in(started, given_names="ROSA", family_names="Nancupil",
                                email="rosa.n@gmail.com", municipality=curarrehue, by=tutor)
    assert "confirm_namesake" in caught.value.errors
    assert "rosa@curarrehue.cl" in caught.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Person.id))) == people

    elsewhere = make_municipality("Pucón")
    services.create_walk_in(started, given_names="Rosa", family_names="Ñancupil",
                            email="rosa@pucon.cl", municipality=elsewhere, by=tutor)
    confirmed = services.create_walk_in(started, given_names="Rosa", family_names="Ñancupil",
                                        email="rosa.2@curarrehue.cl", municipality=curarrehue,
                                        by=tutor, namesake_confirmed=True)
    assert confirmed.registration.walk_in


def test_the_check_in_page_offers_the_namesake_and_asks_for_confirmation(
        client, login_as, tutor, started, rosa, curarrehue):
    login_as(tutor)
    search = client.get(f"/sessions/{started.id}/check-in?walk_in_q=ÑANCUPIL").text
    assert "rosa@curarrehue.cl" in search
    form = {"given_names": "Rosa", "family_names": "Nancupil", "email": "otra@curarrehue.cl",
            "municipality_id": curarrehue.id}
    response = client.post(f"/sessions/{started.id}/walk-ins/new?lang=en", data=form)
    assert response.status_code == 422
    assert "already has an account" in response.text and 'name="confirm_namesake"' in response.text
    assert db.session.scalar(sa.select(Person).where(Person.email == "otra@curarrehue.cl")) is None
    response = client.post(f"/sessions/{started.id}/walk-ins/new",
                           data={**form, "confirm_namesake": "y"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Person).where(Person.email == "otra@curarrehue.cl"))
