"""Names found however they are typed and sorted as a Spanish or Portuguese reader expects,
on SQLite and PostgreSQL alike: the people page, the API, cohort lists."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.accounts import services
from certify.accounts.models import Person
from certify.cohorts.enrolments import enrolments_query
from certify.core.names import fold, sort_key
from certify.extensions import db
from tests.factories import enrol, make_cohort, make_person


@pytest.fixture
def people():
    names = [("María José", "Ñancupil"), ("Pedro", "Nancupil"), ("João", "Silva"),
             ("Ana", "Benítez"), ("Luis", "Báez"), ("Rosa", "Villalba"), ("Juan", "Núñez"),
             ("Eva", "Ortiz"), ("Inés", "Pérez Soto"), ("Inés", "Pérez")]
    return {family: make_person(given_names=given, family_names=family, email=f"p{n}@example.org")
            for n, (given, family) in enumerate(names)}


def found(search: str) -> set[str]:
    return {person.family_names
            for person in db.session.scalars(services.people_query(search=search))}


def test_fold_strips_accents_and_case():
    assert fold("ÑANCUPIL") == fold("ñancupil") == fold("Nancupil") == "nancupil"
    assert fold("  João\tda  Conceição ") == "joao da conceicao"
    assert sort_key("Ñancupil") > sort_key("Núñez") > sort_key("Nancupil")


@pytest.mark.parametrize("typed", ["nancupil", "ñancupil", "ÑANCUPIL", "Ñancupil", "NANCUPIL"])
def test_any_spelling_finds_both_nancupils(people, typed):
    assert found(typed) == {"Ñancupil", "Nancupil"}


def test_a_name_without_its_accents_finds_it(people):
    assert found("joao") == {"Silva"}
    assert found("JOÃO SILVA") == {"Silva"}
    assert found("maria nancupil") == {"Ñancupil"}  # every word, in any order
    assert found("nancupil maria") == {"Ñancupil"}
    assert found("benitez") == {"Benítez"}
    assert found("p1@EXAMPLE") == {"Nancupil"}  # e-mails too
    assert found("%") == set()  # typed wildcards are literal


def test_lists_sort_as_a_spanish_reader_expects(people):
    order = [person.family_names for person in db.session.scalars(services.people_query())]
    assert order == ["Báez", "Benítez", "Nancupil", "Núñez", "Ñancupil", "Ortiz", "Pérez",
                     "Pérez Soto", "Silva", "Villalba"]


def test_renaming_keeps_the_keys(people):
    person = people["Villalba"]
    person.family_names = "Álvarez"
    db.session.commit()
    assert found("alvarez") == {"Álvarez"}
    assert db.session.scalars(services.people_query()).first() is person


def test_cohort_enrolments_search_and_sort_the_same_way(people, programme):
    cohort = make_cohort(programme, "Cohorte Ñ")
    for person in people.values():
        enrol(cohort, person)
    listed = db.session.scalars(enrolments_query(cohort, search="ÑANCUPIL")).unique().all()
    assert {e.person.family_names for e in listed} == {"Ñancupil", "Nancupil"}
    order = [e.person.family_names for e in db.session.scalars(enrolments_query(cohort)).unique()]
    assert order.index("Núñez") < order.index("Ñancupil") < order.index("Ortiz")


def test_the_people_page_and_api_find_nancupil_however_typed(client, login_as, bearer, manager,
                                                             people):
    login_as(manager)
    for typed in ("ñancupil", "ÑANCUPIL"):
        page = client.get("/people", query_string={"q": typed}).text
        assert "Ñancupil" in page and "Nancupil" in page and "Villalba" not in page
        body = client.get("/api/v1/people", query_string={"q": typed},
                          headers=bearer(manager)).json
        items = body["items"] if isinstance(body, dict) else body
        assert {item["family_names"] for item in items} == {"Ñancupil", "Nancupil"}


def test_the_keys_are_stored_not_computed_by_the_database(people):
    row = db.session.execute(sa.select(Person.search_name, Person.name_sort_key)
                             .where(Person.family_names == "Ñancupil")).one()
    assert row.search_name == "maria jose nancupil"
    assert row.name_sort_key == "n~ancupil\x01maria jose"


def test_the_enrolments_api_filters_by_name_however_typed(client, bearer, manager, people,
                                                          programme):
    cohort = make_cohort(programme, "Cohorte API")
    for person in people.values():
        enrol(cohort, person)
    body = client.get("/api/v1/enrolments", query_string={"cohort_id": cohort.id, "q": "ÑANCUPIL"},
                      headers=bearer(manager)).json
    items = body["items"] if isinstance(body, dict) else body
    assert sorted(item["person"]["family_names"] for item in items) == ["Nancupil", "Ñancupil"]
