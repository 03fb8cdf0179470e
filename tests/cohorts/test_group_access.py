"""Who may use each page and endpoint of project groups and the schedule: URL x role -> status."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from certify.cohorts import groups
from certify.extensions import db
from tests.cohorts.conftest import enrol
from tests.factories import make_person

ROLES = ("anonymous", "official", "other_official", "tutor", "other_tutor", "manager")
LOGIN = "login"  # a redirect to the sign-in page
STAFF_ONLY = (LOGIN, 403, 403, 200, 403, 200)
STAFF_CHANGE = (LOGIN, 403, 403, 302, 403, 302)

# (method, URL, body(world) or None, expected status for each of ROLES).
# "official" is enrolled in the cohort and in {group}; "other_official" is enrolled in another
# cohort; "tutor" tutors the cohort; "other_tutor" tutors another one.
PAGES = [
    ("GET", "/cohorts/{cohort}/groups", None, STAFF_ONLY),
    ("POST", "/cohorts/{cohort}/groups", lambda w: {"name": "Grupo nuevo"}, STAFF_CHANGE),
    ("GET", "/cohorts/{cohort}/groups/{group}", None, STAFF_ONLY),
    ("POST", "/cohorts/{cohort}/groups/{group}/members",
     lambda w: {"add-person_id": w.free[0].id}, STAFF_CHANGE),
    ("POST", "/cohorts/{cohort}/groups/{group}/move",
     lambda w: {"move-person_id": w.member.id, "move-to_group_id": w.other_group.id,
                "move-reason": "Equilibrar"}, STAFF_CHANGE),
    ("POST", "/cohorts/{cohort}/groups/{group}/remove",
     lambda w: {"remove-person_id": w.member.id, "remove-reason": "Se retiró"}, STAFF_CHANGE),
    ("GET", "/cohorts/{cohort}/groups/suggest", None, STAFF_ONLY),
    ("POST", "/cohorts/{cohort}/groups/suggest",
     lambda w: {"min_size": "3", "max_size": "6", "layout": w.layout}, STAFF_CHANGE),
    ("GET", "/cohorts/{cohort}/schedule", None, STAFF_ONLY),
    ("POST", "/cohorts/{cohort}/schedule",
     lambda w: {"modules-0-module_id": str(w.module.id), "modules-0-opens_on": "2026-03-02",
                "modules-0-due_on": "2026-03-31", "project_due_at": "2026-07-10T18:00"},
     (LOGIN, 403, 403, 403, 403, 302)),
    ("GET", "/my-programme/{cohort}/group", None, (LOGIN, 200, 403, 403, 403, 403)),
]
API = [
    ("GET", "/api/v1/cohorts/{cohort}/groups", None, (401, 403, 403, 200, 403, 200)),
    ("POST", "/api/v1/cohorts/{cohort}/groups", lambda w: {"name": "Grupo nuevo"},
     (401, 403, 403, 201, 403, 201)),
    ("POST", "/api/v1/groups/{group}/members", lambda w: {"person_id": w.free[0].id},
     (401, 403, 403, 201, 403, 201)),
    ("GET", "/api/v1/cohorts/{cohort}/schedule", None, (401, 200, 403, 200, 403, 200)),
]
MATRIX = PAGES + API


@pytest.fixture
def world(small_programme, cohort, enrolled, official, tutor, other_tutor, other_cohort,
          manager):
    member = enrol(cohort, make_person()).person
    group = groups.create_group(cohort, "Grupo 1", by=tutor)
    other_group = groups.create_group(cohort, "Grupo 2", by=tutor)
    for person in (official, member):
        groups.add_member(group, person, by=tutor)
    db.session.commit()
    free = [enrol(cohort, make_person()).person for _ in range(3)]
    other_official = make_person()
    enrol(other_cohort, other_official)
    layout = ";".join(",".join(str(p.id) for p in g) for g in groups.suggest_groups(cohort))
    return SimpleNamespace(
        cohort=cohort, group=group, other_group=other_group, member=member, free=free,
        layout=layout, module=small_programme.modules[0],
        people={"official": official, "other_official": other_official, "tutor": tutor,
                "other_tutor": other_tutor, "manager": manager},
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, url, body, expected", MATRIX,
                         ids=[f"{method} {url}" for method, url, _b, _e in MATRIX])
def test_access(client, login_as, bearer, world, role, method, url, body, expected):
    url = url.format(cohort=world.cohort.id, group=world.group.id)
    person = world.people.get(role)
    options = {}
    if url.startswith("/api/"):
        if person is not None:
            options["headers"] = bearer(person)
        if body:
            options["json"] = body(world)
    else:
        if person is not None:
            login_as(person)
        if body:
            options["data"] = body(world)
    response = client.open(url, method=method, **options)
    wanted = expected[ROLES.index(role)]
    if wanted == LOGIN:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == wanted, response.get_data(as_text=True)[:800]
