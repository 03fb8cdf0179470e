"""Who may use each page and endpoint of project groups and the schedule: URL x role -> status."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from certify.cohorts import groups
from certify.extensions import db
from tests.access_matrix import LOGIN, assert_access, matrix_ids, request_as
from tests.factories import enrol, make_person

# Who may see what is decided in Python, not by the database: SQLite only.
pytestmark = pytest.mark.one_database

ROLES = ("anonymous", "official", "other_official", "tutor", "other_tutor", "manager")
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
@pytest.mark.parametrize("method, url, body, expected", MATRIX, ids=matrix_ids(MATRIX))
def test_access(client, login_as, bearer, world, role, method, url, body, expected):
    url = url.format(cohort=world.cohort.id, group=world.group.id)
    response = request_as(client, login_as, bearer, world.people.get(role), method, url,
                          body(world) if body else None)
    assert_access(response, expected[ROLES.index(role)])
