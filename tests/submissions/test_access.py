"""Who may use each page and endpoint of the submissions area: URL x role -> status."""

from __future__ import annotations

import io

import pytest

from certify.extensions import db
from certify.submissions.adjusting import adjust_member
from tests.access_matrix import LOGIN, assert_access, assert_matrix_covers, matrix_ids, request_as
from tests.submissions.conftest import SCORES, TEXTS, grade, pdf_upload, submit
from tests.submissions.samples import PDF

# Who may see what is decided in Python, not by the database: SQLite only.
pytestmark = pytest.mark.one_database

ROLES = ("anonymous", "member", "other_official", "tutor", "other_tutor", "manager")

# (method, URL, body(world) or None, expected status for each of ROLES).
# "member" is in the group; "other_official" in another group of the same cohort; "tutor"
# tutors the cohort, "other_tutor" another cohort. {submission} is version 2 with a draft grade
# ({grade}, adjusting beto); {released} is the released grade of version 1.
PAGES = [
    ("GET", "/my-prototype", None, (LOGIN, 302, 302, 403, 403, 403)),
    ("GET", "/groups/{group}/prototype", None, (LOGIN, 200, 403, 200, 403, 200)),
    ("POST", "/groups/{group}/prototype", lambda w: dict(TEXTS),
     (LOGIN, 302, 403, 403, 403, 403)),
    ("GET", "/submissions/{submission}", None, (LOGIN, 200, 403, 200, 403, 200)),
    ("GET", "/submissions/{submission}/files/{file}", None, (LOGIN, 200, 403, 200, 403, 200)),
    ("GET", "/grading", None, (LOGIN, 403, 403, 200, 200, 200)),
    ("GET", "/submissions/{submission}/grade", None, (LOGIN, 403, 403, 200, 403, 200)),
    ("POST", "/submissions/{submission}/grade",
     lambda w: {"action": "draft", "feedback": "Bien", "score-feasibility": "3"},
     (LOGIN, 403, 403, 302, 403, 302)),
    ("POST", "/grades/{grade}/adjustments",
     lambda w: {"person_id": w.beto.id, "percent": "45", "reason": "Aportó menos"},
     (LOGIN, 403, 403, 302, 403, 302)),
    ("POST", "/grades/{grade}/adjustments/{beto}/remove", None,
     (LOGIN, 403, 403, 302, 403, 302)),
    ("POST", "/grades/{released}/reopen", lambda w: {"reason": "Nivel mal elegido"},
     (LOGIN, 403, 403, 403, 403, 200)),  # asks to confirm
    ("POST", "/grades/{released}/reopen",
     lambda w: {"reason": "Nivel mal elegido", "confirmed": "yes"},
     (LOGIN, 403, 403, 403, 403, 302)),
]
API = [
    ("GET", "/api/v1/groups/{group}/submissions", None, (401, 200, 403, 200, 403, 200)),
    ("POST", "/api/v1/groups/{group}/submissions",
     lambda w: {**TEXTS, "files": [(io.BytesIO(PDF), "informe.pdf")]},
     (401, 201, 403, 403, 403, 403)),
    ("GET", "/api/v1/submissions/{submission}", None, (401, 200, 403, 200, 403, 200)),
    ("GET", "/api/v1/submissions/{submission}/files/{file}", None,
     (401, 200, 403, 200, 403, 200)),
    ("GET", "/api/v1/grading-queue", None, (401, 403, 403, 200, 200, 200)),
    ("PUT", "/api/v1/submissions/{submission}/grade", lambda w: {"scores": SCORES},
     (401, 403, 403, 200, 403, 200)),
    ("POST", "/api/v1/grades/{grade}/release", None, (401, 403, 403, 200, 403, 200)),
    ("POST", "/api/v1/grades/{released}/reopen", lambda w: {"reason": "Nivel mal elegido"},
     (401, 403, 403, 403, 403, 200)),
]
MATRIX = PAGES + API


@pytest.fixture
def graded_world(world):
    released = grade(submit(world.group, world.ana), world.tutor, release=True)
    second = submit(world.group, world.beto, files=[pdf_upload()])
    draft = grade(second, world.tutor)
    adjust_member(draft, world.beto, percent=40, reason="Aportó menos", by=world.tutor)
    db.session.commit()
    world.people = {"member": world.ana, "other_official": world.carla, "tutor": world.tutor,
                    "other_tutor": world.other_tutor, "manager": world.manager}
    world.ids = {"group": world.group.id, "submission": second.id, "file": second.files[0].id,
                 "grade": draft.id, "released": released.id, "beto": world.beto.id}
    return world


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, url, body, expected", MATRIX, ids=matrix_ids(MATRIX))
def test_access(client, login_as, bearer, graded_world, role, method, url, body, expected):
    world = graded_world
    url = url.format(**world.ids)
    response = request_as(client, login_as, bearer, world.people.get(role), method, url,
                          body(world) if body else None)
    assert_access(response, expected[ROLES.index(role)])


def test_the_matrix_covers_every_submissions_endpoint(app):
    ids = dict.fromkeys(("group", "submission", "file", "grade", "released", "beto"), 1)
    assert_matrix_covers(app, MATRIX, {"submissions", "submissions_api"}, **ids)
