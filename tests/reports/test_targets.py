"""Targets, milestones, the target path, and the pace arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from certify.core.errors import NotFound, ValidationError
from certify.extensions import db
from certify.reports.pace import (
    Standing,
    add_months,
    compute_pace,
    date_after_months,
    months_between,
)
from certify.reports.targets import (
    expected_by,
    remove_milestone,
    set_milestone,
    set_target,
    target_of,
    target_path,
)
from tests.reports.conftest import make_programme


@pytest.fixture
def programme(app):
    return make_programme("TGT")


def target_for(programme, **values):
    values = {"certified": 5000, "starts_on": date(2026, 1, 1), "due_on": date(2029, 12, 31),
              **values}
    target = set_target(programme, actor=None, **values)
    db.session.commit()
    return target


# --- targets and milestones --------------------------------------------------------------------

@pytest.mark.parametrize(("values", "field"), [
    ({"certified": 0}, "certified"),
    ({"certified": -5}, "certified"),
    ({"certified": 10_000_001}, "certified"),
    ({"due_on": date(2025, 12, 31)}, "due_on"),
    ({"due_on": date(2026, 1, 1)}, "due_on"),
])
def test_a_target_needs_a_positive_count_and_a_due_date_after_the_start(programme, values,
                                                                        field):
    with pytest.raises(ValidationError) as caught:
        target_for(programme, **values)
    assert list(caught.value.errors) == [field]
    assert target_of(programme) is None


def test_setting_the_target_again_changes_it(programme):
    target_for(programme)
    target = target_for(programme, certified=6000)
    assert target.certified == 6000 and target_of(programme).id == target.id


def test_milestones_must_fit_the_target_and_never_go_down(programme, english):
    target = target_for(programme)
    set_milestone(target, year=2026, certified=600)
    set_milestone(target, year=2028, certified=3400)
    with pytest.raises(ValidationError, match="outside the target's years"):
        set_milestone(target, year=2030, certified=4000)
    with pytest.raises(ValidationError, match="more than the whole target"):
        set_milestone(target, year=2029, certified=5001)
    with pytest.raises(ValidationError, match="less than the 2026 one"):
        set_milestone(target, year=2027, certified=500)
    with pytest.raises(ValidationError, match="less than the 2027 one"):
        set_milestone(target, year=2027, certified=3500)  # then 2028's 3,400 would go down
    set_milestone(target, year=2027, certified=1800)
    set_milestone(target, year=2027, certified=1900)  # changed, not added
    assert [(m.year, m.certified) for m in target.milestones] == [
        (2026, 600), (2027, 1900), (2028, 3400)]


def test_a_target_change_that_would_strand_a_milestone_is_refused(programme, english):
    target = target_for(programme)
    set_milestone(target, year=2029, certified=5000)
    db.session.commit()
    with pytest.raises(ValidationError) as caught:
        set_target(programme, certified=4000, starts_on=date(2026, 1, 1),
                   due_on=date(2029, 12, 31), actor=None)
    assert "2029 milestone (5000) is more than the whole target (4000)" in \
        caught.value.errors["milestones"][0]
    db.session.rollback()
    assert target_of(programme).certified == 5000


def test_removing_a_milestone(programme):
    target = target_for(programme)
    set_milestone(target, year=2027, certified=1000)
    remove_milestone(target, 2027)
    assert target.milestones == []
    with pytest.raises(NotFound):
        remove_milestone(target, 2027)


def test_the_target_path_runs_through_the_milestones(programme):
    target = target_for(programme, certified=1000, starts_on=date(2026, 1, 1),
                        due_on=date(2027, 12, 31))
    set_milestone(target, year=2026, certified=200)
    points = target_path(target)
    assert points == [(date(2026, 1, 1), 0), (date(2026, 12, 31), 200),
                      (date(2027, 12, 31), 1000)]
    assert expected_by(points, date(2025, 6, 1)) == 0
    assert expected_by(points, date(2026, 7, 2)) == 100  # half of the first year
    assert expected_by(points, date(2027, 7, 2)) == 601  # 200 + 800 * 182 / 365
    assert expected_by(points, date(2031, 1, 1)) == 1000


# --- pace --------------------------------------------------------------------------------------

def test_calendar_months():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), -3) == date(2026, 8, 30)
    assert months_between(date(2026, 12, 31), date(2027, 12, 31)) == 12
    assert months_between(date(2026, 1, 1), date(2026, 1, 16)) == Decimal(15) / Decimal(31)
    assert months_between(date(2026, 3, 1), date(2026, 1, 1)) == -2
    assert date_after_months(date(2026, 1, 1), Decimal("1.5")) == date(2026, 2, 15)  # + 14 of 28


def pace(**values):
    base = {"today": date(2026, 12, 31), "certified": 1000, "recent": {3: 300, 12: 600},
            "target": 5000, "due_on": date(2029, 12, 31), "expected": 1200}
    return compute_pace(**{**base, **values})


def test_the_pace_needed_from_today():
    figures = pace()
    assert figures.remaining == 4000 and figures.months_left == 36
    assert figures.needed_per_month == 112  # ceil(4000 / 36)
    assert figures.standing is Standing.BEHIND and figures.gap == -200


def test_forecasts_at_the_pace_of_the_last_3_and_12_months():
    figures = pace()
    assert figures.recent_pace(3).per_month == Decimal("100.0")
    assert figures.recent_pace(3).forecast == date(2030, 4, 30)  # 40 months
    assert figures.recent_pace(3).in_time is False
    assert figures.recent_pace(12).per_month == Decimal("50.0")
    assert figures.recent_pace(12).forecast == date(2033, 8, 31)  # 80 months


def test_standings():
    assert pace(expected=900).standing is Standing.ON_TRACK
    reached = pace(certified=5000)
    assert reached.standing is Standing.REACHED and reached.needed_per_month == 0
    assert reached.recent_pace(3).forecast is None
    overdue = pace(today=date(2030, 2, 1))
    assert overdue.standing is Standing.OVERDUE and overdue.needed_per_month is None
    assert pace(target=None, due_on=None, expected=None).standing is Standing.NO_TARGET


def test_no_certificates_lately_means_no_forecast():
    figures = pace(recent={3: 0, 12: 0})
    assert figures.recent_pace(3).forecast is None and figures.recent_pace(3).in_time is None
