"""The reports API: every figure as JSON and as CSV, the filters checked, the register streamed."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from certify.extensions import db
from certify.reports.allocations import Quota, set_allocations
from certify.reports.models import AllocationLevel
from certify.reports.targets import set_milestone, set_target


@pytest.fixture
def api(client, bearer, known):
    """GET ``/api/v1/reports/<path>`` as the manager of ``known``."""
    headers = bearer(known.manager)

    def get(path: str, **query):
        query.setdefault("programme_id", known.programme.id)
        return client.get(f"/api/v1/reports/{path}", query_string=query, headers=headers)

    return get


@pytest.fixture
def planned(known):
    target = set_target(known.programme, certified=100, starts_on=date(2026, 1, 1),
                        due_on=date(2029, 12, 31), actor=None)
    set_milestone(target, year=2026, certified=40)
    set_allocations(target, AllocationLevel.REGION, {known.places.melipeuco.region_id: Quota(60)})
    db.session.commit()
    return known


def rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment; filename=nat-" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_progress_as_json(api, planned):
    body = api("progress").json
    assert body["programme"]["code"] == "NAT" and body["certified"] == 2
    assert body["target"]["certified"] == 100
    assert body["target"]["milestones"] == [{"year": 2026, "certified": 40}]
    pace = body["pace"]
    assert pace["standing"] in {"behind", "on_track"} and pace["remaining"] == 98
    assert [recent["months"] for recent in pace["recent"]] == [3, 12]
    months = {month["month"]: month for month in body["months"]}
    assert months["2026-06"]["certified"] == 1 and months["2029-12"]["target"] == 100


def test_progress_and_pace_as_csv(api, planned):
    table = rows(api("progress.csv"))
    assert table[0] == ["month", "certified", "cumulative", "target_path"]
    assert ["2026-11", "1", "2", table[11][3]] == table[11]
    figures = {row[0]: row[1] for row in rows(api("pace.csv"))[1:]}
    assert (figures["target"], figures["certified"], figures["remaining"]) == ("100", "2", "98")
    assert "forecast_last_3_months" in figures


def test_regions_and_municipalities(api, planned):
    regions = api("regions", sort="certified", descending="true").json
    assert regions["rows"][0]["name"] == "La Araucanía"
    assert (regions["rows"][0]["target"], regions["rows"][0]["percent"]) == (60, 3.3)
    assert (regions["count"], regions["certified"], regions["pipeline"]) == (3, 2, 5)
    page = api("municipalities", per_page=2, page=2, sort="name").json
    assert [row["name"] for row in page["rows"]] == ["Peñalolén", "Tupambaé"]
    assert page["pages"] == 2
    table = rows(api("municipalities.csv", sort="name"))
    assert table[0][:4] == ["level", "id", "name", "region"] and len(table) == 5


def test_funnel_attendance_and_equity(api, known):
    steps = api("funnel").json["steps"]
    assert [(step["step"], step["people"]) for step in steps] == [
        ("enrolled", 8), ("virtual_modules", 5), ("in_person", 4), ("prototype", 3),
        ("certified", 2)]
    assert rows(api("funnel.csv", lang="en"))[2][:4] == ["virtual_modules",
                                                         "Virtual modules passed", "5", "3"]
    attendance = api("attendance").json
    assert attendance["overall"]["walk_ins"] == 1 and attendance["overall"]["no_shows"] == 1
    assert attendance["satisfaction"]["overall"]["average"] == 3.6
    assert rows(api("attendance.csv"))[-1][1] == "total"
    assert rows(api("satisfaction.csv"))[1][:2] == ["module", "M1"]
    dimensions = {d["dimension"]: d for d in api("equity").json["dimensions"]}
    assert dimensions["gender"]["baseline_illustrative"] is True
    female = next(row for row in dimensions["gender"]["rows"] if row["key"] == "female")
    assert (female["certified"], female["baseline_percent"], female["gap_points"]) == (
        2, 58.0, 42.0)
    equity_rows = rows(api("equity.csv"))
    assert equity_rows[0][:4] == ["dimension", "dimension_label", "group", "group_label"]


def test_the_register_as_json_and_streamed_csv(api, known):
    body = api("register", per_page=2).json
    assert body["count"] == 3 and len(body["entries"]) == 2
    assert body["entries"][0]["status"] == "revoked"
    live = api("register", status="live").json
    assert [entry["status"] for entry in live["entries"]] == ["live", "live"]
    response = api("register.csv")
    assert response.is_streamed
    table = rows(response)
    assert table[0] == ["serial", "name", "municipality", "region", "country", "programme",
                        "programme_title", "issued_on", "status"]
    assert table[2][1:5] == [known.people.ana.full_name, "Melipeuco", "La Araucanía", "CL"]
    assert table[2][7:] == ["2026-06-15", "live"]


def test_targets_and_baseline(api, planned):
    programme_id = planned.programme.id
    body = api(f"targets/{programme_id}").json
    assert body["allocations"]["regions_difference"] == -40
    plan = rows(api(f"targets/{programme_id}.csv"))
    assert plan[1][:2] == ["target", "NAT"]
    assert {d["dimension"] for d in api("baseline").json["dimensions"]} == {
        "gender", "age_band", "area", "region"}


def test_a_programme_without_a_target_has_none_to_show(api, known):
    assert api(f"targets/{known.programme.id}").status_code == 404


@pytest.mark.parametrize(("query", "field"), [
    ({"programme_id": 9999}, "programme_id"),
    ({"country": "ZZ"}, "country"),
    ({"country": "UY", "region_id": "{araucania}"}, "region_id"),
    ({"kind": "suburban"}, "kind"),
    ({"year": 1999}, "year"),
    ({"cohort_id": 9999}, "cohort_id"),
])
def test_a_wrong_filter_is_a_422_naming_it(api, known, query, field):
    query = {key: str(value).format(araucania=known.places.melipeuco.region_id)
             for key, value in query.items()}
    response = api("funnel", **query)
    assert response.status_code == 422
    assert response.json["code"] == "validation_error"
    assert list(response.json["errors"]) == [f"query.{field}"]


def test_figures_need_a_manager(client, bearer, known):
    response = client.get("/api/v1/reports/progress", headers=bearer(known.people.ana))
    assert response.status_code == 403 and response.json["code"] == "forbidden"
