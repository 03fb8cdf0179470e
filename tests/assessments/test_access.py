"""Who may use each quiz page and endpoint: URL x role -> status."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from certify.accounts.models import Role
from certify.assessments import services
from certify.cohorts.services import create_cohort
from certify.extensions import db
from tests.access_matrix import LOGIN, assert_access, assert_matrix_covers, matrix_ids, request_as
from tests.assessments.conftest import enrolled_official, right_answers
from tests.factories import make_person

# Who may see what is decided in Python, not by the database: SQLite only.
pytestmark = pytest.mark.one_database

ROLES = ("anonymous", "official", "other_official", "tutor", "other_tutor", "manager")
NOT_MINE = (404, 404, 404, 404)  # another person's attempt, whoever asks

# (method, URL, body(world) or None, expected status for each of ROLES).
# "official" is enrolled in the cohort, with a submitted attempt and an open one;
# "other_official" is enrolled nowhere; "tutor" tutors the cohort; "other_tutor"
# tutors another cohort of the same programme.
PAGES = [
    ("GET", "/my-programme/{cohort}/modules/M1/quiz", None, (LOGIN, 200, 404, 403, 403, 403)),
    ("POST", "/my-programme/{cohort}/modules/M1/quiz/attempts", None,
     (LOGIN, 303, 404, 403, 403, 403)),
    ("GET", "/attempts/{open}", None, (LOGIN, 200, *NOT_MINE, 404)),
    ("POST", "/attempts/{open}/submit", lambda w: {"token": w.open.token},
     (LOGIN, 303, *NOT_MINE, 404)),
    ("GET", "/attempts/{done}/result", None, (LOGIN, 200, *NOT_MINE, 404)),
    ("GET", "/cohorts/{cohort}/quizzes", None, (LOGIN, 403, 403, 200, 403, 200)),
    ("GET", "/cohorts/{cohort}/quizzes/{quiz}/results", None, (LOGIN, 403, 403, 200, 403, 200)),
]
API = [
    ("GET", "/api/v1/quizzes/{quiz}", None, (401, 200, 403, 200, 200, 200)),
    ("POST", "/api/v1/quizzes/{quiz}/attempts", None, (401, 200, 403, 403, 403, 403)),
    ("GET", "/api/v1/attempts/{open}", None, (401, 200, *NOT_MINE, 404)),
    ("PUT", "/api/v1/attempts/{open}/answers", lambda w: {"answers": {}},
     (401, 200, *NOT_MINE, 404)),
    ("POST", "/api/v1/attempts/{open}/submit", lambda w: {}, (401, 200, *NOT_MINE, 404)),
]
MATRIX = PAGES + API


@pytest.fixture
def access_world(world, manager):
    done = services.start_attempt(world.quiz, world.official)
    services.submit_attempt(done, right_answers(done))
    open_attempt = services.start_attempt(world.quiz, world.official)
    other_tutor = make_person(Role.TUTOR)
    create_cohort(world.programme, name="Otra cohorte", tutors=[other_tutor])
    enrolled_official(create_cohort(world.programme, name="Tercera cohorte"))
    db.session.commit()
    return SimpleNamespace(
        cohort=world.cohort, quiz=world.quiz, open=open_attempt, done=done,
        people={"official": world.official, "other_official": make_person(),
                "tutor": world.tutor, "other_tutor": other_tutor, "manager": manager},
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, url, body, expected", MATRIX, ids=matrix_ids(MATRIX))
def test_access(client, login_as, bearer, access_world, role, method, url, body, expected):
    w = access_world
    url = url.format(cohort=w.cohort.id, quiz=w.quiz.id, open=w.open.id, done=w.done.id)
    response = request_as(client, login_as, bearer, w.people.get(role), method, url,
                          body(w) if body else None)
    assert_access(response, expected[ROLES.index(role)])


def test_the_matrix_covers_every_assessments_endpoint(app):
    assert_matrix_covers(app, MATRIX, {"assessments", "assessments_api"},
                         cohort=1, quiz=1, open=1, done=1)
