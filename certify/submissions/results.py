"""Each person's prototype result in a cohort, in a fixed number of queries (for eligibility
and dashboards).

A group's result is its latest version with a released grade; until one is
released, its latest version (not passed, no percent). A person gets the result
of the group they were in when that version was submitted (the most recent such
group if they moved), or else the result of their current group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from certify.cohorts.models import Cohort, GroupMembership, ProjectGroup
from certify.extensions import db
from certify.programmes.content import RULE_DEFAULTS
from certify.submissions.models import (
    GradeStatus,
    MemberAdjustment,
    PrototypeGrade,
    PrototypeSubmission,
    Rubric,
)


@dataclass(frozen=True)
class PrototypeResult:
    """One person's prototype result.

    ``percent`` is theirs (adjusted if so) and None until the grade is released.
    """

    percent: Decimal | None
    passed: bool
    released: bool
    late: bool
    graded_at: datetime | None
    group_id: int
    submission_id: int
    adjusted: bool = False


def prototype_pass_mark(cohort: Cohort) -> Decimal:
    """The programme's ``prototype_pass_mark``, else its rubric's pass mark, else the default."""
    mark = (cohort.programme.certification_rules or {}).get("prototype_pass_mark")
    if mark is None:
        mark = db.session.scalar(sa.select(Rubric.pass_mark)
                                 .where(Rubric.programme_id == cohort.programme_id))
    if mark is None:
        mark = RULE_DEFAULTS["prototype_pass_mark"]
    return Decimal(str(mark))


def _counting_versions(cohort: Cohort) -> dict[int, sa.Row]:
    """``{group id: the version that counts}``: the latest released, else the latest."""
    rows = db.session.execute(
        sa.select(PrototypeSubmission.id, PrototypeSubmission.group_id,
                  PrototypeSubmission.version, PrototypeSubmission.submitted_at,
                  PrototypeSubmission.late, PrototypeGrade.id.label("grade_id"),
                  PrototypeGrade.status, PrototypeGrade.percent, PrototypeGrade.released_at)
        .join(ProjectGroup, ProjectGroup.id == PrototypeSubmission.group_id)
        .outerjoin(PrototypeGrade, PrototypeGrade.submission_id == PrototypeSubmission.id)
        .where(ProjectGroup.cohort_id == cohort.id)
    ).all()
    counting: dict[int, sa.Row] = {}
    for row in rows:
        best = counting.get(row.group_id)
        released = row.status == GradeStatus.RELEASED
        if best is None:
            counting[row.group_id] = row
            continue
        best_released = best.status == GradeStatus.RELEASED
        if (released, row.version) > (best_released, best.version):
            counting[row.group_id] = row
    return counting


def _attribution(cohort: Cohort, counting: dict[int, sa.Row]) -> dict[int, int]:
    """``{person id: group id}`` whose counting version is the person's."""
    memberships = db.session.execute(
        sa.select(GroupMembership.person_id, GroupMembership.group_id,
                  GroupMembership.joined_at, GroupMembership.left_at)
        .where(GroupMembership.cohort_id == cohort.id)
    ).all()
    chosen: dict[int, tuple[datetime, int]] = {}
    for membership in memberships:
        version = counting.get(membership.group_id)
        if version is None:
            continue
        at = version.submitted_at
        if membership.joined_at <= at and (membership.left_at is None or membership.left_at > at):
            best = chosen.get(membership.person_id)
            if best is None or membership.joined_at > best[0]:
                chosen[membership.person_id] = (membership.joined_at, membership.group_id)
    for membership in memberships:  # in no group back then: their current group's result
        if (membership.left_at is None and membership.person_id not in chosen
                and membership.group_id in counting):
            chosen[membership.person_id] = (membership.joined_at, membership.group_id)
    return {person_id: group_id for person_id, (_joined, group_id) in chosen.items()}


def prototype_results(cohort: Cohort) -> dict[int, PrototypeResult]:
    """``{person id: PrototypeResult}`` for everyone whose group has submitted a prototype.

    People without a group, or whose group has not submitted, are absent.
    Runs a fixed number of queries whatever the number of people and groups.
    """
    counting = _counting_versions(cohort)
    if not counting:
        return {}
    attribution = _attribution(cohort, counting)
    released_grades = [row.grade_id for row in counting.values()
                       if row.status == GradeStatus.RELEASED]
    adjustments = {
        (row.grade_id, row.person_id): row.percent
        for row in db.session.execute(
            sa.select(MemberAdjustment.grade_id, MemberAdjustment.person_id,
                      MemberAdjustment.percent)
            .where(MemberAdjustment.grade_id.in_(released_grades)))
    } if released_grades else {}
    pass_mark = prototype_pass_mark(cohort)
    results: dict[int, PrototypeResult] = {}
    for person_id, group_id in attribution.items():
        version = counting[group_id]
        released = version.status == GradeStatus.RELEASED
        adjusted = (version.grade_id, person_id) in adjustments
        percent = None
        if released:
            percent = adjustments[(version.grade_id, person_id)] if adjusted else version.percent
        results[person_id] = PrototypeResult(
            percent=percent, passed=released and percent is not None and percent >= pass_mark,
            released=released, late=version.late,
            graded_at=version.released_at if released else None,
            group_id=group_id, submission_id=version.id, adjusted=adjusted)
    return results
