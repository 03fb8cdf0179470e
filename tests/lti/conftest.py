"""The test platform (certify/bench/lti_platform.py) on a real port, registered in certify by hand, and
a way to go through a whole login and launch with the test client."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from certify.bench.lti_platform import INSTRUCTOR, LEARNER, TestPlatform
from certify.extensions import db
from certify.lti.keys import public_key_set
from certify.lti.platforms import save_platform, tool_url

COURSE = "course-101"


@pytest.fixture(autouse=True)
def _in_english(app, client, monkeypatch):
    """Pages and messages in English, so tests read the msgids whatever the catalogs say."""
    client.set_cookie("certify_locale", "en")
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


@pytest.fixture(scope="session")
def test_platform():
    platform = TestPlatform().start()
    yield platform
    platform.stop()


@pytest.fixture
def platform(app, test_platform):
    """A fresh test platform that knows certify (keys and URLs), with no people or courses."""
    test_platform.reset()
    test_platform.configure_tool(jwks=public_key_set(), login_url=tool_url("lti.login"),
                                 redirect_uri=tool_url("lti.launch"))
    return test_platform


@pytest.fixture
def registered(platform, programme):
    """The test platform registered in certify by hand, for the real programme."""
    row = save_platform(name="Moodle de prueba", issuer=platform.issuer,
                        client_id=platform.client_id, auth_login_url=platform.auth_login_url,
                        auth_token_url=platform.token_url, key_set_url=platform.key_set_url,
                        deployment_ids=[platform.deployment_id], programme=programme,
                        trusted_for_email=False, active=True)
    db.session.commit()
    return row


@pytest.fixture
def course(platform):
    """A course with a teacher and two learners; one activity per kind of target."""
    platform.add_user("teacher-1", [INSTRUCTOR], given_name="Teresa", family_name="Docente",
                      email="teresa@moodle.example.org")
    platform.add_user("learner-1", [LEARNER], given_name="Lucía", family_name="Alumna",
                      email="lucia@moodle.example.org")
    platform.add_user("learner-2", [LEARNER], given_name="Luis", family_name="Alumno",
                      email="luis@moodle.example.org")
    course = platform.add_course(COURSE, "Innovación municipal 2026", label="INNOV26",
                                 members=["teacher-1", "learner-1", "learner-2"])
    platform.add_link(COURSE, "link-m1", title="Módulo 1", custom={"certify_target": "module:M1"},
                      line_item={"label": "M1", "resource_id": "quiz:M1", "tag": "certify"})
    platform.add_link(COURSE, "link-quiz-m2", title="Quiz M2",
                      custom={"certify_target": "quiz:M2"})
    platform.add_link(COURSE, "link-session", title="Santiago",
                      custom={"certify_target": "session:M5"})
    platform.add_link(COURSE, "link-project", title="Prototipo",
                      custom={"certify_target": "project"})
    platform.add_link(COURSE, "link-plain", title="certify")
    return course


class Launcher:
    """Drives certify's login and launch endpoints as a browser and the platform would."""

    def __init__(self, client, platform):
        self.client = client
        self.platform = platform

    def login(self, **parameters) -> dict:
        """Start a login (skipping the cookie check page); the platform's auth request params."""
        response = self.client.post("/lti/login", data={
            **self.platform.login_parameters(**parameters), "lti1p3_new_window": "1"})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        location = response.headers["Location"]
        assert location.startswith(self.platform.auth_login_url)
        return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}

    def token(self, *, user_id: str, nonce: str, tamper=None, key=None, kid=None, alg="RS256",
              **claims) -> str:
        body = self.platform.claims(user_id=user_id, nonce=nonce, **claims)
        if tamper is not None:
            tamper(body)
        return self.platform.sign(body, key=key, kid=kid, alg=alg)

    def launch(self, user_id: str, *, context_id: str | None = COURSE, link_id: str | None = None,
               message_type: str = "LtiResourceLinkRequest", tamper=None, key=None, kid=None,
               alg="RS256", state=None, **claims):
        """A whole launch; returns certify's answer to the launch post."""
        auth = self.login(user_id=user_id, context_id=context_id, link_id=link_id,
                          message_type=message_type)
        token = self.token(user_id=user_id, nonce=auth["nonce"], context_id=context_id,
                           link_id=link_id, message_type=message_type, tamper=tamper, key=key,
                           kid=kid, alg=alg, **claims)
        return self.client.post("/lti/launch", data={"id_token": token,
                                                     "state": state or auth["state"]})


@pytest.fixture
def launcher(client, platform):
    return Launcher(client, platform)
