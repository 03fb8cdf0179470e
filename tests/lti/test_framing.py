"""Moodle may frame certify: the registered, active platforms' sites, and no other."""

from __future__ import annotations

import pytest

from certify.core.security_headers import frame_ancestors as framing_sites
from certify.extensions import db
from certify.lti.platforms import save_platform


@pytest.fixture(autouse=True)
def _forget_platforms_of_earlier_tests():
    # Their commits were undone by rolling back the test's outer transaction, which the
    # application does not see; in production a removal goes through the session.
    framing_sites.invalidate()


def frame_ancestors(response) -> list[str]:
    policy = dict(directive.strip().split(" ", 1)
                  for directive in response.headers["Content-Security-Policy"].split(";"))
    return policy["frame-ancestors"].split()


def moodle(programme, site: str, **changes):
    values = dict(name="Moodle", issuer=site, client_id="certify-tool",
                  auth_login_url=f"{site}/mod/lti/auth.php",
                  auth_token_url=f"{site}/mod/lti/token.php",
                  key_set_url=f"{site}/mod/lti/certs.php", deployment_ids=["1"],
                  programme=programme, trusted_for_email=False, active=True)
    values.update(changes)
    return values


def test_only_certify_frames_its_pages_without_platforms(client):
    response = client.get("/login")
    assert frame_ancestors(response) == ["'self'"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_registered_platforms_frame_pages_and_errors_until_removed(client, programme):
    platform = save_platform(**moodle(programme, "https://campus.example.edu:8443/moodle"))
    save_platform(**moodle(programme, "https://other.example.org", client_id="x", active=False))
    db.session.commit()
    for url in ("/login", "/no-such-page", "/api/v1/programmes"):
        response = client.get(url)
        assert frame_ancestors(response) == ["'self'", "https://campus.example.edu:8443"], url
        # X-Frame-Options cannot name another site; browsers follow frame-ancestors instead.
        assert "X-Frame-Options" not in response.headers

    save_platform(platform, **moodle(programme, "https://campus.example.edu:8443/moodle",
                                     active=False))
    db.session.commit()
    assert frame_ancestors(client.get("/login")) == ["'self'"]

    save_platform(platform, **moodle(programme, "https://moodle.example.cl"))
    db.session.commit()
    assert frame_ancestors(client.get("/login")) == ["'self'", "https://moodle.example.cl"]

    db.session.delete(platform)
    db.session.commit()
    assert frame_ancestors(client.get("/login")) == ["'self'"]


def test_the_registration_page_is_frameable_by_the_platform_registering(client, manager,
                                                                        programme):
    from certify.lti.platforms import create_invite

    _invite, url = create_invite(by=manager)
    db.session.commit()
    token = url.split("invite=", 1)[1]
    moodle_site = "https://moodle.campus.invalid:8443/lms/mod/lti/openid-configuration.php"
    # The platform's configuration cannot be fetched here: the error page Moodle frames.
    response = client.get("/lti/register", query_string={
        "invite": token, "openid_configuration": moodle_site})
    assert response.status_code == 400
    assert frame_ancestors(response) == ["'self'", "https://moodle.campus.invalid:8443"]
    # Without a valid registration link no other site may frame it.
    refused = client.get("/lti/register", query_string={
        "invite": "made-up", "openid_configuration": moodle_site})
    assert refused.status_code == 403 and frame_ancestors(refused) == ["'self'"]
