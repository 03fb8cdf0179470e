"""Who may use each page and endpoint of the LTI area: URL x role -> status.

The protocol endpoints are public by nature (platforms and browsers reach them without an
account) and refuse what they cannot verify; the pages are for managers. The activity
picker is opened by its launch's picker token, whoever holds it and whatever cookies they
have (inside the platform's iframe there may be none), and refused without it.
"""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
import sqlalchemy as sa

from certify.extensions import db
from certify.lti.models import GradeSync, LtiContext
from tests.access_matrix import LOGIN, assert_access, assert_matrix_covers, matrix_ids, request_as
from tests.lti.conftest import Launcher
from tests.lti.test_grades import person_of, run_queued, take_quiz

# Who may see what is decided in Python, not by the database: SQLite only.
pytestmark = pytest.mark.one_database

ROLES = ("anonymous", "official", "tutor", "manager")


def platform_body(world) -> dict:
    platform = world.platform
    return {"name": "Moodle", "issuer": f"{platform.issuer}/another-site",
            "client_id": "another-client",
            "deployment_ids": "1", "auth_login_url": platform.auth_login_url,
            "auth_token_url": platform.token_url, "key_set_url": platform.key_set_url,
            "programme_id": world.programme.id, "active": "y"}


MATRIX = [
    ("GET", "/lti/jwks", None, (200, 200, 200, 200)),
    ("GET", "/lti/login", None, (400, 400, 400, 400)),
    ("POST", "/lti/login", lambda w: {}, (400, 400, 400, 400)),
    ("GET", "/lti/launch", None, (200, 200, 200, 200)),
    ("POST", "/lti/launch", lambda w: {}, (400, 400, 400, 400)),
    ("POST", "/lti/continue", lambda w: {"launch_id": "x", "token": "forged"},
     (403, 403, 403, 403)),
    ("GET", "/lti/register", None, (403, 403, 403, 403)),
    ("GET", "/lti/deep-link/{launch}", None, (403, 403, 403, 403)),
    ("GET", "/lti/deep-link/{launch}?token={token}", None, (200, 200, 200, 200)),
    ("POST", "/lti/deep-link/{launch}", lambda w: {"targets": ["project"]},
     (403, 403, 403, 403)),
    ("POST", "/lti/deep-link/{launch}", lambda w: {"targets": ["project"], "token": "forged"},
     (403, 403, 403, 403)),
    ("GET", "/lti/platforms", None, (LOGIN, 403, 403, 200)),
    ("POST", "/lti/platforms/invites", lambda w: {}, (LOGIN, 403, 403, 200)),
    ("GET", "/lti/platforms/new", None, (LOGIN, 403, 403, 200)),
    ("POST", "/lti/platforms/new", platform_body, (LOGIN, 403, 403, 302)),
    ("GET", "/lti/platforms/{platform}", None, (LOGIN, 403, 403, 200)),
    ("POST", "/lti/platforms/{platform}",
     lambda w: {**platform_body(w), "issuer": w.platform.issuer,
                "client_id": w.platform.client_id},
     (LOGIN, 403, 403, 302)),
    ("POST", "/lti/platforms/{platform}/check", lambda w: {}, (LOGIN, 403, 403, 302)),
    ("POST", "/lti/contexts/{context}/cohort", lambda w: {"cohort_id": w.context.cohort_id},
     (LOGIN, 403, 403, 302)),
    ("POST", "/lti/contexts/{context}/roster", lambda w: {}, (LOGIN, 403, 403, 302)),
    ("GET", "/lti/grades", None, (LOGIN, 403, 403, 200)),
    ("POST", "/lti/grades/{sync}/retry", lambda w: {}, (LOGIN, 403, 403, 302)),
    ("POST", "/lti/grades/retry-failed", lambda w: {}, (LOGIN, 403, 403, 302)),
]


@pytest.fixture
def world(app, platform, registered, course, programme, official, tutor, manager):
    # Launches from a browser of their own, so the matrix's client starts signed out.
    launcher = Launcher(app.test_client(), platform)
    picker = launcher.launch("teacher-1", message_type="LtiDeepLinkingRequest")
    picker_path, _mark, picker_query = picker.headers["Location"].partition("?")
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    platform.fail_next_scores = [(400, "no")]
    take_quiz(person_of("learner-1"), "M1")
    run_queued()
    return SimpleNamespace(
        platform=platform, programme=programme, registered=registered,
        launch=picker_path.rsplit("/", 1)[1], token=parse_qs(picker_query)["token"][0],
        context=db.session.scalar(sa.select(LtiContext)),
        sync=db.session.scalar(sa.select(GradeSync)),
        people={"official": official, "tutor": tutor, "manager": manager})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, url, body, expected", MATRIX, ids=matrix_ids(MATRIX))
def test_access(client, login_as, bearer, world, role, method, url, body, expected):
    url = url.format(platform=world.registered.id, context=world.context.id, sync=world.sync.id,
                     launch=world.launch, token=world.token)
    response = request_as(client, login_as, bearer, world.people.get(role), method, url,
                          body(world) if body else None)
    assert_access(response, expected[ROLES.index(role)])


def test_the_matrix_covers_every_lti_endpoint(app):
    assert_matrix_covers(app, MATRIX, {"lti"}, platform=1, context=1, sync=1, launch="x",
                         token="x")
