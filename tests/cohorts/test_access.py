"""Who may use each page and endpoint of the cohorts area: URL x role -> status."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from tests.access_matrix import LOGIN, assert_access, assert_matrix_covers, matrix_ids, request_as
from tests.factories import make_municipality, make_person

# Who may see what is decided in Python, not by the database: SQLite only.
pytestmark = pytest.mark.one_database

ROLES = ("anonymous", "official", "tutor", "other_tutor", "manager")

# (method, URL, body(world) or None, expected status for each of ROLES).
# "official" is enrolled in the cohort; "tutor" tutors it; "other_tutor" tutors another one.
PAGES = [
    ("GET", "/cohorts", None, (LOGIN, 403, 200, 200, 200)),
    ("GET", "/cohorts/new", None, (LOGIN, 403, 403, 403, 200)),
    ("POST", "/cohorts/new", lambda w: {"programme_id": w.programme.id, "name": "Nueva"},
     (LOGIN, 403, 403, 403, 302)),
    ("GET", "/cohorts/{cohort}", None, (LOGIN, 403, 200, 403, 200)),
    ("GET", "/cohorts/{cohort}/edit", None, (LOGIN, 403, 403, 403, 200)),
    ("POST", "/cohorts/{cohort}/edit", lambda w: {"name": "Otro nombre"},
     (LOGIN, 403, 403, 403, 302)),
    ("POST", "/cohorts/{cohort}/enrol", lambda w: {"emails": w.newcomer.email},
     (LOGIN, 403, 403, 403, 302)),
    ("POST", "/cohorts/{cohort}/import", lambda w: {"file": (io.BytesIO(
        b"email,given_names,family_names,municipality,country\n"
        b"csv@example.org,Desde,Archivo,Melipeuco,CL\n"), "people.csv")},
     (LOGIN, 403, 403, 403, 200)),
    ("POST", "/cohorts/{cohort}/enrolments/{enrolment}/status", lambda w: {"status": "inactive"},
     (LOGIN, 403, 403, 403, 302)),
]
API = [
    ("GET", "/api/v1/cohorts", None, (401, 200, 200, 200, 200)),
    ("POST", "/api/v1/cohorts", lambda w: {"programme_id": w.programme.id, "name": "Nueva"},
     (401, 403, 403, 403, 201)),
    ("GET", "/api/v1/cohorts/{cohort}", None, (401, 200, 200, 403, 200)),
    ("PATCH", "/api/v1/cohorts/{cohort}", lambda w: {"name": "Otro nombre"},
     (401, 403, 403, 403, 200)),
    ("GET", "/api/v1/enrolments", None, (401, 200, 200, 200, 200)),
    ("POST", "/api/v1/enrolments",
     lambda w: {"cohort_id": w.cohort.id, "person_id": w.newcomer.id},
     (401, 403, 403, 403, 201)),
    ("PATCH", "/api/v1/enrolments/{enrolment}", lambda w: {"status": "inactive"},
     (401, 403, 403, 403, 200)),
]
MATRIX = PAGES + API


@pytest.fixture
def world(small_programme, cohort, enrolled, official, tutor, other_tutor, other_cohort, manager):
    make_municipality("Melipeuco", country="CL")
    return SimpleNamespace(
        programme=small_programme, cohort=cohort, enrolment=enrolled, newcomer=make_person(),
        people={"official": official, "tutor": tutor, "other_tutor": other_tutor,
                "manager": manager},
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, url, body, expected", MATRIX, ids=matrix_ids(MATRIX))
def test_access(client, login_as, bearer, world, role, method, url, body, expected):
    url = url.format(cohort=world.cohort.id, enrolment=world.enrolment.id)
    response = request_as(client, login_as, bearer, world.people.get(role), method, url,
                          body(world) if body else None)
    assert_access(response, expected[ROLES.index(role)])


def test_the_matrices_cover_every_cohorts_endpoint(app):
    from tests.cohorts.test_group_access import MATRIX as GROUP_MATRIX

    assert_matrix_covers(app, MATRIX + GROUP_MATRIX, {"cohorts", "cohorts_api"},
                         cohort=1, enrolment=1, group=1)
