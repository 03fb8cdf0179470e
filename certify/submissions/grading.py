"""Grading a version with the rubric: drafts, release and reopening.

A released grade is final: changing it is a ``Conflict`` until a manager
reopens it, with a reason that goes to the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.accounts.models import Person
from certify.cohorts.groups import current_members
from certify.cohorts.models import GroupMembership
from certify.core import audit
from certify.core.clock import utcnow
from certify.core.errors import Conflict, PermissionDenied, ValidationError
from certify.core.lookups import get_or_not_found
from certify.core.signals import grade_released
from certify.extensions import db
from certify.programmes.models import Programme
from certify.submissions.models import (
    GradeStatus,
    PrototypeGrade,
    PrototypeSubmission,
    Rubric,
    RubricScore,
)
from certify.submissions.permissions import can_grade, can_reopen

FEEDBACK_MAX_LENGTH = 20_000
REASON_MAX_LENGTH = 2_000
HUNDREDTH = Decimal("0.01")


def rubric_of(programme: Programme) -> Rubric | None:
    """The programme's rubric, or None if its course content has none."""
    return db.session.scalar(sa.select(Rubric).where(Rubric.programme_id == programme.id))


def require_rubric(programme: Programme) -> Rubric:
    """The programme's rubric; ``Conflict`` if it has none (nothing can be graded)."""
    rubric = rubric_of(programme)
    if rubric is None or not rubric.active_criteria:
        raise Conflict(_("This programme has no rubric yet; load course_content/rubric.yaml."))
    return rubric


def get_grade(grade_id: int) -> PrototypeGrade:
    """The grade with this id, or ``NotFound``."""
    return get_or_not_found(
        PrototypeGrade, grade_id, _("There is no grade with id %(id)d.", id=grade_id))


def weighted_percent(rubric: Rubric, points: Mapping[int, int]) -> Decimal | None:
    """Weighted points / weighted maximum * 100, to the hundredth; None if a criterion is unscored.

    ``points`` maps criterion ids to the points of the chosen level.
    """
    criteria = rubric.active_criteria
    if not criteria or any(criterion.id not in points for criterion in criteria):
        return None
    earned = sum(criterion.weight * points[criterion.id] for criterion in criteria)
    maximum = rubric.weighted_maximum
    return (Decimal(earned * 100) / Decimal(maximum)).quantize(HUNDREDTH, ROUND_HALF_UP)


def check_can_grade(person: Person, submission: PrototypeSubmission) -> None:
    """``PermissionDenied`` unless ``person`` may grade the submission's cohort."""
    if not can_grade(person, submission.group.cohort):
        raise PermissionDenied(_("Only the cohort's tutors and the managers can grade its "
                                 "prototypes."))


def check_not_released(grade: PrototypeGrade | None) -> None:
    """``Conflict`` if ``grade`` was released: released grades are final."""
    if grade is not None and grade.released:
        raise Conflict(_("This grade was released and is final. A manager can reopen it."))


def _checked_scores(rubric: Rubric, scores: Mapping[str, int | None]) -> dict[int, int]:
    """``{key: points}`` -> ``{criterion id: points}``; refuses unknown keys and levels."""
    criteria = {criterion.key: criterion for criterion in rubric.active_criteria}
    errors: dict[str, list[str]] = {}
    checked: dict[int, int] = {}
    for key, points in scores.items():
        criterion = criteria.get(key)
        if criterion is None:
            errors[key] = [_("The rubric has no criterion %(key)s.", key=key)]
        elif points is None:
            continue
        elif isinstance(points, bool) or points not in criterion.points:
            errors[key] = [_("Choose one of the levels: %(points)s.",
                             points=", ".join(map(str, criterion.points)))]
        else:
            checked[criterion.id] = points
    if errors:
        raise ValidationError(_("Some scores do not match the rubric."), errors=errors)
    return checked


def save_draft(submission: PrototypeSubmission, *, by: Person, scores: Mapping[str, int | None],
               feedback: str = "") -> PrototypeGrade:
    """Create or replace the draft grade of ``submission``.

    ``scores`` maps criterion keys to the points of a level; a criterion left
    out (or None) stays unscored, which a draft allows and a release does not.
    Raises ``PermissionDenied`` for someone who may not grade the cohort,
    ``ValidationError`` for an unknown criterion or level, and ``Conflict`` if
    the grade was released.
    """
    check_can_grade(by, submission)
    grade = submission.grade
    check_not_released(grade)
    rubric = require_rubric(submission.group.cohort.programme)
    points = _checked_scores(rubric, scores)
    feedback = (feedback or "").strip()
    if len(feedback) > FEEDBACK_MAX_LENGTH:
        message = _("At most %(limit)d characters.", limit=FEEDBACK_MAX_LENGTH)
        raise ValidationError(message, errors={"feedback": [message]})
    if grade is None:
        grade = PrototypeGrade(submission=submission, status=GradeStatus.DRAFT)
        db.session.add(grade)
    grade.tutor = by
    grade.feedback = feedback
    existing = {score.criterion_id: score for score in grade.scores}
    for criterion_id, value in points.items():
        if criterion_id in existing:
            existing.pop(criterion_id).points = value
        else:
            grade.scores.append(RubricScore(criterion_id=criterion_id, points=value))
    for stale in existing.values():
        grade.scores.remove(stale)
    grade.percent = weighted_percent(rubric, points)
    db.session.flush()
    return grade


def members_of_version(submission: PrototypeSubmission) -> list[Person]:
    """The people a version's grade applies to: the group's members when it was submitted,
    and its current members, by family name."""
    at = submission.submitted_at
    then = db.session.scalars(
        sa.select(Person).join(GroupMembership, GroupMembership.person_id == Person.id)
        .where(GroupMembership.group_id == submission.group_id, GroupMembership.joined_at <= at,
               sa.or_(GroupMembership.left_at.is_(None), GroupMembership.left_at > at))
    ).all()
    people = {person.id: person for person in [*then, *current_members(submission.group)]}
    return sorted(people.values(), key=lambda p: (p.name_sort_key, p.id))


def grade_members(grade: PrototypeGrade) -> list[Person]:
    """The people ``grade`` applies to (see :func:`members_of_version`)."""
    return members_of_version(grade.submission)


def releasable_percent(grade: PrototypeGrade, *, by: Person) -> Decimal:
    """The group result ``grade`` would be released with; changes nothing.

    Raises what releasing would: ``PermissionDenied``, ``Conflict`` if already
    released, ``ValidationError`` naming the criteria still unscored.
    """
    check_can_grade(by, grade.submission)
    check_not_released(grade)
    rubric = require_rubric(grade.submission.group.cohort.programme)
    scored = {score.criterion_id for score in grade.scores}
    missing = [criterion for criterion in rubric.active_criteria if criterion.id not in scored]
    if missing:
        raise ValidationError(
            _("Choose a level for every criterion before releasing: %(criteria)s.",
              criteria=", ".join(criterion.title_in() for criterion in missing)),
            errors={criterion.key: [_("Choose a level.")] for criterion in missing})
    return weighted_percent(rubric, {s.criterion_id: s.points for s in grade.scores})


def release_grade(grade: PrototypeGrade, *, by: Person) -> PrototypeGrade:
    """Make a complete draft final and visible to the members; audited, and announced with
    ``grade_released``.

    Raises ``Conflict`` if already released and ``ValidationError`` naming the
    criteria still unscored.
    """
    grade.percent = releasable_percent(grade, by=by)
    grade.status = GradeStatus.RELEASED
    grade.released_at = utcnow()
    grade.tutor = by
    db.session.flush()
    audit.record("grade.released", grade, actor=by, percent=str(grade.percent),
                 submission_id=grade.submission_id)
    grade_released.send(grade, members=grade_members(grade))
    return grade


def reopen_grade(grade: PrototypeGrade, *, by: Person, reason: str) -> PrototypeGrade:
    """Turn a released grade back into a draft (managers only), recording why.

    Raises ``PermissionDenied`` for anyone but a manager, ``ValidationError``
    without a reason and ``Conflict`` if the grade is not released.
    """
    if not can_reopen(by):
        raise PermissionDenied(_("Only managers can reopen a released grade."))
    reason = required_reason(reason)
    if not grade.released:
        raise Conflict(_("Only a released grade can be reopened; this one is still a draft."))
    grade.status = GradeStatus.DRAFT
    grade.released_at = None
    db.session.flush()
    audit.record("grade.reopened", grade, actor=by, reason=reason,
                 submission_id=grade.submission_id)
    return grade


def required_reason(reason: str | None) -> str:
    """The reason, trimmed; ``ValidationError`` if empty or too long."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Write the reason.")
        raise ValidationError(_("A reason is required."), errors={"reason": [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("At most %(limit)d characters.", limit=REASON_MAX_LENGTH)
        raise ValidationError(message, errors={"reason": [message]})
    return reason
