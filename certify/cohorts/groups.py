"""Use cases for project groups: creating them, adding, moving and removing people, the history.

A person is in at most one group of a cohort at a time (the database enforces it
too). Memberships are never deleted: a move closes the current one and opens a
new one, so the history of every group can be shown and explained.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from certify.accounts.models import Municipality, Person, Region
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus, GroupMembership, ProjectGroup
from certify.cohorts.services import is_tutor_of, sees_every_cohort
from certify.core import audit
from certify.core.clock import utcnow
from certify.core.errors import Conflict, ValidationError
from certify.core.lookups import get_or_not_found
from certify.extensions import db

GROUP_NAME_MAX_LENGTH = 80
REASON_MAX_LENGTH = 1000

# A person's place: shown next to every member, so tutors can see the mix.
PLACE = (selectinload(Person.municipality).selectinload(Municipality.region)
         .selectinload(Region.country))


# --- who may do what ---------------------------------------------------------------------------

def can_manage_groups(person: Person, cohort: Cohort) -> bool:
    """Managers (and administrators) for every cohort; tutors for the cohorts they tutor."""
    return sees_every_cohort(person) or is_tutor_of(person, cohort)


# --- reading -----------------------------------------------------------------------------------

def get_group(group_id: int) -> ProjectGroup:
    """The project group with this id, or ``NotFound``."""
    return get_or_not_found(
        ProjectGroup, group_id, _("There is no project group with id %(id)s.", id=group_id))


def groups_of_cohort(cohort: Cohort) -> list[ProjectGroup]:
    """The cohort's groups in the order they were created, with their current members
    and the members' places loaded: a fixed number of queries for any cohort."""
    return list(db.session.scalars(
        sa.select(ProjectGroup).where(ProjectGroup.cohort_id == cohort.id)
        .options(selectinload(ProjectGroup.current_memberships)
                 .selectinload(GroupMembership.person).options(PLACE))
        .order_by(ProjectGroup.created_at, ProjectGroup.id)
    ))


def _current_membership(person: Person, cohort: Cohort) -> GroupMembership | None:
    return db.session.scalar(sa.select(GroupMembership).where(
        GroupMembership.person_id == person.id, GroupMembership.cohort_id == cohort.id,
        GroupMembership.left_at.is_(None)))


def current_group(person: Person, cohort: Cohort) -> ProjectGroup | None:
    """The group ``person`` is in now in ``cohort``, or None."""
    membership = _current_membership(person, cohort)
    return membership.group if membership is not None else None


def current_members(group: ProjectGroup) -> list[Person]:
    """The people in ``group`` now, by family names, with their places loaded."""
    return list(db.session.scalars(
        sa.select(Person).join(GroupMembership, GroupMembership.person_id == Person.id)
        .where(GroupMembership.group_id == group.id, GroupMembership.left_at.is_(None))
        .options(PLACE)
        .order_by(*Person.by_name())
    ))


def people_without_group(cohort: Cohort) -> list[Person]:
    """People actively enrolled in ``cohort`` and in none of its groups, by family names."""
    in_a_group = sa.select(GroupMembership.person_id).where(
        GroupMembership.cohort_id == cohort.id, GroupMembership.left_at.is_(None))
    return list(db.session.scalars(
        sa.select(Person).join(Enrolment, Enrolment.person_id == Person.id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE,
               Person.id.not_in(in_a_group))
        .options(PLACE)
        .order_by(*Person.by_name())
    ))


def enrolment_statuses(cohort: Cohort) -> dict[int, EnrolmentStatus]:
    """``{person id: enrolment status}`` for everyone enrolled in ``cohort``, in one query."""
    return {person_id: EnrolmentStatus(status) for person_id, status in db.session.execute(
        sa.select(Enrolment.person_id, Enrolment.status).where(Enrolment.cohort_id == cohort.id))}


class ChangeKind(enum.StrEnum):
    JOINED = "joined"
    MOVED_IN = "moved_in"
    MOVED_OUT = "moved_out"
    REMOVED = "removed"


@dataclass(frozen=True)
class MembershipChange:
    """One line of a group's history: who came or went, when, by whose hand and why."""

    at: datetime
    kind: ChangeKind
    person: Person
    by: Person | None
    reason: str
    other_group: ProjectGroup | None = None  # where a moved person came from or went to


def membership_history(group: ProjectGroup) -> list[MembershipChange]:
    """Everything that happened to the group's membership, newest first (two queries)."""
    memberships = list(db.session.scalars(
        sa.select(GroupMembership).where(GroupMembership.group_id == group.id)
        .options(selectinload(GroupMembership.person), selectinload(GroupMembership.moved_by),
                 selectinload(GroupMembership.left_by))
    ))
    # A move closes one membership and opens another at the same instant: match them up.
    elsewhere = db.session.scalars(
        sa.select(GroupMembership).where(
            GroupMembership.cohort_id == group.cohort_id, GroupMembership.group_id != group.id,
            GroupMembership.person_id.in_({m.person_id for m in memberships}))
        .options(selectinload(GroupMembership.group))
    ).all() if memberships else []
    left_at = {(m.person_id, m.left_at): m.group for m in elsewhere if m.left_at is not None}
    joined_at = {(m.person_id, m.joined_at): m.group for m in elsewhere}
    changes = []
    for m in memberships:
        came_from = left_at.get((m.person_id, m.joined_at))
        changes.append(MembershipChange(
            m.joined_at, ChangeKind.MOVED_IN if came_from else ChangeKind.JOINED, m.person,
            m.moved_by, m.reason, came_from))
        if m.left_at is not None:
            went_to = joined_at.get((m.person_id, m.left_at))
            changes.append(MembershipChange(
                m.left_at, ChangeKind.MOVED_OUT if went_to else ChangeKind.REMOVED, m.person,
                m.left_by, m.left_reason, went_to))
    # Within one instant a person leaves before they join (a move out and back in).
    order = {ChangeKind.MOVED_OUT: 0, ChangeKind.REMOVED: 0, ChangeKind.JOINED: 1,
             ChangeKind.MOVED_IN: 1}
    return sorted(changes, key=lambda c: (c.at, order[c.kind], c.person.id), reverse=True)


# --- changing ----------------------------------------------------------------------------------

def _clean_group_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        message = _("The group needs a name.")
        raise ValidationError(message, errors={"name": [message]})
    if len(name) > GROUP_NAME_MAX_LENGTH:
        message = _("A group name has at most %(max)d characters.", max=GROUP_NAME_MAX_LENGTH)
        raise ValidationError(message, errors={"name": [message]})
    return name


def _check_group_name_free(cohort: Cohort, name: str) -> None:
    # Case-insensitive, so "Grupo 1" and "grupo 1" are not two groups.
    if db.session.scalar(sa.select(sa.exists().where(
            ProjectGroup.cohort_id == cohort.id,
            sa.func.lower(ProjectGroup.name) == name.lower()))):
        message = _("This cohort already has a group called %(name)s.", name=name)
        raise Conflict(message, errors={"name": [message]})


def create_group(cohort: Cohort, name: str, *, by: Person) -> ProjectGroup:
    """Create an empty project group in ``cohort``.

    Raises ``ValidationError`` for an empty or too long name and ``Conflict`` if
    the cohort already has a group of that name (ignoring case).
    """
    name = _clean_group_name(name)
    _check_group_name_free(cohort, name)
    try:
        with db.session.begin_nested():
            group = ProjectGroup(cohort=cohort, name=name)
            db.session.add(group)
    except IntegrityError:  # created by a concurrent request since the check
        _check_group_name_free(cohort, name)
        raise
    audit.record("project_group.created", group, actor=by, name=name, cohort_id=cohort.id)
    return group


def _clean_reason(reason: str | None, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        message = _("Write why, so that the group's history explains the change.")
        raise ValidationError(message, errors={"reason": [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("The reason has at most %(max)d characters.", max=REASON_MAX_LENGTH)
        raise ValidationError(message, errors={"reason": [message]})
    return reason


def _check_actively_enrolled(person: Person, cohort: Cohort) -> None:
    status = db.session.scalar(sa.select(Enrolment.status).where(
        Enrolment.cohort_id == cohort.id, Enrolment.person_id == person.id))
    if status != EnrolmentStatus.ACTIVE:
        message = _("%(name)s is not actively enrolled in this cohort, so cannot join its groups.",
                    name=person.full_name)
        raise ValidationError(message, errors={"person_id": [message]})


@contextmanager
def _one_current_group(*people: Person) -> Iterator[None]:
    """Write inside a savepoint: if a concurrent request put one of ``people`` in a group
    meanwhile, the database refuses the second current membership: a ``Conflict``."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError:
        message = _("%(names)s: just put in a group by someone else. Reload and try again.",
                    names=", ".join(person.full_name for person in people))
        raise Conflict(message, errors={"person_id": [message]}) from None


def _open(group: ProjectGroup, person: Person, *, by: Person, reason: str,
          at: datetime) -> GroupMembership:
    membership = GroupMembership(group=group, cohort_id=group.cohort_id, person=person,
                                 joined_at=at, moved_by=by, reason=reason)
    db.session.add(membership)
    return membership


def _close(membership: GroupMembership, *, by: Person, reason: str, at: datetime) -> None:
    membership.left_at, membership.left_by, membership.left_reason = at, by, reason
    db.session.flush()  # before the new membership: the database allows one current group


def add_member(group: ProjectGroup, person: Person, *, by: Person,
               reason: str = "") -> GroupMembership:
    """Put ``person`` (actively enrolled in the group's cohort) in ``group``; return the membership.

    Someone already in ``group`` stays as they are. Someone in another group of
    the cohort is moved, which needs a ``reason`` (see :func:`move_member`).
    """
    current = _current_membership(person, group.cohort)
    if current is not None and current.group_id == group.id:
        return current
    if current is not None:
        return move_member(person, group, by=by, reason=reason)
    reason = _clean_reason(reason, required=False)
    _check_actively_enrolled(person, group.cohort)
    with _one_current_group(person):
        membership = _open(group, person, by=by, reason=reason, at=utcnow())
    return membership


def move_member(person: Person, to_group: ProjectGroup, *, by: Person,
                reason: str) -> GroupMembership:
    """Move ``person`` from their current group to ``to_group`` of the same cohort.

    The old membership is closed and a new one opened at the same instant, both
    recording ``by`` and the written ``reason`` (required). Raises
    ``ValidationError`` if the person is in no group of the cohort, already in
    ``to_group``, or no longer actively enrolled.
    """
    reason = _clean_reason(reason, required=True)
    current = _current_membership(person, to_group.cohort)
    if current is None:
        message = _("%(name)s is not in a group of this cohort yet: add them to one instead.",
                    name=person.full_name)
        raise ValidationError(message, errors={"person_id": [message]})
    if current.group_id == to_group.id:
        message = _("%(name)s is already in %(group)s.", name=person.full_name,
                    group=to_group.name)
        raise ValidationError(message, errors={"group_id": [message]})
    _check_actively_enrolled(person, to_group.cohort)
    now = utcnow()
    with _one_current_group(person):
        _close(current, by=by, reason=reason, at=now)
        membership = _open(to_group, person, by=by, reason=reason, at=now)
    return membership


def remove_member(person: Person, cohort: Cohort, *, by: Person, reason: str) -> GroupMembership:
    """Take ``person`` out of their group in ``cohort``, with a written reason; return the
    closed membership. Raises ``ValidationError`` if they are in no group."""
    reason = _clean_reason(reason, required=True)
    current = _current_membership(person, cohort)
    if current is None:
        message = _("%(name)s is not in any group of this cohort.", name=person.full_name)
        raise ValidationError(message, errors={"person_id": [message]})
    _close(current, by=by, reason=reason, at=utcnow())
    return current


# --- suggesting groups -------------------------------------------------------------------------

def _name_key(person: Person) -> tuple:
    return (person.name_sort_key, person.id)


def _place_key(person: Person) -> tuple:
    municipality = person.municipality
    if municipality is None:  # after everyone placed, so they never split a municipality's run
        return (1, "", "", "", 0)
    return (0, municipality.region.country.code, municipality.region.name, municipality.name,
            municipality.id)


def _group_count(people: int, min_size: int, max_size: int) -> int:
    """How many groups: sizes as close as possible to halfway between the bounds."""
    fewest, most = -(-people // max_size), people // min_size
    if fewest > most:
        message = ngettext(
            "%(num)d person has no group, too few for a group of %(min)d to %(max)d.",
            "%(num)d people have no group: they cannot make groups of %(min)d to %(max)d.",
            people, min=min_size, max=max_size)
        raise ValidationError(message, errors={"min_size": [message]})
    return min(max(round(people * 2 / (min_size + max_size)), fewest), most)


def suggest_groups(cohort: Cohort, *, min_size: int = 3,
                   max_size: int = 6) -> list[list[Person]]:
    """Groups for everyone actively enrolled in ``cohort`` and not in a group yet.

    Every group has between ``min_size`` and ``max_size`` people, and sizes
    differ by one at most. People of one municipality go to different groups
    as far as possible (and so, mostly, do people of one region or country):
    everyone is lined up by place and dealt round the groups like cards, so a
    municipality with no more people than there are groups never has two in
    one. The same people always give the same groups. Raises
    ``ValidationError`` if the bounds are impossible or the people too few.
    """
    if not 1 <= min_size <= max_size:
        message = _("The smallest group size must be at least 1 and not above the largest.")
        raise ValidationError(message, errors={"min_size": [message]})
    people = people_without_group(cohort)
    if not people:
        return []
    people.sort(key=lambda person: (_place_key(person), _name_key(person)))
    count = _group_count(len(people), min_size, max_size)
    groups: list[list[Person]] = [[] for _ in range(count)]
    for index, person in enumerate(people):
        groups[index % count].append(person)
    for group in groups:  # read by name, as everywhere else
        group.sort(key=_name_key)
    return groups


def next_group_names(cohort: Cohort, prefix: str, count: int) -> list[str]:
    """The first ``count`` names "<prefix> <n>" the cohort does not use yet (any case)."""
    taken = {name.lower() for name in db.session.scalars(
        sa.select(ProjectGroup.name).where(ProjectGroup.cohort_id == cohort.id))}
    names, number = [], 1
    while len(names) < count:
        name = f"{prefix} {number}"
        if name.lower() not in taken:
            names.append(name)
        number += 1
    return names


def apply_suggestion(cohort: Cohort, suggestion: list[list[Person]], *, by: Person,
                     name_prefix: str = "Grupo") -> list[ProjectGroup]:
    """Create one group per list of people in ``suggestion`` (see :func:`suggest_groups`).

    Groups are named ``"<name_prefix> <n>"`` with the first numbers the cohort
    does not use yet. All or nothing: raises ``Conflict`` if someone is no
    longer actively enrolled or was put in a group since the suggestion was made,
    and ``ValidationError`` for an empty group or a person listed twice.
    """
    people = [person for group in suggestion for person in group]
    if not suggestion or any(not group for group in suggestion):
        message = _("A suggestion needs at least one group, and every group someone in it.")
        raise ValidationError(message, errors={"groups": [message]})
    if len({person.id for person in people}) != len(people):
        message = _("Someone appears twice in the suggestion.")
        raise ValidationError(message, errors={"groups": [message]})
    available = {person.id for person in people_without_group(cohort)}
    gone = [person.full_name for person in people if person.id not in available]
    if gone:
        message = _("The suggestion is out of date (%(names)s: already in a group or no longer "
                    "enrolled). Ask for a new one.", names=", ".join(gone))
        raise Conflict(message, errors={"groups": [message]})
    prefix = _clean_group_name(name_prefix)
    groups = []
    for name, members in zip(next_group_names(cohort, prefix, len(suggestion)), suggestion,
                             strict=True):
        group = create_group(cohort, name, by=by)
        now = utcnow()
        with _one_current_group(*members):
            for person in members:
                _open(group, person, by=by, reason="", at=now)
        groups.append(group)
    return groups
