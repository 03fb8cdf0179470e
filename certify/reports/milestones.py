"""Each yearly milestone set against a figure of its own kind.

A milestone whose year is over is compared with the agents certified by its due date; the
one running now with what the target path expects by today (not with the whole year's
figure, which it cannot have reached yet); one whose year has not begun with nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from certify.reports.models import Milestone
from certify.reports.progress import Progress
from certify.reports.targets import expected_by, target_path


class MilestoneState(StrEnum):
    PAST = "past"
    RUNNING = "running"
    AHEAD = "ahead"


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    state: MilestoneState
    reached: int | None  # certified by the due date, or by today while it runs
    compared_with: int | None  # the milestone, or while it runs the path's figure for today

    @property
    def difference(self) -> int | None:
        if self.reached is None or self.compared_with is None:
            return None
        return self.reached - self.compared_with


def milestone_rows(progress: Progress) -> list[MilestoneRow]:
    target = progress.target
    if target is None:
        return []
    today = progress.today
    by_month = [(point.month, point.cumulative) for point in progress.months
                if point.cumulative is not None]
    rows = []
    begins_on = target.starts_on
    for milestone in target.milestones:
        if milestone.due_on <= today:
            reached = max((cumulative for month, cumulative in by_month
                           if month <= milestone.due_on), default=0)
            rows.append(MilestoneRow(milestone, MilestoneState.PAST, reached, milestone.certified))
        elif begins_on <= today:
            rows.append(MilestoneRow(milestone, MilestoneState.RUNNING, progress.certified,
                                     expected_by(target_path(target), today)))
        else:
            rows.append(MilestoneRow(milestone, MilestoneState.AHEAD, None, None))
        begins_on = milestone.due_on
    return rows
