"""The grading queue: the latest version of each group's prototype, for the people who grade it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from certify.accounts.models import Person, Role
from certify.cohorts.models import Cohort, ProjectGroup
from certify.cohorts.services import sees_every_cohort, tutored_cohort_ids
from certify.extensions import db
from certify.submissions.models import GradeStatus, PrototypeGrade, PrototypeSubmission

QUEUE_FILTERS = ("ungraded", "draft", "released", "late")


def gradable_cohorts(person: Person) -> list[Cohort]:
    """The cohorts whose prototypes ``person`` grades: all for managers, tutored ones for tutors."""
    query = sa.select(Cohort).order_by(Cohort.starts_on.desc().nulls_last(), Cohort.name)
    if not sees_every_cohort(person):
        if Role.TUTOR not in person.roles:
            return []
        query = query.where(Cohort.id.in_(tutored_cohort_ids(person)))
    return list(db.session.scalars(query))


def grading_queue(visible_to: Person, *, cohort_id: int | None = None,
                  status: str | None = None) -> sa.Select:
    """A select of the latest version of every group's prototype ``visible_to`` may grade.

    Tutors see the cohorts they tutor, managers all. ``status`` keeps only the
    ungraded, draft, released or late ones. Ungraded versions come first, then
    drafts, then released grades; the oldest submission first within each.
    Groups, cohorts, grades and submitters are loaded with the rows.
    """
    latest = (sa.select(PrototypeSubmission.group_id,
                        sa.func.max(PrototypeSubmission.version).label("version"))
              .group_by(PrototypeSubmission.group_id).subquery())
    order = sa.case((PrototypeGrade.id.is_(None), 0),
                    (PrototypeGrade.status == GradeStatus.DRAFT, 1), else_=2)
    query = (
        sa.select(PrototypeSubmission)
        .join(latest, sa.and_(PrototypeSubmission.group_id == latest.c.group_id,
                              PrototypeSubmission.version == latest.c.version))
        .join(ProjectGroup, ProjectGroup.id == PrototypeSubmission.group_id)
        .outerjoin(PrototypeGrade, PrototypeGrade.submission_id == PrototypeSubmission.id)
        .options(selectinload(PrototypeSubmission.group).selectinload(ProjectGroup.cohort)
                 .selectinload(Cohort.programme),
                 selectinload(PrototypeSubmission.grade),
                 selectinload(PrototypeSubmission.submitted_by))
        .order_by(order, PrototypeSubmission.submitted_at, PrototypeSubmission.id)
    )
    if not sees_every_cohort(visible_to):
        if Role.TUTOR not in visible_to.roles:
            return query.where(sa.false())
        query = query.where(ProjectGroup.cohort_id.in_(tutored_cohort_ids(visible_to)))
    if cohort_id:
        query = query.where(ProjectGroup.cohort_id == cohort_id)
    if status == "ungraded":
        query = query.where(PrototypeGrade.id.is_(None))
    elif status in (GradeStatus.DRAFT, GradeStatus.RELEASED):
        query = query.where(PrototypeGrade.status == GradeStatus(status))
    elif status == "late":
        query = query.where(PrototypeSubmission.late)
    return query
