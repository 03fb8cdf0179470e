"""People through the API: what is shown, creating, changing, filtering, paging."""

from __future__ import annotations

import json

import pytest

from certify.accounts.models import Person, Role
from certify.extensions import db
from tests.api.conftest import assert_house_error, walk_keys
from tests.factories import make_municipality, make_person

PERSON_FIELDS = {"id", "email", "given_names", "family_names", "full_name", "municipality",
                 "position", "gender", "birth_year", "preferred_locale", "roles", "active"}


@pytest.fixture
def as_manager(manager, bearer):
    return bearer(manager)


def test_person_shows_exactly_the_documented_fields(client, as_manager):
    municipality = make_municipality("Curarrehue", country="CL", region="Araucanía")
    person = make_person(Role.TUTOR, password="a long enough password", municipality=municipality,
                         given_names="Ana María", family_names="Huenchumil", birth_year=1985,
                         gender="female", position="Encargada de innovación")
    response = client.get(f"/api/v1/people/{person.id}", headers=as_manager)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == PERSON_FIELDS
    assert "password" not in response.get_data(as_text=True)
    assert body["full_name"] == "Ana María Huenchumil"
    assert body["roles"] == ["tutor"]
    assert body["gender"] == "female"
    assert body["municipality"]["name"] == "Curarrehue"
    assert body["municipality"]["region"]["name"] == "Araucanía"
    assert body["municipality"]["country"]["code"] == "CL"


def test_me_is_the_caller(client, tutor, bearer):
    body = client.get("/api/v1/people/me", headers=bearer(tutor)).get_json()
    assert body["id"] == tutor.id and body["roles"] == ["tutor"]


def test_create_person(client, as_manager):
    municipality = make_municipality()
    response = client.post("/api/v1/people", headers=as_manager, json={
        "email": "Rosa.Quispe@Example.ORG", "given_names": "Rosa", "family_names": "Quispe",
        "municipality_id": municipality.id, "birth_year": 1990, "preferred_locale": "pt_BR",
        "roles": ["tutor", "official"],
    })
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["email"] == "rosa.quispe@example.org"
    assert body["roles"] == ["official", "tutor"]
    assert body["municipality"]["id"] == municipality.id
    assert body["active"] is True
    assert db.session.get(Person, body["id"]).preferred_locale == "pt_BR"


def test_new_people_are_officials_by_default(client, as_manager):
    response = client.post("/api/v1/people", headers=as_manager,
                           json={"email": "a@example.org", "given_names": "A", "family_names": "B"})
    assert response.get_json()["roles"] == ["official"]


def test_duplicate_email_is_409_whatever_the_case(client, as_manager):
    make_person(email="ya.existe@example.org")
    response = client.post("/api/v1/people", headers=as_manager, json={
        "email": "YA.Existe@EXAMPLE.org", "given_names": "Otra", "family_names": "Persona"})
    body = assert_house_error(response, 409, "conflict")
    assert "email" in body["errors"]


def test_missing_fields_are_422_per_field(client, as_manager):
    response = client.post("/api/v1/people", headers=as_manager, json={"given_names": " "})
    body = assert_house_error(response, 422, "validation_error")
    assert {"email", "family_names", "given_names"} <= set(body["errors"])
    assert "email" in body["message"]


@pytest.mark.parametrize(("field", "value"), [
    ("email", "not-an-address"), ("birth_year", 1800), ("birth_year", "nineteen"),
    ("preferred_locale", "fr"), ("roles", ["emperor"]), ("roles", []), ("gender", "x"),
    ("municipality_id", 999999), ("given_names", "x" * 121),
])
def test_invalid_values_are_422_naming_the_field(client, as_manager, field, value):
    body = {"email": "valid@example.org", "given_names": "A", "family_names": "B", field: value}
    response = client.post("/api/v1/people", headers=as_manager, json=body)
    errors = assert_house_error(response, 422, "validation_error")["errors"]
    assert any(name == field or name.startswith(f"{field}.") for name in errors), errors


@pytest.mark.parametrize("field", ["password_hash", "id", "active", "is_admin"])
def test_unknown_or_read_only_fields_are_rejected(client, as_manager, field):
    body = {"email": "sneaky@example.org", "given_names": "A", "family_names": "B", field: "x"}
    response = client.post("/api/v1/people", headers=as_manager, json=body)
    result = assert_house_error(response, 422, "validation_error")
    assert result["errors"] == {field: ["Unknown field."]}
    assert field in result["message"]
    assert client.get("/api/v1/people?q=sneaky", headers=as_manager).get_json() == []


def test_body_that_is_not_json_is_refused(client, as_manager):
    headers = {**as_manager, "Content-Type": "application/json"}
    response = client.post("/api/v1/people", headers=headers, data="{not json")
    assert_house_error(response, 400)


def test_patch_changes_only_what_is_sent(client, as_manager):
    person = make_person(Role.OFFICIAL, position="Secretaria", birth_year=1980)
    municipality = make_municipality()
    response = client.patch(f"/api/v1/people/{person.id}", headers=as_manager, json={
        "family_names": "Gómez", "municipality_id": municipality.id,
        "roles": ["official", "tutor"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["family_names"] == "Gómez"
    assert body["position"] == "Secretaria" and body["birth_year"] == 1980
    assert body["municipality"]["id"] == municipality.id
    assert body["roles"] == ["official", "tutor"]
    db.session.expire_all()
    assert db.session.get(Person, person.id).roles == {Role.OFFICIAL, Role.TUTOR}


def test_patch_can_clear_nullable_fields(client, as_manager):
    person = make_person(municipality=make_municipality(), position="Jefa")
    response = client.patch(f"/api/v1/people/{person.id}", headers=as_manager,
                            json={"municipality_id": None, "position": None})
    assert response.get_json()["municipality"] is None
    assert response.get_json()["position"] is None


def test_patch_to_an_email_in_use_is_409(client, as_manager):
    make_person(email="tomada@example.org")
    person = make_person()
    response = client.patch(f"/api/v1/people/{person.id}", headers=as_manager,
                            json={"email": "TOMADA@example.org"})
    assert_house_error(response, 409, "conflict")


def test_failed_patch_changes_nothing(client, as_manager):
    person = make_person(email="antes@example.org")
    response = client.patch(f"/api/v1/people/{person.id}", headers=as_manager,
                            json={"email": "despues@example.org", "birth_year": 2024})
    assert_house_error(response, 422)
    # Whatever the failed request half-did must not ride along with the next commit.
    response = client.patch(f"/api/v1/people/{person.id}", headers=as_manager,
                            json={"position": "Secretaria"})
    assert response.get_json()["email"] == "antes@example.org"
    db.session.expire_all()
    assert db.session.get(Person, person.id).email == "antes@example.org"


def test_patch_unknown_person_is_404(client, as_manager):
    assert_house_error(client.patch("/api/v1/people/999999", headers=as_manager,
                                    json={"position": "x"}), 404, "not_found")


def test_managers_cannot_make_admins(client, as_manager):
    person = make_person()
    response = client.patch(f"/api/v1/people/{person.id}", headers=as_manager,
                            json={"roles": ["official", "admin"]})
    assert_house_error(response, 403)
    response = client.post("/api/v1/people", headers=as_manager, json={
        "email": "admin2@example.org", "given_names": "A", "family_names": "B", "roles": ["admin"]})
    assert_house_error(response, 403)
    db.session.expire_all()
    assert db.session.get(Person, person.id).roles == {Role.OFFICIAL}


def test_managers_cannot_change_admins(client, as_manager, admin):
    response = client.patch(f"/api/v1/people/{admin.id}", headers=as_manager,
                            json={"email": "taken-over@example.org"})
    assert_house_error(response, 403)
    db.session.expire_all()
    assert db.session.get(Person, admin.id).email != "taken-over@example.org"


def test_admins_can_grant_admin(client, admin, bearer):
    person = make_person()
    response = client.patch(f"/api/v1/people/{person.id}", headers=bearer(admin),
                            json={"roles": ["admin"]})
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["admin"]


# --- listing -------------------------------------------------------------------------------------

def listed_emails(client, headers, query: str) -> list[str]:
    response = client.get(f"/api/v1/people?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [person["email"] for person in response.get_json()]


def test_people_filters(client, as_manager):
    temuco = make_municipality("Temuco", country="CL")
    rivera = make_municipality("Rivera", country="UY", region="Rivera")
    make_person(Role.OFFICIAL, email="f1@filtro.org", family_names="Filtro", municipality=temuco)
    make_person(Role.TUTOR, email="f2@filtro.org", family_names="Filtro", municipality=rivera)
    make_person(Role.OFFICIAL, email="f3@filtro.org", given_names="Zoe", family_names="Otra",
                municipality=rivera)

    assert sorted(listed_emails(client, as_manager, "q=FILTRO")) == [
        "f1@filtro.org", "f2@filtro.org", "f3@filtro.org"]  # e-mail matches too
    assert listed_emails(client, as_manager, "q=zoe otra") == ["f3@filtro.org"]
    assert listed_emails(client, as_manager, "q=filtro&role=tutor") == ["f2@filtro.org"]
    assert listed_emails(client, as_manager, f"q=filtro&municipality_id={temuco.id}") == [
        "f1@filtro.org"]
    assert sorted(listed_emails(client, as_manager, "q=filtro&country=uy")) == [
        "f2@filtro.org", "f3@filtro.org"]
    assert listed_emails(client, as_manager, "q=nadie-se-llama-asi") == []


@pytest.mark.parametrize("query", ["role=emperor", "municipality_id=abc", "country=Chile"])
def test_invalid_filters_are_422(client, as_manager, query):
    response = client.get(f"/api/v1/people?{query}", headers=as_manager)
    errors = assert_house_error(response, 422, "validation_error")["errors"]
    assert any(name.endswith(query.split("=")[0]) for name in errors), errors


def test_people_are_paginated(client, as_manager):
    for n in range(5):
        make_person(email=f"p{n}@paginas.org", family_names=f"Paginado{n}")

    first = client.get("/api/v1/people?q=paginas&page_size=2", headers=as_manager)
    assert [p["email"] for p in first.get_json()] == ["p0@paginas.org", "p1@paginas.org"]
    meta = json.loads(first.headers["X-Pagination"])
    assert meta == {"total": 5, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 1,
                    "next_page": 2}

    last = client.get("/api/v1/people?q=paginas&page_size=2&page=3", headers=as_manager)
    assert [p["email"] for p in last.get_json()] == ["p4@paginas.org"]
    assert json.loads(last.headers["X-Pagination"])["previous_page"] == 2


def test_page_size_is_capped(client, as_manager):
    response = client.get("/api/v1/people?page_size=1000", headers=as_manager)
    assert_house_error(response, 422)


def test_listing_does_not_leak_secrets(client, as_manager):
    make_person(password="a long enough password")
    body = client.get("/api/v1/people", headers=as_manager).get_json()
    assert body and not {"password_hash", "password"} & set(walk_keys(body))
