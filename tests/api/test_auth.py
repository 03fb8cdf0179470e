"""Who the API believes: Bearer tokens, session cookies and CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.accounts import services as accounts
from certify.accounts.models import ApiToken, Person, Role
from certify.core.clock import utcnow
from certify.extensions import db
from tests.api.conftest import assert_house_error
from tests.factories import make_person

ME = "/api/v1/people/me"
NEW_PERSON = {"email": "csrf@example.org", "given_names": "Nueva", "family_names": "Persona"}


def assert_unauthorized(response):
    assert_house_error(response, 401, "unauthorized")
    assert response.headers.get("WWW-Authenticate", "").lower().startswith("bearer")


def person_exists(email: str) -> bool:
    return db.session.scalar(sa.select(Person.id).where(Person.email == email)) is not None


def test_valid_token_identifies_its_person(client, official, bearer):
    response = client.get(ME, headers=bearer(official))
    assert response.status_code == 200
    assert response.get_json()["id"] == official.id


def test_token_use_is_recorded_by_a_read(client, official):
    token, plaintext = accounts.issue_api_token(official, "tests")
    db.session.commit()
    client.get(ME, headers={"Authorization": f"Bearer {plaintext}"})
    db.session.rollback()  # forget what the request left uncommitted in the shared session
    assert db.session.get(ApiToken, token.id).last_used_at is not None


def test_token_use_is_written_at_most_once_an_hour_and_apart_from_the_request(
        client, official):
    token, plaintext = accounts.issue_api_token(official, "tests")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    statements: list[str] = []

    def note(_connection, _cursor, statement, *_args):
        statements.append(statement.lstrip().upper())

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        client.get(ME, headers=headers)
        first = list(statements)
        statements.clear()
        client.get(ME, headers=headers)
        client.post("/api/v1/people", json=NEW_PERSON, headers=headers)  # 403: an official
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    token_updates = [i for i, s in enumerate(first) if s.startswith("UPDATE API_TOKEN")]
    assert len(token_updates) == 1
    # Noted after the request's transaction ended (here a savepoint of the test's transaction).
    request_read = next(i for i, s in enumerate(first) if s.startswith("SELECT"))
    assert any(s.startswith(("RELEASE SAVEPOINT", "COMMIT"))
               for s in first[request_read:token_updates[0]])
    assert not [s for s in statements if s.startswith("UPDATE API_TOKEN")]  # within the hour
    db.session.expire_all()
    used = db.session.get(ApiToken, token.id).last_used_at
    accounts.record_token_use(token.id, now=used + timedelta(minutes=59))
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == used
    accounts.record_token_use(token.id, now=used + timedelta(minutes=61))
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == used + timedelta(minutes=61)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer cfy_not-a-real-token",
                                   "Basic dXNlcjpwYXNz", "cfy_missing-scheme"])
def test_missing_or_unknown_token_is_401(client, header):
    headers = {"Authorization": header} if header is not None else {}
    assert_unauthorized(client.get(ME, headers=headers))


def test_revoked_token_is_401(client, official):
    token, plaintext = accounts.issue_api_token(official, "tests")
    accounts.revoke_api_token(token)
    db.session.commit()
    assert_unauthorized(client.get(ME, headers={"Authorization": f"Bearer {plaintext}"}))


def test_expired_token_is_401(client, official):
    token, plaintext = accounts.issue_api_token(official, "tests", expires_in_days=1)
    headers = {"Authorization": f"Bearer {plaintext}"}
    db.session.commit()
    assert client.get(ME, headers=headers).status_code == 200
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert_unauthorized(client.get(ME, headers=headers))


def test_token_of_an_inactive_person_is_401(client, official, bearer):
    headers = bearer(official)
    accounts.update_person(official, active=False)
    db.session.commit()
    assert_unauthorized(client.get(ME, headers=headers))


def test_deactivating_through_the_api_locks_the_token_out(client, manager, official, bearer):
    official_headers = bearer(official)
    response = client.patch(f"/api/v1/people/{official.id}", json={"active": False},
                            headers=bearer(manager))
    assert response.status_code == 200
    assert response.get_json()["active"] is False
    assert_unauthorized(client.get(ME, headers=official_headers))


def test_session_of_an_inactive_person_is_401(client, login_as, official):
    login_as(official)
    assert client.get(ME).status_code == 200
    accounts.update_person(official, active=False)
    db.session.commit()
    assert_unauthorized(client.get(ME))


def test_session_cookie_works_for_reading(client, login_as, official):
    login_as(official)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.get_json()["email"] == official.email


def test_session_post_without_csrf_token_is_refused(client, login_as, manager):
    login_as(manager)
    response = client.post("/api/v1/people", json=NEW_PERSON)
    body = assert_house_error(response, 400)
    assert body["code"] == "csrf_failed" and body["message"]
    assert not person_exists(NEW_PERSON["email"])


def test_session_patch_with_a_forged_csrf_token_is_refused(client, login_as, manager, official):
    login_as(manager)
    response = client.patch(f"/api/v1/people/{official.id}", json={"position": "x"},
                            headers={"X-CSRFToken": "forged"})
    assert_house_error(response, 400)
    assert db.session.get(Person, official.id).position is None


def test_session_post_with_csrf_token_is_accepted(client, login_as, manager, csrf_header):
    login_as(manager)
    response = client.post("/api/v1/people", json=NEW_PERSON, headers=csrf_header())
    assert response.status_code == 201, response.get_data(as_text=True)
    assert person_exists(NEW_PERSON["email"])


def test_bearer_post_needs_no_csrf_token(client, manager, bearer):
    response = client.post("/api/v1/people", json=NEW_PERSON, headers=bearer(manager))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert person_exists(NEW_PERSON["email"])


def test_a_token_cannot_be_used_outside_the_api(client, official, bearer):
    # Tokens are for /api/ only: the HTML pages keep needing a session.
    response = client.get("/account", headers=bearer(official))
    assert response.status_code in (302, 401)


def test_wrong_role_is_403_in_house_format(client, official, bearer):
    response = client.get("/api/v1/people", headers=bearer(official))
    assert_house_error(response, 403, "forbidden")


def test_official_cannot_probe_other_ids(client, official, bearer):
    # 403 whether or not the id exists, so officials cannot enumerate people.
    headers = bearer(official)
    other = make_person(Role.OFFICIAL)
    assert client.get(f"/api/v1/people/{other.id}", headers=headers).status_code == 403
    assert client.get("/api/v1/people/999999", headers=headers).status_code == 403
