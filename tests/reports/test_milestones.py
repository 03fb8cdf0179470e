"""Milestones are compared like with like: a running year with the path by today, a future
year with nothing."""

from __future__ import annotations

from datetime import date

from certify.reports.milestones import MilestoneState, milestone_rows
from certify.reports.models import Milestone, Target
from certify.reports.progress import MonthPoint, Progress


def test_each_milestone_is_compared_with_a_figure_of_its_kind(app):
    target = Target(certified=5000, starts_on=date(2025, 1, 1), due_on=date(2028, 12, 31))
    for year, certified in ((2025, 500), (2026, 1800), (2027, 3400), (2028, 5000)):
        target.milestones.append(Milestone(year=year, certified=certified))
    months = [MonthPoint(date(2025, 6, 1), 30, 30, None), MonthPoint(date(2025, 12, 1), 20, 53, None),
              MonthPoint(date(2026, 6, 1), 10, 63, None)]
    progress = Progress(scope=None, today=date(2026, 7, 1), target=target, certified=63,
                        months=months, pace=None)

    past, running, *ahead = milestone_rows(progress)
    assert (past.state, past.reached, past.difference) == (MilestoneState.PAST, 53, 53 - 500)
    # 2026 is half way: compared with the path's figure for today, not the year's 1,800.
    assert running.state is MilestoneState.RUNNING and running.reached == 63
    assert 500 < running.compared_with < 1800 and running.difference == 63 - running.compared_with
    assert [(row.state, row.reached, row.difference) for row in ahead] == [
        (MilestoneState.AHEAD, None, None)] * 2
