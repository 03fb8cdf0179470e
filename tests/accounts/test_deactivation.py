"""Managers deactivate and reactivate people from the person's page (issue 17): a confirmation
step first, every session ended, audit-logged, and only for people they may act on."""

from __future__ import annotations

import sqlalchemy as sa

from certify.accounts.models import Role
from certify.core.audit import AuditEvent
from certify.extensions import db
from tests.accounts.test_sessions import assert_signed_out
from tests.factories import PASSWORD, make_person


def audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_deactivation_asks_first_then_ends_every_session_and_is_audited(app, client, login_as):
    person = make_person(email="rosa@example.org", password=PASSWORD)
    db.session.commit()
    own_browser = app.test_client()
    own_browser.post("/login", data={"email": person.email, "password": PASSWORD})
    thief = app.test_client()
    thief.set_cookie("session", own_browser.get_cookie("session").value)
    assert thief.get("/account").status_code == 200
    manager = login_as(make_person(Role.MANAGER, preferred_locale="en"))

    page = client.get(f"/people/{person.id}")
    assert f'action="/people/{person.id}/deactivate"' in page.text
    asked = client.post(f"/people/{person.id}/deactivate")
    assert asked.status_code == 200 and 'name="confirmed" value="yes"' in asked.text
    assert "can no longer sign in" in asked.text and "Every session" in asked.text
    assert person.active and not audited("person.deactivated")

    done = client.post(f"/people/{person.id}/deactivate", data={"confirmed": "yes"})
    assert done.status_code == 302
    assert not person.active
    [event] = audited("person.deactivated")
    assert event.actor_id == manager.id and event.subject_id == person.id
    assert_signed_out(own_browser, thief)
    refused = app.test_client().post("/login", data={"email": person.email, "password": PASSWORD})
    assert refused.status_code != 302

    page = client.get(f"/people/{person.id}")
    assert f'action="/people/{person.id}/reactivate"' in page.text
    assert client.post(f"/people/{person.id}/reactivate").status_code == 302
    assert person.active
    [event] = audited("person.reactivated")
    assert event.actor_id == manager.id
    assert app.test_client().post("/login", data={"email": person.email,
                                                  "password": PASSWORD}).status_code == 302


def test_an_administrator_deactivates_an_administrator(client, login_as):
    other_admin = make_person(Role.ADMIN)
    login_as(make_person(Role.ADMIN))
    assert client.post(f"/people/{other_admin.id}/deactivate",
                       data={"confirmed": "yes"}).status_code == 302
    assert not other_admin.active


def test_officials_and_tutors_cannot_and_managers_not_admins_nor_themselves(client, login_as):
    official, admin = make_person(), make_person(Role.ADMIN)
    for role in (Role.OFFICIAL, Role.TUTOR):
        login_as(make_person(role))
        for action in ("deactivate", "reactivate"):
            assert client.post(f"/people/{official.id}/{action}",
                               data={"confirmed": "yes"}).status_code == 403
    manager = login_as(make_person(Role.MANAGER))
    assert client.post(f"/people/{admin.id}/deactivate",
                       data={"confirmed": "yes"}).status_code == 403
    assert client.post(f"/people/{manager.id}/deactivate",
                       data={"confirmed": "yes"}).status_code == 403
    own_page = client.get(f"/people/{manager.id}").text
    assert f'action="/people/{manager.id}/deactivate"' not in own_page
    assert official.active and admin.active and manager.active
    assert not audited("person.deactivated")


def test_the_deactivation_form_needs_the_csrf_token(app, client, login_as, monkeypatch):
    person = make_person()
    login_as(make_person(Role.MANAGER))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/people/{person.id}/deactivate",
                       data={"confirmed": "yes"}).status_code == 400
    assert person.active


def test_the_api_refuses_a_self_deactivation_too(client, bearer):
    manager = make_person(Role.MANAGER)
    response = client.patch(f"/api/v1/people/{manager.id}", json={"active": False},
                            headers=bearer(manager))
    assert response.status_code == 403 and manager.active
