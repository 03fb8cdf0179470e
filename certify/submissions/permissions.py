"""Who may see, submit, grade and reopen group prototypes."""

from __future__ import annotations

import sqlalchemy as sa

from certify.accounts.models import Person, Role
from certify.cohorts.groups import current_members
from certify.cohorts.models import Cohort, GroupMembership, ProjectGroup
from certify.cohorts.services import is_tutor_of, sees_every_cohort
from certify.extensions import db


def is_current_member(person: Person, group: ProjectGroup) -> bool:
    """True if ``person`` belongs to ``group`` now."""
    return any(member.id == person.id for member in current_members(group))


def has_been_member(person: Person, group: ProjectGroup) -> bool:
    """True if ``person`` belongs or once belonged to ``group``.

    Former members keep seeing the group's work: a grade given while they were
    in the group is theirs too.
    """
    return db.session.scalar(sa.select(sa.exists().where(
        GroupMembership.group_id == group.id, GroupMembership.person_id == person.id))) or False


def can_grade(person: Person, cohort: Cohort) -> bool:
    """Managers grade every cohort; tutors the cohorts they tutor."""
    return sees_every_cohort(person) or is_tutor_of(person, cohort)


def can_see_group_work(person: Person, group: ProjectGroup) -> bool:
    """The group's members (present or past), the cohort's tutors and the managers."""
    return can_grade(person, group.cohort) or has_been_member(person, group)


def can_submit(person: Person, group: ProjectGroup) -> bool:
    """Any current member of the group may submit a version."""
    return is_current_member(person, group)


def can_reopen(person: Person) -> bool:
    """Only managers (and administrators) reopen a released grade."""
    return person.has_role(Role.MANAGER)
