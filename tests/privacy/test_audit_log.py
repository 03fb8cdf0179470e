"""The audit log records people, roles, tokens, platforms, keys and settings; managers
browse, filter and export it (issue 17)."""

from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa

from certify.accounts.models import Role
from certify.accounts.services import update_person
from certify.core.audit import AuditEvent
from certify.extensions import db
from certify.lti.platforms import save_platform
from certify.reports.targets import set_target
from tests.factories import make_person


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def test_people_and_role_changes_are_recorded_without_personal_data(client, login_as):
    manager = login_as(make_person(Role.MANAGER))
    person = make_person(email="luisa@example.org")
    response = client.post(f"/people/{person.id}", data={
        "given_names": person.given_names, "family_names": "Rojas", "email": person.email,
        "municipality_id": 0, "preferred_locale": "es", "roles": ["official", "tutor"]})
    assert response.status_code == 302
    updated = events("person.updated")[-1]
    assert updated.actor_id == manager.id and updated.subject_id == person.id
    assert updated.details == {"fields": ["family_names"]}  # which fields, never the values
    granted = events("role.granted")[-1]
    assert granted.details["role"] == "tutor" and granted.actor_id == manager.id
    created = events("person.created")[-1]
    assert created.subject_id == person.id and created.actor_id is None

    client.post(f"/people/{person.id}", data={
        "given_names": person.given_names, "family_names": "Rojas", "email": person.email,
        "municipality_id": 0, "preferred_locale": "es", "roles": ["official"]})
    assert events("role.revoked")[-1].details["role"] == "tutor"


def test_deactivation_through_the_api_is_recorded(client, bearer):
    manager = make_person(Role.MANAGER)
    person = make_person()
    response = client.patch(f"/api/v1/people/{person.id}", json={"active": False},
                            headers=bearer(manager))
    assert response.status_code == 200, response.json
    event = events("person.deactivated")[-1]
    assert event.subject_id == person.id and event.actor_id == manager.id
    update_person(person, active=True, actor=manager)
    assert events("person.reactivated")[-1].subject_id == person.id


def test_api_tokens_are_recorded_when_created_and_revoked(client, login_as):
    person = login_as(make_person())
    client.post("/account/tokens", data={"name": "Laptop"})
    created = events("api_token.created")[-1]
    assert created.actor_id == person.id and created.details["name"] == "Laptop"
    client.post(f"/account/tokens/{created.subject_id}/revoke")
    revoked = events("api_token.revoked")[-1]
    assert revoked.subject_id == created.subject_id and revoked.actor_id == person.id


def test_platforms_keys_and_settings_are_recorded(app, programme, tmp_path, monkeypatch):
    manager = make_person(Role.MANAGER)
    platform = save_platform(name="Moodle", issuer="https://moodle.example.org",
                             client_id="abc", auth_login_url="https://moodle.example.org/auth",
                             auth_token_url="https://moodle.example.org/token",
                             key_set_url="https://moodle.example.org/keys", deployment_ids=["1"],
                             programme=programme, trusted_for_email=False, active=True,
                             actor=manager)
    assert events("lti_platform.created")[-1].subject_id == platform.id
    set_target(programme, certified=100, starts_on=date(2026, 1, 1), due_on=date(2028, 12, 31),
               actor=manager)
    assert events("target.set")[-1].details["certified"] == 100
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    rotated = events("signing_key.rotated")[-1]
    assert rotated.details["kid"] in result.output


def test_managers_browse_filter_and_export_the_log(client, login_as):
    manager = login_as(make_person(Role.MANAGER))
    person = make_person(email="marta@example.org")
    other = make_person(email="otro@example.org")
    update_person(person, position="Alcaldesa", actor=manager)
    db.session.commit()

    page = client.get("/audit")
    assert page.status_code == 200 and "Alcaldesa" not in page.text
    filtered = client.get("/audit", query_string={"person": "marta@example.org"})
    assert person.full_name in filtered.text and other.full_name not in filtered.text
    by_action = client.get("/audit", query_string={"action": "person.updated",
                                                   "since": date.today().isoformat()})
    assert by_action.status_code == 200 and person.full_name in by_action.text
    assert client.get("/audit", query_string={"since": "yesterday"}).status_code == 422

    exported = client.post("/audit/export.csv", data={"action": "person.updated"})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert {row["action"] for row in rows} == {"person.updated"}
    assert any(row["subject_id"] == str(person.id) for row in rows)
    assert events("audit.exported")[-1].actor_id == manager.id
    assert client.get("/audit/export.csv").status_code == 405


def test_only_managers_read_the_log(client, login_as):
    login_as(make_person(Role.TUTOR))
    assert client.get("/audit").status_code == 403
    assert client.post("/audit/export.csv").status_code == 403
