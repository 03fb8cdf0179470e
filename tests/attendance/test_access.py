"""Who may use each page and endpoint of the attendance area: URL x role -> status."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from certify.accounts.models import Role
from certify.attendance import services
from certify.extensions import db
from tests.access_matrix import LOGIN, assert_access, assert_matrix_covers, matrix_ids, request_as
from tests.attendance.conftest import in_person, make_session
from tests.factories import enrol, make_municipality, make_person

# Who may see what is decided in Python, not by the database: SQLite only.
pytestmark = pytest.mark.one_database

ROLES = ("anonymous", "official", "other_official", "tutor", "other_tutor", "manager")

# (method, URL, body(world) or None, expected status for each of ROLES).
# "official" is enrolled in the cohort and registered for {session}; "other_official" is
# enrolled in another cohort; "tutor" tutors the cohort, "other_tutor" another one.
# {started} is a session of the cohort under way, for what happens at the door.
PAGES = [
    ("GET", "/sessions", None, (LOGIN, 200, 200, 200, 200, 200)),
    ("GET", "/sessions/new", None, (LOGIN, 403, 403, 403, 403, 200)),
    ("POST", "/sessions/new", lambda w: {
        "cohort_id": w.cohort.id, "module_id": w.module.id, "title": "Nueva",
        "starts_at": "2027-01-05T09:00", "ends_at": "2027-01-05T17:00", "venue": "GAM",
        "capacity": "10"}, (LOGIN, 403, 403, 403, 403, 302)),
    ("GET", "/sessions/{session}", None, (LOGIN, 200, 403, 200, 403, 200)),
    ("GET", "/sessions/{session}/edit", None, (LOGIN, 403, 403, 403, 403, 200)),
    ("POST", "/sessions/{session}/edit", lambda w: {
        "title": "Otra", "starts_at": "2027-01-05T09:00", "ends_at": "2027-01-05T17:00",
        "venue": "GAM", "capacity": "10"}, (LOGIN, 403, 403, 403, 403, 302)),
    ("POST", "/sessions/{session}/register", None, (LOGIN, 302, 403, 403, 403, 403)),
    ("POST", "/registrations/{registration}/cancel", None, (LOGIN, 302, 404, 403, 403, 403)),
    ("GET", "/registrations/{registration}/ticket", None, (LOGIN, 200, 404, 404, 404, 404)),
    ("GET", "/sessions/{started}/check-in", None, (LOGIN, 403, 403, 200, 403, 200)),
    ("POST", "/sessions/{started}/check-in/attendance", lambda w: {
        "registration_id": w.seat.id, "status": "present"}, (LOGIN, 403, 403, 302, 403, 302)),
    ("POST", "/sessions/{started}/walk-ins", lambda w: {"person_id": w.newcomer.id},
     (LOGIN, 403, 403, 302, 403, 302)),
    ("POST", "/sessions/{started}/walk-ins/new", lambda w: {
        "given_names": "Nueva", "family_names": "Persona", "email": "nueva@example.org",
        "municipality_id": w.municipality.id}, (LOGIN, 403, 403, 302, 403, 302)),
    ("POST", "/sessions/{started}/close", None, (LOGIN, 403, 403, 302, 403, 302)),
]
API = [
    ("GET", "/api/v1/sessions", None, (401, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/sessions", lambda w: {
        "cohort_id": w.cohort.id, "module_id": w.module.id, "title": "Nueva",
        "starts_at": "2027-01-05T09:00:00-03:00", "ends_at": "2027-01-05T17:00:00-03:00",
        "venue": "GAM", "capacity": 10}, (401, 403, 403, 403, 403, 201)),
    ("GET", "/api/v1/sessions/{session}", None, (401, 200, 403, 200, 403, 200)),
    ("PATCH", "/api/v1/sessions/{session}", lambda w: {"title": "Otra"},
     (401, 403, 403, 403, 403, 200)),
    ("GET", "/api/v1/sessions/{session}/registrations", None, (401, 403, 403, 200, 403, 200)),
    ("POST", "/api/v1/sessions/{session}/registrations", None, (401, 200, 403, 403, 403, 403)),
    ("DELETE", "/api/v1/registrations/{registration}", None, (401, 204, 404, 403, 403, 403)),
    ("POST", "/api/v1/sessions/{started}/check-ins", lambda w: {
        "person_id": w.people["official"].id, "status": "present"},
     (401, 403, 403, 201, 403, 201)),
]
MATRIX = PAGES + API


@pytest.fixture
def world(small_programme, cohort, other_cohort, enrolled, tutor, other_tutor, manager):
    other_official = make_person(Role.OFFICIAL, given_names="Otro", family_names="Funcionario")
    enrol(other_cohort, other_official)
    session = make_session(cohort)
    started = make_session(cohort, title="En curso", starts_in=-timedelta(minutes=5))
    registration = services.register(session, enrolled)
    seat = services.register(started, enrolled, now=started.starts_at - timedelta(days=1))
    db.session.commit()
    return SimpleNamespace(
        cohort=cohort, module=in_person(small_programme), session=session, started=started,
        registration=registration, seat=seat, newcomer=make_person(),
        municipality=make_municipality("Tupambaé", country="UY"),
        people={"official": enrolled, "other_official": other_official, "tutor": tutor,
                "other_tutor": other_tutor, "manager": manager},
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, url, body, expected", MATRIX, ids=matrix_ids(MATRIX))
def test_access(client, login_as, bearer, world, role, method, url, body, expected):
    url = url.format(session=world.session.id, started=world.started.id,
                     registration=world.registration.id)
    response = request_as(client, login_as, bearer, world.people.get(role), method, url,
                          body(world) if body else None)
    assert_access(response, expected[ROLES.index(role)])


def test_the_matrix_covers_every_attendance_endpoint(app):
    assert_matrix_covers(app, MATRIX, {"attendance", "attendance_api"},
                         session=1, started=2, registration=1)
