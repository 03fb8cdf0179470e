"""The OIDC login (state and nonce in the database, the cookie check page) and the tool's keys."""

from __future__ import annotations

import json

import jwt
import sqlalchemy as sa

from certify.extensions import db
from certify.lti import keys
from certify.lti.models import LoginState
from tests.lti.conftest import COURSE


def test_login_keeps_state_and_nonce_in_the_database_and_redirects_to_the_platform(
        launcher, registered, course):
    auth = launcher.login(user_id="learner-1", context_id=COURSE, link_id="link-m1")
    assert auth["client_id"] == launcher.platform.client_id
    assert auth["redirect_uri"] == "https://certify.test/lti/launch"
    assert (auth["response_type"], auth["response_mode"], auth["scope"], auth["prompt"]) == (
        "id_token", "form_post", "openid", "none")
    assert auth["login_hint"] == "learner-1" and "link-m1" in auth["lti_message_hint"]
    login = db.session.scalar(sa.select(LoginState).where(LoginState.state == auth["state"]))
    assert login.nonce == auth["nonce"] and login.platform_id == registered.id
    assert login.used_at is None and login.expires_at > login.created_at


def test_login_works_by_get_too(client, platform, registered, course):
    response = client.get("/lti/login", query_string={
        **platform.login_parameters(user_id="learner-1", context_id=COURSE),
        "lti1p3_new_window": "1"})
    assert response.status_code == 302 and "state=" in response.headers["Location"]


def test_login_first_checks_that_the_browser_keeps_cookies(client, platform, registered, course):
    # certify's own page: it goes on to the platform when the frame keeps the cookie it
    # sets, and otherwise offers storage access and a new window (certify/static/js/lti.js).
    response = client.post("/lti/login", data=platform.login_parameters(user_id="learner-1",
                                                                        context_id=COURSE))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert 'id="lti-login"' in page and 'data-check-cookie="certify_lti_cookies"' in page
    assert 'name="lti1p3_new_window" value="1"' in page and 'target="_blank"' in page
    assert "Open certify in a new window" in page and "Allow and continue" in page
    assert "js/lti.js" in page and "<script>" not in page  # no inline script (CSP)
    login = db.session.scalar(sa.select(LoginState))
    assert f"{platform.auth_login_url}?" in page and login.state in page
    set_cookies = response.headers.getlist("Set-Cookie")
    assert any(cookie.startswith("certify_lti_cookies=1") for cookie in set_cookies)
    assert any(cookie.startswith("certify_lti_state_") for cookie in set_cookies)


def test_login_refuses_unknown_platforms_deployments_and_targets(client, platform, registered,
                                                                 course):
    def login(**changes):
        data = {**platform.login_parameters(user_id="learner-1", context_id=COURSE),
                "lti1p3_new_window": "1", **changes}
        return client.post("/lti/login", data=data)

    unknown = login(iss="https://moodle.elsewhere.example")
    assert unknown.status_code == 403 and "is not registered in certify" in unknown.text
    assert login(client_id="another-client").status_code == 403
    deployment = login(lti_deployment_id="deployment-99")
    assert deployment.status_code == 403 and "deployment-99" in deployment.text
    target = login(target_link_uri="https://phishing.example/lti/launch")
    assert target.status_code == 400
    assert "launch address https://certify.test/lti/launch" in target.text
    assert login(target_link_uri="https://certify.test/admin").status_code == 400
    missing = login(target_link_uri="")
    assert missing.status_code == 400 and "no target_link_uri" in missing.text
    assert login(login_hint="").status_code == 400
    assert login(iss="").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginState)) == 0


def test_the_key_set_publishes_the_signing_key_with_its_kid(client):
    published = client.get("/lti/jwks").json["keys"]
    current = keys.signing_key()
    assert published[0]["kid"] == current.kid
    assert published[0]["alg"] == "RS256" and published[0]["use"] == "sig"
    assert "d" not in published[0]  # never the private part
    token = jwt.encode({"hello": "platform"}, current.private_pem, algorithm="RS256",
                       headers={"kid": current.kid})
    assert jwt.decode(token, jwt.PyJWK.from_dict(published[0]).key,
                      algorithms=["RS256"]) == {"hello": "platform"}


def test_rotating_keys_keeps_the_previous_ones_published_for_a_while(app, client):
    first = keys.signing_key()
    rotated = [keys.rotate_keys()[0] for _ in range(3)]
    published = [key["kid"] for key in client.get("/lti/jwks").json["keys"]]
    assert keys.signing_key().kid == rotated[-1].kid
    assert published == [rotated[2].kid, rotated[1].kid, rotated[0].kid]
    assert first.kid not in published
    folder = keys.key_ring().folder
    assert oct((folder / f"{rotated[-1].kid}.pem").stat().st_mode & 0o777) == "0o600"


def test_the_kid_is_the_rfc_7638_thumbprint_an_independent_library_computes(app):
    # certify signs with PyJWT; jwcrypto (pylti1p3's own dependency) checks the thumbprint.
    from jwcrypto.jwk import JWK

    published = keys.public_key_set()["keys"][0]
    independent = JWK.from_pem(keys.signing_key().public_pem.encode())
    assert published["kid"] == independent.thumbprint()
    assert {name: published[name] for name in ("kty", "n", "e")} == {
        name: value for name, value in json.loads(independent.export_public()).items()
        if name in ("kty", "n", "e")}
