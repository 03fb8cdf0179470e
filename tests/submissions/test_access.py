"""Who may use each page and endpoint of the submissions area: URL x role -> status."""

from __future__ import annotations

import io

import pytest

from certify.extensions import db
from certify.submissions.adjusting import adjust_member
from tests.submissions.conftest import SCORES, TEXTS, grade, pdf_upload, submit
from tests.submissions.samples import PDF

ROLES = ("anonymous", "member", "other_official", "tutor", "other_tutor", "manager")
LOGIN = "login"  # a redirect to the sign-in page

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
@pytest.mark.parametrize("method, url, body, expected", MATRIX,
                         ids=[f"{method} {url}" for method, url, _b, _e in MATRIX])
def test_access(client, login_as, bearer, graded_world, role, method, url, body, expected):
    world = graded_world
    url = url.format(**world.ids)
    person = world.people.get(role)
    options = {}
    payload = body(world) if body else None
    if url.startswith("/api/"):
        if person is not None:
            options["headers"] = bearer(person)
        if payload is not None and "files" in payload:
            options.update(data=payload, content_type="multipart/form-data")
        elif payload is not None:
            options["json"] = payload
    else:
        if person is not None:
            login_as(person)
        if payload is not None:
            options["data"] = payload
    response = client.open(url, method=method, **options)
    wanted = expected[ROLES.index(role)]
    if wanted == LOGIN:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == wanted, response.get_data(as_text=True)[:800]


def test_the_matrix_covers_every_submissions_endpoint(app):
    adapter = app.url_map.bind("certify.test")
    ids = dict.fromkeys(("group", "submission", "file", "grade", "released", "beto"), 1)
    covered = {(adapter.match(url.format(**ids), method=method)[0], method)
               for method, url, _body, _expected in MATRIX}
    endpoints = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                 if rule.endpoint.split(".")[0] in {"submissions", "submissions_api"}
                 for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert endpoints and endpoints == covered
