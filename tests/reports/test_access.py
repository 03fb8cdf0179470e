"""Who may use each page and endpoint of the reports area: managers and administrators only."""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

import pytest

from certify.extensions import db
from certify.reports.targets import set_milestone, set_target
from tests.access_matrix import LOGIN, assert_access, assert_matrix_covers, matrix_ids, request_as
from tests.factories import make_person
from tests.reports.conftest import make_programme

# Who may see what is decided in Python, not by the database: SQLite only.
pytestmark = pytest.mark.one_database

ROLES = ("anonymous", "official", "tutor", "manager", "admin")
PAGE = (LOGIN, 403, 403, 200, 200)
ACTION = (LOGIN, 403, 403, 302, 302)
API = (401, 403, 403, 200, 200)

MATRIX = [
    ("GET", "/reports", None, PAGE),
    ("GET", "/reports/places?level=municipality", None, PAGE),
    ("GET", "/reports/funnel", None, PAGE),
    ("GET", "/reports/attendance", None, PAGE),
    ("GET", "/reports/equity", None, PAGE),
    ("GET", "/reports/targets?programme_id={programme}", None, PAGE),
    ("POST", "/reports/targets?programme_id={programme}", lambda w: {
        "certified": "200", "starts_on": "2026-01-01", "due_on": "2029-12-31"}, ACTION),
    ("POST", "/reports/targets/milestones?programme_id={programme}", lambda w: {
        "year": "2027", "certified": "50"}, ACTION),
    ("POST", "/reports/targets/milestones/2026/delete?programme_id={programme}", lambda w: {},
     ACTION),
    ("POST", "/reports/targets/distribute?programme_id={programme}", lambda w: {
        "level": "region", "basis": "equal", "rural_weight": "1.5", "urban_weight": "1"},
     ACTION),
    ("POST", "/reports/refresh?programme_id={programme}", lambda w: {}, ACTION),
    ("GET", "/reports/targets/allocations?programme_id={programme}", None, PAGE),
    ("POST", "/reports/targets/allocations?programme_id={programme}", lambda w: {
        f"quota-{w.region}": "10"}, ACTION),
    ("GET", "/reports/targets/import", None, PAGE),
    ("POST", "/reports/targets/import", lambda w: {"file": (io.BytesIO(
        b"level,programme,certified,starts_on,due_on\n"
        b"target,ACC,300,2026-01-01,2029-12-31\n"), "plan.csv")}, PAGE),
    ("GET", "/reports/targets/template.csv", None, PAGE),
    ("GET", "/reports/baseline", None, PAGE),
    ("POST", "/reports/baseline", lambda w: {
        "dimension": "area", "share-rural": "30", "share-urban": "70",
        "area-source": "Encuesta de empleo público 2025"}, ACTION),
    ("POST", "/reports/baseline/area/reset", lambda w: {}, ACTION),
    ("GET", "/reports/register.csv?programme_id={programme}", None, PAGE),
    ("POST", "/reports/register.csv?programme_id={programme}", lambda w: {}, PAGE),
]
for name in ("progress", "progress.csv", "pace.csv", "regions", "regions.csv",
             "municipalities", "municipalities.csv", "funnel", "funnel.csv", "attendance",
             "attendance.csv", "satisfaction.csv", "equity", "equity.csv", "register",
             "register.csv", "targets/{programme}", "targets/{programme}.csv", "baseline"):
    MATRIX.append(("GET", f"/api/v1/reports/{name}", None, API))


@pytest.fixture
def world(places, official, tutor, manager, admin):
    programme = make_programme("ACC")
    target = set_target(programme, certified=100, starts_on=date(2026, 1, 1),
                        due_on=date(2029, 12, 31), actor=None)
    set_milestone(target, year=2026, certified=10)
    db.session.commit()
    return SimpleNamespace(programme=programme, region=places.melipeuco.region_id, people={
        "official": official, "tutor": tutor, "manager": manager, "admin": admin})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, url, body, expected", MATRIX, ids=matrix_ids(MATRIX))
def test_access(client, login_as, bearer, world, role, method, url, body, expected):
    url = url.format(programme=world.programme.id)
    response = request_as(client, login_as, bearer, world.people.get(role), method, url,
                          body(world) if body else None)
    assert_access(response, expected[ROLES.index(role)])


def test_the_matrix_covers_every_reports_endpoint(app):
    paths = [(method, url.split("?")[0], body, expected)  # the query string is not routed
             for method, url, body, expected in MATRIX]
    assert_matrix_covers(app, paths, {"reports", "reports_api"}, programme=1)


def test_someone_without_a_role_sees_nothing(client, login_as):
    login_as(make_person(None))
    assert client.get("/reports").status_code == 403
