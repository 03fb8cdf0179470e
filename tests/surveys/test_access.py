"""Who may use each page and endpoint of the surveys area: URL x role -> status."""

from __future__ import annotations

import pytest

from tests.access_matrix import LOGIN, assert_access, assert_matrix_covers, matrix_ids, request_as

# Who may see what is decided in Python, not by the database: SQLite only.
pytestmark = pytest.mark.one_database

ROLES = ("anonymous", "official", "other_official", "tutor", "other_tutor", "manager")
ANSWERS = {"overall": 5, "content": 4}

# (method, URL, body or None, expected status for each of ROLES). "official" is actively
# enrolled in the survey's cohort, "other_official" in another cohort; "tutor" tutors the
# survey's cohort, "other_tutor" the other one.
PAGES = [
    ("GET", "/my-surveys", None, (LOGIN, 200, 200, 403, 403, 403)),
    ("GET", "/surveys/{survey}", None, (LOGIN, 200, 403, 403, 403, 403)),
    ("POST", "/surveys/{survey}", {"item_overall": "5", "item_content": "4"},
     (LOGIN, 302, 403, 403, 403, 403)),
    ("GET", "/cohorts/{cohort}/surveys", None, (LOGIN, 403, 403, 200, 403, 200)),
    ("GET", "/cohorts/{cohort}/surveys/summary.csv", None, (LOGIN, 403, 403, 200, 403, 200)),
    ("GET", "/cohorts/{cohort}/surveys/answers.csv", None, (LOGIN, 403, 403, 200, 403, 200)),
    ("GET", "/surveys/{survey}/window", None, (LOGIN, 403, 403, 403, 403, 200)),
    ("POST", "/surveys/{survey}/window", {"opens_at": "2026-01-05T09:00", "closes_at": ""},
     (LOGIN, 403, 403, 403, 403, 302)),
]
API = [
    ("GET", "/api/v1/surveys", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/surveys/{survey}", None, (401, 200, 403, 200, 403, 200)),
    ("PUT", "/api/v1/surveys/{survey}/response", {"answers": ANSWERS},
     (401, 201, 403, 403, 403, 403)),
    ("GET", "/api/v1/surveys/{survey}/summary", None, (401, 403, 403, 200, 403, 200)),
]
MATRIX = PAGES + API


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, url, body, expected", MATRIX, ids=matrix_ids(MATRIX))
def test_access(client, login_as, bearer, world, role, method, url, body, expected):
    url = url.format(cohort=world.cohort.id, survey=world.survey.id)
    response = request_as(client, login_as, bearer, world.people.get(role), method, url, body)
    assert_access(response, expected[ROLES.index(role)])


def test_an_official_only_ever_sees_their_own_answers(client, bearer, world):
    from tests.surveys.conftest import answer

    answer(world.survey, world.people["official"], overall=2, content=2, improve="Mío")
    stranger = world.people["other_official"]
    mine = client.get(f"/api/v1/surveys/{world.survey.id}",
                      headers=bearer(world.people["official"]))
    assert mine.json["my_response"]["answers"]["improve"] == "Mío"
    listed = client.get("/api/v1/surveys", headers=bearer(stranger)).json
    assert world.survey.id not in {s["id"] for s in listed}
    assert all(s["answered"] is False for s in listed)


def test_the_matrix_covers_every_surveys_endpoint(app):
    assert_matrix_covers(app, MATRIX, {"surveys", "surveys_api"}, cohort=1, survey=1)
