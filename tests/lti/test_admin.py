"""Managers add and edit platforms, hand out registration links and link courses to cohorts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.extensions import db
from certify.lti.models import LtiContext, LtiPlatform, RegistrationInvite
from tests.factories import make_cohort


def form(**changes) -> dict:
    return {"name": "Moodle Municipal", "issuer": "https://moodle.example.org",
            "client_id": "AbC123", "deployment_ids": "1\n2\n\n2",
            "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
            "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
            "key_set_url": "https://moodle.example.org/mod/lti/certs.php",
            "programme_id": "0", "trusted_for_email": "", "active": "y", **changes}


def test_a_manager_adds_and_edits_a_platform(client, login_as, manager, programme):
    login_as(manager)
    page = client.get("/lti/platforms/new")
    assert page.status_code == 200
    assert "https://certify.test/lti/login" in page.text and "BEGIN PUBLIC KEY" in page.text
    response = client.post("/lti/platforms/new", data=form(programme_id=str(programme.id)))
    assert response.status_code == 302
    platform = db.session.scalar(sa.select(LtiPlatform))
    assert (platform.name, platform.issuer, platform.client_id) == (
        "Moodle Municipal", "https://moodle.example.org", "AbC123")
    assert platform.deployment_ids == ["1", "2"] and platform.programme_id == programme.id
    assert platform.registered_by == "hand" and platform.trusted_for_email is False

    edit = client.get(f"/lti/platforms/{platform.id}")
    assert edit.status_code == 200 and "1\n2</textarea>" in edit.text
    response = client.post(f"/lti/platforms/{platform.id}",
                           data=form(deployment_ids="2\n3", trusted_for_email="y"))
    assert response.status_code == 302
    db.session.refresh(platform)
    assert platform.deployment_ids == ["2", "3"] and platform.trusted_for_email is True
    listing = client.get("/lti/platforms")
    assert "Moodle Municipal" in listing.text and "Trusted for e-mail" in listing.text


@pytest.mark.parametrize("changes, field, message", [
    ({"issuer": "http://moodle.example.org"}, "issuer", "must be an https:// address"),
    ({"key_set_url": "moodle/certs.php"}, "key_set_url", "must be an https:// address"),
    ({"deployment_ids": " \n "}, "deployment_ids", "required"),
    ({"name": ""}, "name", "This field is required."),
])
def test_bad_details_are_shown_on_their_field_and_nothing_is_saved(client, login_as, manager,
                                                                   changes, field, message):
    login_as(manager)
    response = client.post("/lti/platforms/new", data=form(**changes))
    assert response.status_code == 422
    assert f'id="{field}-errors"' in response.text and message in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiPlatform)) == 0


def test_a_second_platform_with_the_same_issuer_is_refused(client, login_as, manager):
    # Even with another client id: one Moodle is one platform, its courses one cohort each.
    login_as(manager)
    assert client.post("/lti/platforms/new", data=form()).status_code == 302
    response = client.post("/lti/platforms/new", data=form(name="Otra", client_id="Other1"))
    assert response.status_code == 422
    assert "already registered as Moodle Municipal" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiPlatform)) == 1


def test_a_registration_link_is_shown_once(client, login_as, manager):
    login_as(manager)
    response = client.post("/lti/platforms/invites")
    assert response.status_code == 200
    assert 'id="invite-url" value="https://certify.test/lti/register?invite=' in response.text
    invite = db.session.scalar(sa.select(RegistrationInvite))
    assert invite.created_by_id == manager.id and invite.used_at is None
    assert "register?invite=" not in client.get("/lti/platforms").text


def test_a_course_is_linked_to_another_cohort_of_the_programme(client, login_as, manager,
                                                               launcher, registered, course,
                                                               programme):
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    context = db.session.scalar(sa.select(LtiContext))
    planned = make_cohort(programme, "Cohorte planificada")
    login_as(manager)
    response = client.post(f"/lti/contexts/{context.id}/cohort",
                           data={"cohort_id": planned.id}, follow_redirects=True)
    assert "is now the cohort Cohorte planificada" in response.text
    db.session.refresh(context)
    assert context.cohort_id == planned.id
    response = client.post(f"/lti/contexts/{context.id}/cohort", data={"cohort_id": 999999},
                           follow_redirects=True)
    assert "Choose one of the programme" in response.text


def test_addresses_that_will_fail_are_warned_about_before(app, client, login_as, manager,
                                                          registered, monkeypatch):
    # The test platform is on http://127.0.0.1 (allowed on this machine only).
    login_as(manager)
    page = client.get("/lti/platforms").text
    assert "is http, not https" in page and registered.issuer in page
    assert "CERTIFY_BASE_URL" not in page  # certify's own address is https://certify.test
    assert "is http, not https" in client.get(f"/lti/platforms/{registered.id}").text
    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:5000")
    page = client.get("/lti/platforms").text
    assert "http://127.0.0.1:5000, which only this machine can reach" in page
    monkeypatch.setitem(app.config, "BASE_URL", "http://certify.example.org")
    assert "is not https" in client.get("/lti/platforms").text
