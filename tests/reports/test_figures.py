"""Every figure of the dashboard on the small world of ``known``, worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from certify.extensions import db
from certify.reports.allocations import Quota, set_allocations
from certify.reports.attendance import attendance_report
from certify.reports.equity import equity
from certify.reports.funnel import funnel
from certify.reports.models import AllocationLevel
from certify.reports.pace import Standing
from certify.reports.places import PlaceSort, places_table
from certify.reports.progress import certified_progress
from certify.reports.register import RegisterStatus, register_count, register_entries
from certify.reports.scope import make_scope
from certify.reports.targets import set_milestone, set_target
from tests.reports.conftest import TODAY


@pytest.fixture
def planned(known):
    """100 agents from 2026 to 2027, 40 by the end of 2026; quotas by region and municipality."""
    p = known.places
    target = set_target(known.programme, certified=100, starts_on=date(2026, 1, 1),
                        due_on=date(2027, 12, 31), actor=known.manager)
    set_milestone(target, year=2026, certified=40)
    set_allocations(target, AllocationLevel.REGION, {
        p.melipeuco.region_id: Quota(60), p.penalolen.region_id: Quota(30),
        p.tupambae.region_id: Quota(10)})
    set_allocations(target, AllocationLevel.MUNICIPALITY, {
        p.melipeuco.id: Quota(40, Decimal("1.5")), p.curarrehue.id: Quota(15),
        p.penalolen.id: Quota(30), p.tupambae.id: Quota(10)})
    db.session.commit()
    return known


def scope_of(world, **filters):
    return make_scope(programme_id=world.programme.id, **filters)


# --- progress and pace -------------------------------------------------------------------------

def test_certified_to_date_counts_live_certificates_only(planned):
    progress = certified_progress(scope_of(planned), today=TODAY)
    assert progress.certified == 2  # ana and bea; hugo's was revoked
    pace = progress.pace
    assert (pace.target, pace.expected, pace.gap) == (100, 40, -38)
    assert pace.standing is Standing.BEHIND
    assert pace.months_left == 12 and pace.needed_per_month == 9  # ceil(98 / 12)


def test_recent_pace_and_forecasts_with_a_fixed_today(planned):
    pace = certified_progress(scope_of(planned), today=TODAY).pace
    last3, last12 = pace.recent_pace(3), pace.recent_pace(12)
    assert (last3.certified, last3.per_month) == (1, Decimal("0.3"))  # bea, 20 Nov
    assert last3.forecast == date(2051, 6, 30)  # 98 more at 1 every 3 months: 294 months
    assert last12.certified == 2 and last12.per_month == Decimal("0.2")
    assert last12.forecast == date(2075, 12, 31)  # 98 more at 2 a year
    assert last3.in_time is False and last12.in_time is False


def test_a_certificate_issued_after_today_is_not_counted_yet(planned):
    assert certified_progress(scope_of(planned), today=date(2026, 11, 19)).certified == 1


def test_the_monthly_series_runs_from_the_start_to_the_due_date(planned):
    months = certified_progress(scope_of(planned), today=TODAY).months
    assert months[0].month == date(2026, 1, 1) and months[-1].month == date(2027, 12, 1)
    assert len(months) == 24
    by_month = {point.month: point for point in months}
    assert by_month[date(2026, 1, 1)].certified == 0  # hugo's, revoked
    assert by_month[date(2026, 6, 1)].certified == 1
    assert by_month[date(2026, 11, 1)].cumulative == 2
    assert by_month[date(2026, 12, 1)].target == 40  # the milestone
    assert by_month[date(2026, 1, 1)].target == 3  # 40 * 30 / 364, rounded
    assert by_month[date(2027, 12, 1)].target == 100
    assert by_month[date(2027, 1, 1)].cumulative is None  # still to come


def test_progress_follows_the_filters(planned):
    p = planned.places
    assert certified_progress(scope_of(planned, kind="urban"), today=TODAY).certified == 0
    assert certified_progress(scope_of(planned, region_id=p.melipeuco.region_id),
                              today=TODAY).certified == 2
    assert certified_progress(scope_of(planned, year=2027), today=TODAY).certified == 0


def test_without_a_target_there_is_no_pace(known):
    progress = certified_progress(scope_of(known), today=TODAY)
    assert progress.target is None and progress.pace.standing is Standing.NO_TARGET
    assert progress.pace.needed_per_month is None


# --- regions and municipalities ----------------------------------------------------------------

def test_regions_have_quota_certified_percent_and_pipeline(planned):
    table = places_table(scope_of(planned), AllocationLevel.REGION, today=TODAY)
    rows = {row.name: row for row in table.rows}
    araucania = rows["La Araucanía"]
    assert (araucania.target, araucania.certified, araucania.pipeline) == (60, 2, 1)  # dora
    assert araucania.percent == 3.3 and araucania.gap == 58
    assert (rows["Metropolitana"].certified, rows["Metropolitana"].pipeline) == (0, 3)
    assert rows["Cerro Largo"].pipeline == 1  # eva; gabi withdrew
    assert (table.target, table.certified, table.pipeline, table.unplaced) == (100, 2, 5, 0)


def test_municipalities_sort_and_page_in_the_database(planned):
    scope = scope_of(planned)
    table = places_table(scope, AllocationLevel.MUNICIPALITY, sort=PlaceSort.PIPELINE,
                         descending=True, per_page=2, today=TODAY)
    assert [row.name for row in table.rows] == ["Peñalolén", "Curarrehue"]
    assert (table.count, table.pages, table.target) == (4, 2, 95)
    second = places_table(scope, AllocationLevel.MUNICIPALITY, sort=PlaceSort.PIPELINE,
                          descending=True, page=2, per_page=2, today=TODAY)
    assert [row.name for row in second.rows] == ["Tupambaé", "Melipeuco"]
    by_percent = places_table(scope, AllocationLevel.MUNICIPALITY, sort=PlaceSort.PERCENT,
                              descending=True, today=TODAY)
    assert by_percent.rows[0].name == "Melipeuco" and by_percent.rows[0].percent == 5.0


def test_places_follow_the_filters(planned):
    rural = places_table(scope_of(planned, kind="rural"), AllocationLevel.MUNICIPALITY,
                         today=TODAY)
    assert {row.name for row in rural.rows} == {"Melipeuco", "Curarrehue", "Tupambaé"}
    assert rural.unplaced is None
    uruguay = places_table(scope_of(planned, country="UY"), AllocationLevel.REGION, today=TODAY)
    assert [(row.name, row.target, row.pipeline) for row in uruguay.rows] == [
        ("Cerro Largo", 10, 1)]
    # A region filtered by kind counts its municipalities' quotas of that kind.
    rural_regions = places_table(scope_of(planned, kind="rural"), AllocationLevel.REGION,
                                 today=TODAY)
    assert {row.name: row.target for row in rural_regions.rows}["La Araucanía"] == 55
    later = places_table(scope_of(planned, cohort_id=planned.later.id), AllocationLevel.REGION,
                         today=TODAY)
    assert {row.name: row.pipeline for row in later.rows}["Metropolitana"] == 1  # fede


def test_a_page_past_the_end_still_has_the_sums(planned):
    table = places_table(scope_of(planned), AllocationLevel.REGION, page=9, today=TODAY)
    assert table.rows == [] and (table.count, table.certified) == (3, 2)


# --- funnel ------------------------------------------------------------------------------------

def test_the_funnel_counts_each_step_with_the_steps_before(known):
    steps = funnel(scope_of(known))
    assert [step.people for step in steps] == [8, 5, 4, 3, 2]
    assert [step.dropped for step in steps] == [None, 3, 1, 1, 1]
    assert steps[1].share_of_previous == Decimal("62.5")
    assert steps[4].share_of_enrolled == Decimal("25.0")


def test_the_funnel_follows_the_filters(known):
    assert [s.people for s in funnel(scope_of(known, kind="urban"))] == [3, 2, 2, 1, 0]
    assert [s.people for s in funnel(scope_of(known, cohort_id=known.later.id))] == [1, 0, 0, 0, 0]


def test_filtered_by_cohort_the_funnel_counts_only_those_cohorts_certificates(known):
    """fede, enrolled in 2027 with nothing done, holds a certificate of the 2026 cohort (a
    historical one): it is counted apart for the whole programme, not at all for 2027."""
    from tests.reports.conftest import certify_person

    certify_person(known.people.fede, known.cohort, date(2026, 5, 4))
    assert funnel(scope_of(known))[-1].apart == 1
    for scope in (scope_of(known, year=2027), scope_of(known, cohort_id=known.later.id)):
        steps = funnel(scope)
        assert [s.people for s in steps] == [1, 0, 0, 0, 0] and steps[-1].apart == 0
    # The 2026 cohort's own certificates still count for 2026.
    assert [s.people for s in funnel(scope_of(known, year=2026))] == [7, 5, 4, 3, 2]


def test_the_current_period_is_that_of_the_cohorts_running(known):
    from certify.reports.funnel import current_period

    assert current_period(known.programme, date(2026, 12, 31)) == 2026
    assert current_period(known.programme, date(2027, 3, 1)) == 2027
    assert current_period(known.programme, date(2025, 6, 1)) == 2026  # the first to come


# --- attendance and satisfaction ---------------------------------------------------------------

def test_session_figures_count_seats_walk_ins_and_no_shows(known):
    report = attendance_report(scope_of(known))
    figures = report.sessions[0].figures
    assert (figures.registered, figures.attended, figures.walk_ins, figures.no_shows,
            figures.waitlisted) == (4, 4, 1, 1, 1)
    assert figures.attendance_rate == 0.75
    assert report.overall == figures


def test_satisfaction_averages_per_module_question_and_overall(known):
    report = attendance_report(scope_of(known))
    assert [(s.key, s.responses, s.average) for s in report.by_module] == [
        ("M1", 2, Decimal("4.00")), ("M2", 1, Decimal("2.00"))]
    assert [(s.key, s.answers, s.average) for s in report.by_question] == [
        ("overall", 3, Decimal("3.33")), ("relevance", 2, Decimal("4.00"))]
    assert report.satisfaction.average == Decimal("3.60") and report.satisfaction.responses == 3


def test_attendance_and_satisfaction_follow_place_filters(known):
    urban = attendance_report(scope_of(known, kind="urban"))
    assert urban.overall.registered == 2 and urban.overall.attended == 2  # carlos, hugo
    assert [(s.key, s.average) for s in urban.by_module] == [("M2", Decimal("2.00"))]


# --- equity ------------------------------------------------------------------------------------

def rows_of(dimensions, name):
    return {row.key: row for row in next(d for d in dimensions if d.dimension == name).rows}


def test_equity_bands_and_shares_beside_the_baseline(known):
    dimensions = equity(scope_of(known), today=TODAY)
    bands = rows_of(dimensions, "age_band")
    assert {key: row.enrolled for key, row in bands.items()} == {
        "under_25": 1, "25_34": 1, "35_44": 2, "45_54": 2, "55_plus": 2}
    assert (bands["25_34"].certified, bands["35_44"].certified) == (1, 1)  # bea 27, ana 36
    gender = rows_of(dimensions, "gender")
    assert gender["female"].certified_share == Decimal("100.0")
    assert gender["female"].enrolled_share == Decimal("50.0")
    assert gender["female"].baseline == Decimal("58.0") and gender["female"].gap == Decimal("42.0")
    assert gender["male"].certification_rate == Decimal("0.0")
    area = rows_of(dimensions, "area")
    assert (area["rural"].enrolled, area["urban"].enrolled) == (5, 3)
    regions = rows_of(dimensions, "region")
    assert regions[str(known.places.melipeuco.region_id)].name == "La Araucanía (CL)"
    assert all(d.illustrative for d in dimensions)


def test_age_bands_follow_the_year(known):
    bands = rows_of(equity(scope_of(known), today=date(2029, 1, 1)), "age_band")
    assert bands["under_25"].enrolled == 0  # dora is 26 in 2029
    assert bands["25_34"].enrolled == 2


def test_equity_follows_the_filters(known):
    dimensions = equity(scope_of(known, kind="urban"), today=TODAY)
    assert sum(row.enrolled for row in rows_of(dimensions, "gender").values()) == 3
    assert rows_of(dimensions, "area")["urban"].certified_share is None  # nobody certified


# --- the register ------------------------------------------------------------------------------

def test_the_register_lists_live_and_revoked_certificates_oldest_first(known):
    scope = scope_of(known)
    entries = list(register_entries(scope))
    assert [entry.name for entry in entries] == [
        known.people.hugo.full_name, known.people.ana.full_name, known.people.bea.full_name]
    assert [entry.status for entry in entries] == [RegisterStatus.REVOKED, RegisterStatus.LIVE,
                                                   RegisterStatus.LIVE]
    assert (entries[1].municipality, entries[1].region, entries[1].country) == (
        "Melipeuco", "La Araucanía", "CL")
    assert register_count(scope, status=RegisterStatus.LIVE) == 2
    assert len(list(register_entries(scope, offset=1, limit=1))) == 1


def test_places_without_a_target_have_no_quota(known):
    table = places_table(scope_of(known), AllocationLevel.REGION, sort=PlaceSort.PERCENT,
                         today=TODAY)
    assert table.target == 0 and all(row.target is None and row.percent is None
                                     for row in table.rows)
    assert table.certified == 2
