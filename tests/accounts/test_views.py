"""Signing in and out, the language, own account and API tokens, people pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.accounts.models import ApiToken, Person, Role
from certify.extensions import db
from tests.factories import PASSWORD, make_municipality, make_person

# Pages render what the services (tested on both databases) return: SQLite only.
pytestmark = pytest.mark.one_database


def test_sign_in_and_out(client):
    make_person(Role.MANAGER, email="boss@example.org", password=PASSWORD)
    assert client.get("/people").status_code == 302
    response = client.post("/login?next=/people", data={"email": "BOSS@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/people"
    assert client.get("/people").status_code == 200
    client.post("/logout")
    assert client.get("/people").status_code == 302


def test_wrong_password_and_foreign_redirects(client):
    make_person(email="someone@example.org", password=PASSWORD)
    response = client.post("/login", data={"email": "someone@example.org", "password": "nope-nope-nope"})
    assert response.status_code == 401
    response = client.post("/login?next=https://evil.example/", data={"email": "someone@example.org",
                                                                      "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_language_follows_choice_then_preference_then_browser(client, login_as):
    assert "Iniciar sesión" in client.get("/login").text
    assert "Entrar" in client.get("/login", headers={"Accept-Language": "pt-BR,pt;q=0.9"}).text
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "en-GB"}).text
    person = login_as(make_person(preferred_locale="en"))
    assert "Sign out" in client.get("/account").text
    client.post("/locale", data={"locale": "pt_BR", "next": "/account"})
    assert person.preferred_locale == "pt_BR"
    assert "Sair" in client.get("/account").text


def test_tokens_are_shown_once_and_can_be_revoked(client, login_as):
    person = login_as(make_person())
    response = client.post("/account/tokens", data={"name": "spreadsheet"})
    assert response.status_code == 200
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.person_id == person.id))
    assert token.prefix in response.text
    listing = client.get("/account/tokens").text
    assert token.prefix in listing and "cfy_" in listing
    client.post(f"/account/tokens/{token.id}/revoke")
    assert token.revoked_at is not None


def test_nobody_revokes_another_persons_token(client, login_as):
    from certify.accounts.services import issue_api_token

    owner = make_person()
    token, _ = issue_api_token(owner, "mine")
    login_as(make_person())
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert token.revoked_at is None


def test_a_manager_adds_a_person_and_sees_precise_errors(client, login_as, manager):
    municipality = make_municipality("Curarrehue")
    login_as(manager)
    form = {"given_names": "Rosa", "family_names": "Huenchumán", "email": "rosa@example.org",
            "municipality_id": municipality.id, "preferred_locale": "es", "roles": ["official"]}
    response = client.post("/people/new", data=form)
    assert response.status_code == 302
    rosa = db.session.scalar(sa.select(Person).where(Person.email == "rosa@example.org"))
    assert rosa.municipality == municipality and rosa.roles == {Role.OFFICIAL}
    response = client.post("/people/new", data={**form, "email": "ROSA@example.org"})
    assert response.status_code == 422
    response = client.post("/people/new", data={**form, "email": "nope", "birth_year": "1800"})
    assert response.status_code == 422


def test_only_admins_grant_the_admin_role(client, login_as, manager):
    login_as(manager)
    form = {"given_names": "Eve", "family_names": "Escalate", "email": "eve@example.org",
            "municipality_id": 0, "preferred_locale": "es", "roles": ["official", "admin"]}
    client.post("/people/new", data=form)
    eve = db.session.scalar(sa.select(Person).where(Person.email == "eve@example.org"))
    assert eve.roles == {Role.OFFICIAL}


def test_people_list_filters(client, login_as, manager):
    make_person(given_names="Zoila", family_names="Quispe")
    login_as(manager)
    text = client.get("/people?q=zoila").text
    assert "Quispe" in text
    assert "Quispe" not in client.get("/people?q=nobody-like-this").text


def test_managers_cannot_edit_administrators(client, login_as, manager):
    admin = make_person(Role.ADMIN)
    login_as(manager)
    assert client.get(f"/people/{admin.id}").status_code == 403
    form = {"given_names": "X", "family_names": "Y", "email": admin.email, "municipality_id": 0,
            "preferred_locale": "es", "roles": ["official"]}
    assert client.post(f"/people/{admin.id}", data=form).status_code == 403
    assert Role.ADMIN in admin.roles
