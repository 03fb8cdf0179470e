"""A programme's target of certified agents and its yearly milestones.

The target path runs from nothing on ``starts_on`` through each milestone (reached on the
last day of its year) to the whole target on ``due_on``, in straight lines between: it is
what "on track" is measured against.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.accounts.models import Person
from certify.core import audit
from certify.core.errors import NotFound, ValidationError
from certify.extensions import db
from certify.programmes.models import Programme
from certify.reports.models import Milestone, Target

MAX_CERTIFIED = 10_000_000


def target_of(programme: Programme) -> Target | None:
    """The programme's target, or None while it has none."""
    return db.session.scalar(sa.select(Target).where(Target.programme_id == programme.id))


def get_target(programme: Programme) -> Target:
    target = target_of(programme)
    if target is None:
        raise NotFound(_("The programme %(programme)s has no target yet.",
                         programme=programme.code))
    return target


def check_target(certified: object, starts_on: date | None, due_on: date | None
                 ) -> dict[str, list[str]]:
    """What is wrong with these target values, by field (empty when nothing is)."""
    errors: dict[str, list[str]] = {}
    if isinstance(certified, bool) or not isinstance(certified, int) \
            or not 1 <= certified <= MAX_CERTIFIED:
        errors["certified"] = [_("Give a whole number of agents from 1 to %(max)s.",
                                 max=f"{MAX_CERTIFIED:,}")]
    if starts_on is None:
        errors["starts_on"] = [_("Give the date the target counts from.")]
    if due_on is None:
        errors["due_on"] = [_("Give the date the target is due.")]
    elif starts_on is not None and due_on <= starts_on:
        errors["due_on"] = [_("The due date must come after the start date.")]
    return errors


def milestone_problems(certified: int, starts_on: date, due_on: date, year: int, count: int,
                       previous: tuple[int, int] | None = None) -> list[str]:
    """What is wrong with the ``(year, count)`` milestone of this target, given the
    ``previous`` milestone (the one of the latest earlier year), if any."""
    problems = []
    if not starts_on.year <= year <= due_on.year:
        problems.append(_("The %(year)s milestone is outside the target's years "
                          "(%(first)s to %(last)s).", year=year, first=starts_on.year,
                          last=due_on.year))
    if count > certified:
        problems.append(_("The %(year)s milestone (%(count)s) is more than the whole "
                          "target (%(target)s).", year=year, count=count, target=certified))
    if previous is not None and count < previous[1]:
        problems.append(_("The %(year)s milestone (%(count)s) is less than the %(before)s "
                          "one (%(before_count)s): milestones count agents certified since "
                          "the start, so they never go down.", year=year, count=count,
                          before=previous[0], before_count=previous[1]))
    return problems


def check_milestones(certified: int, starts_on: date, due_on: date,
                     milestones: Iterable[tuple[int, int]]) -> list[str]:
    """What is wrong with a whole set of ``(year, certified)`` milestones for this target."""
    problems = []
    previous: tuple[int, int] | None = None
    for year, count in sorted(milestones):
        problems += milestone_problems(certified, starts_on, due_on, year, count, previous)
        previous = (year, count)
    return problems


def set_target(programme: Programme, *, certified: int, starts_on: date, due_on: date,
               actor: Person | None) -> Target:
    """Create or change the programme's target; its milestones must still fit it.

    ``ValidationError`` names each wrong field; a change that would leave a milestone
    outside the target's years, or above it, is refused with the milestone named.
    """
    errors = check_target(certified, starts_on, due_on)
    target = target_of(programme)
    if not errors and target is not None:
        problems = check_milestones(certified, starts_on, due_on,
                                    [(m.year, m.certified) for m in target.milestones])
        if problems:
            errors["milestones"] = problems
    if errors:
        raise ValidationError(_("The target was not saved: %(problems)s",
                                problems=" ".join(m for ms in errors.values() for m in ms)),
                              errors=errors)
    if target is None:
        target = Target(programme_id=programme.id)
        db.session.add(target)
    target.certified = certified
    target.starts_on = starts_on
    target.due_on = due_on
    target.updated_by_id = actor.id if actor else None
    db.session.flush()
    audit.record("target.set", target, actor=actor, programme=programme.code,
                 certified=certified, starts_on=starts_on, due_on=due_on)
    return target


def set_milestone(target: Target, *, year: int, certified: int) -> Milestone:
    """Add the milestone of ``year``, or change it; it must fit the target and its neighbours."""
    if isinstance(certified, bool) or not isinstance(certified, int) or certified < 0:
        message = _("Give a whole number of agents, 0 or more.")
        raise ValidationError(message, errors={"certified": [message]})
    others = [(m.year, m.certified) for m in target.milestones if m.year != year]
    problems = check_milestones(target.certified, target.starts_on, target.due_on,
                                others + [(year, certified)])
    if problems:
        raise ValidationError(" ".join(problems), errors={"year": problems})
    milestone = next((m for m in target.milestones if m.year == year), None)
    if milestone is None:
        milestone = Milestone(year=year, certified=certified)
        target.milestones.append(milestone)
        target.milestones.sort(key=lambda m: m.year)  # as loaded from the database
    milestone.certified = certified
    db.session.flush()
    return milestone


def remove_milestone(target: Target, year: int) -> None:
    milestone = next((m for m in target.milestones if m.year == year), None)
    if milestone is None:
        raise NotFound(_("The target has no milestone for %(year)s.", year=year))
    target.milestones.remove(milestone)
    db.session.flush()


def replace_milestones(target: Target, milestones: Iterable[tuple[int, int]]) -> None:
    """Make ``milestones`` (already checked) the target's only ones."""
    wanted = dict(milestones)
    for milestone in list(target.milestones):
        if milestone.year not in wanted:
            target.milestones.remove(milestone)
    for year, certified in sorted(wanted.items()):
        milestone = next((m for m in target.milestones if m.year == year), None)
        if milestone is None:
            target.milestones.append(Milestone(year=year, certified=certified))
        else:
            milestone.certified = certified
    target.milestones.sort(key=lambda m: m.year)
    db.session.flush()


# --- the target path ---------------------------------------------------------------------------

def target_path(target: Target) -> list[tuple[date, int]]:
    """The corners of the target path: the start, each milestone, the due date."""
    points = [(target.starts_on, 0)]
    for milestone in target.milestones:
        if target.starts_on < milestone.due_on < target.due_on:
            points.append((milestone.due_on, milestone.certified))
    points.append((target.due_on, target.certified))
    return points


def expected_by(points: list[tuple[date, int]], day: date) -> int:
    """Agents the target path expects certified by ``day`` (rounded to the nearest)."""
    if day <= points[0][0]:
        return points[0][1]
    for (start, low), (end, high) in zip(points, points[1:], strict=False):
        if day <= end:
            share = (day - start).days / (end - start).days
            return round(low + (high - low) * share)
    return points[-1][1]
