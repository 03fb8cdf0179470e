"""LTI Dynamic Registration: one URL pasted in the platform, certify registers itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.core.errors import Conflict
from certify.extensions import db
from certify.lti.models import LtiContext, LtiPlatform, RegistrationInvite
from certify.lti.platforms import create_invite, save_platform
from tests.lti.conftest import COURSE


@pytest.fixture
def invite_token(manager, programme):
    _invite, url = create_invite(by=manager)
    db.session.commit()
    assert url.startswith("https://certify.test/lti/register?invite=")
    return url.split("invite=", 1)[1]


def register(client, platform, token, **changes):
    query = {"invite": token, "openid_configuration": platform.openid_configuration_url,
             "registration_token": platform.registration_token, **changes}
    return client.get("/lti/register", query_string=query)


def test_the_platform_registers_certify_with_one_url(client, platform, invite_token):
    response = register(client, platform, invite_token)
    assert response.status_code == 200, response.text
    assert "certify is registered" in response.text
    # The page tells the platform at once that it is done (certify/static/js/lti.js).
    assert "data-close-now" in response.text and "js/lti.js" in response.text
    stored = db.session.scalar(sa.select(LtiPlatform))
    assert (stored.issuer, stored.client_id, stored.deployment_ids) == (
        platform.issuer, platform.client_id, [platform.deployment_id])
    assert (stored.auth_login_url, stored.auth_token_url, stored.key_set_url) == (
        platform.auth_login_url, platform.token_url, platform.key_set_url)
    assert stored.registered_by == "dynamic" and stored.name == "moodle · " + \
        platform.issuer.split("//")[1]
    assert stored.trusted_for_email is False and stored.programme.code == "IHBG"

    [sent] = platform.registrations
    assert sent["initiate_login_uri"] == "https://certify.test/lti/login"
    assert sent["redirect_uris"] == ["https://certify.test/lti/launch"]
    assert sent["jwks_uri"] == "https://certify.test/lti/jwks"
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in sent["scope"]
    assert "contextmembership.readonly" in sent["scope"]
    configuration = sent["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert configuration["domain"] == "certify.test"
    assert configuration["messages"][0]["type"] == "LtiDeepLinkingRequest"
    assert "email" in configuration["claims"]

    # The link worked once.
    assert register(client, platform, invite_token).status_code == 403


def test_a_dynamically_registered_platform_launches(client, launcher, platform, invite_token):
    assert register(client, platform, invite_token).status_code == 200
    platform.add_user("learner-1", ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"])
    platform.add_course(COURSE, "Curso registrado", members=["learner-1"])
    platform.add_link(COURSE, "link-1", custom={"certify_target": "module:M2"})
    response = launcher.launch("learner-1", link_id="link-1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/modules/M2")


def test_without_a_registration_link_nothing_happens(client, platform, programme):
    response = register(client, platform, "made-up")
    assert response.status_code == 403 and "registration link is unknown" in response.text
    assert client.get("/lti/register", query_string={
        "openid_configuration": platform.openid_configuration_url}).status_code == 403
    assert platform.registrations == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiPlatform)) == 0


def test_a_configuration_speaking_for_another_site_is_refused(client, platform, invite_token):
    elsewhere = platform.openid_configuration_url.replace("127.0.0.1", "localhost")
    response = register(client, platform, invite_token, openid_configuration=elsewhere)
    assert response.status_code == 400 and "another site" in response.text
    assert platform.registrations == []
    invite = db.session.scalar(sa.select(RegistrationInvite))
    assert invite.used_at is None  # still usable


def test_the_platform_refusing_the_registration_is_explained(client, platform, invite_token):
    response = register(client, platform, invite_token, registration_token="wrong")
    assert response.status_code == 400
    assert "refused the registration: HTTP 401" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiPlatform)) == 0


def test_a_configuration_that_cannot_be_read_is_explained(client, platform, invite_token):
    response = register(client, platform, invite_token,
                        openid_configuration=f"{platform.url}/nothing-here")
    assert response.status_code == 400 and "HTTP 404" in response.text
    response = register(client, platform, invite_token, openid_configuration="ftp://x")
    assert response.status_code == 400 and "https://" in response.text


def test_registering_again_from_the_same_moodle_updates_the_platform(client, launcher, platform,
                                                                     manager, invite_token):
    assert register(client, platform, invite_token).status_code == 200
    platform.add_user("learner-1", ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"])
    platform.add_course(COURSE, "Curso registrado", members=["learner-1"])
    platform.add_link(COURSE, "link-1", custom={"certify_target": "module:M2"})
    assert launcher.launch("learner-1", link_id="link-1").status_code == 302
    cohort_id = db.session.scalar(sa.select(LtiContext.cohort_id))

    # Moodle's "Update" registers the tool again and hands out a new client id.
    platform.client_id = "certify-client-2"
    _invite, url = create_invite(by=manager)
    db.session.commit()
    assert register(client, platform, url.split("invite=", 1)[1]).status_code == 200
    [stored] = db.session.scalars(sa.select(LtiPlatform)).all()
    assert stored.client_id == "certify-client-2"
    assert launcher.launch("learner-1", link_id="link-1").status_code == 302
    assert db.session.scalars(sa.select(LtiContext.cohort_id)).all() == [cohort_id]


def test_a_second_platform_with_the_same_issuer_is_refused(platform, registered, programme):
    with pytest.raises(Conflict) as refused:
        save_platform(name="Otra vez", issuer=platform.issuer, client_id="another-client",
                      auth_login_url=platform.auth_login_url,
                      auth_token_url=platform.token_url, key_set_url=platform.key_set_url,
                      deployment_ids=["1"], programme=programme, trusted_for_email=False,
                      active=True)
    assert "already registered in certify as Moodle de prueba" in refused.value.message
    assert refused.value.errors == {"issuer": ["already registered as Moodle de prueba"]}


def test_the_registration_page_warns_about_an_http_moodle(client, platform, invite_token):
    page = register(client, platform, invite_token).text
    assert f"The platform&#39;s address {platform.issuer} is http, not https" in page
