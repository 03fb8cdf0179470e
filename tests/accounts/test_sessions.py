"""Sessions end: a copied session or remember cookie stops working after each event that
should end it, and the remember cookie is as protected as the session cookie."""

from __future__ import annotations

import pytest

from certify.accounts import services
from certify.accounts.models import Role
from certify.config import build_config
from certify.extensions import db
from tests.factories import PASSWORD, make_person

NEW_PASSWORD = "lagos-del-sur-y-volcanes"


@pytest.fixture
def signed_in(app, client):
    """A person signed in with "remember me", and a thief's browser holding copies of both
    cookies (and a third holding only the remember cookie)."""
    person = make_person(email="ana@example.org", password=PASSWORD)
    db.session.commit()
    response = client.post("/login", data={"email": person.email, "password": PASSWORD,
                                           "remember": "y"})
    assert response.status_code == 302
    thief, remembered = app.test_client(), app.test_client()
    for name in ("session", "remember_token"):
        thief.set_cookie(name, client.get_cookie(name).value)
    remembered.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert thief.get("/account").status_code == 200
    assert remembered.get("/account").status_code == 200
    return person, thief, remembered


def assert_signed_out(*clients) -> None:
    for browser in clients:
        page = browser.get("/account")
        assert page.status_code == 302 and "/login" in page.headers["Location"]
        assert browser.get("/api/v1/people/me").status_code == 401


def test_signing_out_ends_every_copy(client, signed_in):
    _person, thief, remembered = signed_in
    client.post("/logout")
    assert_signed_out(client, thief, remembered)


def test_changing_the_password_ends_the_other_sessions(client, signed_in):
    _person, thief, remembered = signed_in
    response = client.post("/account", data={"pw-current_password": PASSWORD,
                                              "pw-new_password": NEW_PASSWORD,
                                              "pw-confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # the browser that changed it stays in
    assert_signed_out(thief, remembered)


def test_a_password_set_by_the_operator_ends_every_session(app, client, signed_in):
    person, thief, remembered = signed_in
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", person.email, "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert_signed_out(client, thief, remembered)


def test_deactivation_ends_every_session(app, client, signed_in, bearer, manager):
    person, thief, remembered = signed_in
    response = app.test_client().patch(f"/api/v1/people/{person.id}", json={"active": False},
                            headers=bearer(manager))
    assert response.status_code == 200
    assert_signed_out(client, thief, remembered)


def test_an_administrator_signs_a_person_out_everywhere(app, client, signed_in):
    person, thief, remembered = signed_in
    manager = make_person(Role.MANAGER, password=PASSWORD)
    admin_browser = app.test_client()
    admin_browser.post("/login", data={"email": manager.email, "password": PASSWORD})
    response = admin_browser.post(f"/people/{person.id}/sign-out-everywhere")
    assert response.status_code == 302
    assert_signed_out(client, thief, remembered)
    assert admin_browser.get("/account").status_code == 200


def test_the_remember_cookie_is_as_protected_as_the_session_cookie(app, client, monkeypatch):
    monkeypatch.setenv("CERTIFY_SECURE_COOKIES", "1")
    config = build_config(app.instance_path)
    assert config["REMEMBER_COOKIE_SECURE"] is config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SAMESITE"] == config["SESSION_COOKIE_SAMESITE"]
    assert config["REMEMBER_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_HTTPONLY"]

    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        monkeypatch.setitem(app.config, name, True)
    person = make_person(password=PASSWORD)
    db.session.commit()
    response = client.post("/login", data={"email": person.email, "password": PASSWORD,
                                           "remember": "y"})
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        assert "; Secure" in cookies[name] and "; HttpOnly" in cookies[name]
        assert "SameSite=Lax" in cookies[name]


@pytest.mark.parametrize("password", [
    "short-one", "qwerty123456", "1q2w3e4r5t6y", "passwordpassword", "ana@example.org1",
    "x" * 201,
])
def test_weak_passwords_are_refused(app_context, password):
    person = make_person(email="ana@example.org")
    with pytest.raises(services.ValidationError) as refused:
        services.set_password(person, password)
    assert refused.value.errors["password"]


def test_a_long_uncommon_passphrase_is_accepted(app_context):
    person = make_person()
    stamp = person.session_stamp
    services.set_password(person, NEW_PASSWORD)
    assert services.authenticate(person.email, NEW_PASSWORD) is person
    assert person.session_stamp != stamp


def test_only_managers_sign_others_out_and_only_admins_sign_admins_out(client, login_as):
    official, admin = make_person(), make_person(Role.ADMIN)
    stamps = (official.session_stamp, admin.session_stamp)
    response = client.post(f"/people/{official.id}/sign-out-everywhere")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_as(make_person())
    assert client.post(f"/people/{official.id}/sign-out-everywhere").status_code == 403
    login_as(make_person(Role.MANAGER))
    assert client.post(f"/people/{admin.id}/sign-out-everywhere").status_code == 403
    assert (official.session_stamp, admin.session_stamp) == stamps
