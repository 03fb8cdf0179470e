"""Adjusting one member's percent on a group grade, with a written reason.

Group work is not all-or-nothing: a tutor may give a member their own percent
while the grade is a draft; once released it is final like the rest of the grade.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from certify.accounts.models import Person
from certify.core.clock import utcnow
from certify.core.errors import NotFound, ValidationError
from certify.extensions import db
from certify.submissions.grading import (
    HUNDREDTH,
    check_can_grade,
    check_not_released,
    grade_members,
    required_reason,
)
from certify.submissions.models import MemberAdjustment, PrototypeGrade

Percent = Decimal | float | int | str


def _percent(value: Percent | None) -> Decimal:
    try:
        percent = Decimal(str(value)).quantize(HUNDREDTH, ROUND_HALF_UP)
    except (ArithmeticError, ValueError):
        percent = None
    if percent is None or not Decimal(0) <= percent <= Decimal(100):
        message = _("Give a percentage from 0 to 100.")
        raise ValidationError(message, errors={"percent": [message]})
    return percent


def _checked(grade: PrototypeGrade, person: Person, percent: Percent, reason: str,
             members: list[Person]) -> tuple[Decimal, str]:
    percent = _percent(percent)
    reason = required_reason(reason)
    if all(member.id != person.id for member in members):
        message = _("%(name)s is not a member of this group.", name=person.full_name)
        raise ValidationError(message, errors={"person_id": [message]})
    return percent, reason


def _write(grade: PrototypeGrade, person: Person, percent: Decimal, reason: str,
           by: Person) -> MemberAdjustment:
    adjustment = grade.adjustment_for(person)
    if adjustment is None:
        adjustment = MemberAdjustment(person=person)
        grade.adjustments.append(adjustment)
    adjustment.percent, adjustment.reason = percent, reason
    adjustment.adjusted_by, adjustment.adjusted_at = by, utcnow()
    return adjustment


def adjust_member(grade: PrototypeGrade, person: Person, *, percent: Percent, reason: str,
                  by: Person) -> MemberAdjustment:
    """Give one member their own percent on a draft grade, with a written reason.

    Raises ``ValidationError`` without a reason, for a percentage outside 0-100
    or for someone the grade does not apply to; ``Conflict`` once released.
    """
    check_can_grade(by, grade.submission)
    check_not_released(grade)
    percent, reason = _checked(grade, person, percent, reason, grade_members(grade))
    adjustment = _write(grade, person, percent, reason, by)
    db.session.flush()
    return adjustment


def remove_adjustment(grade: PrototypeGrade, person: Person, *, by: Person) -> None:
    """Give a member the group's percent again (draft grades only)."""
    check_can_grade(by, grade.submission)
    check_not_released(grade)
    adjustment = grade.adjustment_for(person)
    if adjustment is None:
        raise NotFound(_("%(name)s has no adjustment on this grade.", name=person.full_name))
    grade.adjustments.remove(adjustment)
    db.session.flush()


def replace_adjustments(grade: PrototypeGrade, wanted: Mapping[Person, tuple[Percent, str]], *,
                        by: Person) -> list[MemberAdjustment]:
    """Make ``wanted`` (person -> (percent, reason)) the grade's adjustments; all checked first.

    Members left out get the group's percent again. Same errors as
    :func:`adjust_member`.
    """
    check_can_grade(by, grade.submission)
    check_not_released(grade)
    members = grade_members(grade)
    checked = {person: _checked(grade, person, percent, reason, members)
               for person, (percent, reason) in wanted.items()}
    for stale in [a for a in grade.adjustments if a.person not in checked]:
        grade.adjustments.remove(stale)
    result = [_write(grade, person, percent, reason, by)
              for person, (percent, reason) in checked.items()]
    db.session.flush()
    return result
