"""Who may use each page and endpoint of the surveys area: URL x role -> status."""

from __future__ import annotations

import pytest

ROLES = ("anonymous", "official", "other_official", "tutor", "other_tutor", "manager")
LOGIN = "login"  # a redirect to the sign-in page
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
@pytest.mark.parametrize("method, url, body, expected", MATRIX,
                         ids=[f"{method} {url}" for method, url, _b, _e in MATRIX])
def test_access(client, login_as, bearer, world, role, method, url, body, expected):
    url = url.format(cohort=world.cohort.id, survey=world.survey.id)
    person = world.people.get(role)
    options = {}
    if url.startswith("/api/"):
        if person is not None:
            options["headers"] = bearer(person)
        if body:
            options["json"] = body
    else:
        if person is not None:
            login_as(person)
        if body:
            options["data"] = body
    response = client.open(url, method=method, **options)
    wanted = expected[ROLES.index(role)]
    if wanted == LOGIN:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == wanted, response.get_data(as_text=True)[:800]


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
    adapter = app.url_map.bind("certify.test")
    covered = {(adapter.match(url.format(cohort=1, survey=1), method=method)[0], method)
               for method, url, _body, _expected in MATRIX}
    endpoints = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                 if rule.endpoint.split(".")[0] in {"surveys", "surveys_api"}
                 for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert endpoints and endpoints == covered
