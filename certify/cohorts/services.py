"""Use cases for cohorts: creating and editing them, their tutors, and who sees what.

Enrolling people is in ``cohorts.enrolments``; project groups in ``cohorts.groups``;
the module dates in ``cohorts.schedule``.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from certify.accounts.models import Person, Role, RoleGrant
from certify.cohorts.models import Cohort, Enrolment, cohort_tutor
from certify.core.errors import Conflict, ValidationError
from certify.core.lookups import get_or_not_found
from certify.core.signals import cohort_saved
from certify.extensions import db
from certify.programmes.models import Programme

NAME_MAX_LENGTH = 160
_UNSET = object()


# --- reading -----------------------------------------------------------------------------------

def get_cohort(cohort_id: int) -> Cohort:
    """The cohort with this id, or ``NotFound``."""
    return get_or_not_found(
        Cohort, cohort_id, _("There is no cohort with id %(id)s.", id=cohort_id))


def contains_text(column, text: str):
    """Case-insensitive substring match; ``%`` and ``_`` typed by a person are literal."""
    return sa.func.lower(column).contains(text.strip().lower(), autoescape=True)


def sees_every_cohort(person: Person) -> bool:
    """Managers and administrators see (and may act on) every cohort."""
    return person.has_role(Role.MANAGER)  # admins hold every role


def tutored_cohort_ids(person: Person) -> sa.Select:
    """A select of the ids of the cohorts ``person`` tutors (for ``IN`` clauses)."""
    return sa.select(cohort_tutor.c.cohort_id).where(cohort_tutor.c.person_id == person.id)


def _enrolled_cohort_ids(person: Person) -> sa.Select:
    return sa.select(Enrolment.cohort_id).where(Enrolment.person_id == person.id)


def cohorts_query(*, visible_to: Person, programme_id: int | None = None,
                  search: str | None = None) -> sa.Select:
    """A select of the cohorts ``visible_to`` may see, newest first.

    Managers and administrators see every cohort; tutors the cohorts they tutor;
    anyone enrolled (in any status) the cohorts they are enrolled in. Programmes
    and tutors are loaded with the cohorts, so listing them costs no extra query
    per row (use ``enrolments.active_enrolment_counts`` for the counts).
    """
    query = (
        sa.select(Cohort)
        .options(selectinload(Cohort.programme), selectinload(Cohort.tutors))
        .order_by(Cohort.starts_on.desc().nulls_last(), Cohort.name, Cohort.id)
    )
    if not sees_every_cohort(visible_to):
        visible = [Cohort.id.in_(_enrolled_cohort_ids(visible_to))]
        if Role.TUTOR in visible_to.roles:
            visible.append(Cohort.id.in_(tutored_cohort_ids(visible_to)))
        query = query.where(sa.or_(*visible))
    if programme_id:
        query = query.where(Cohort.programme_id == programme_id)
    if search and search.strip():
        query = query.where(contains_text(Cohort.name, search))
    return query


def is_tutor_of(person: Person, cohort: Cohort) -> bool:
    """True if ``person`` holds the tutor role and is one of the cohort's tutors."""
    if Role.TUTOR not in person.roles:
        return False
    return db.session.scalar(sa.select(sa.exists().where(
        cohort_tutor.c.cohort_id == cohort.id, cohort_tutor.c.person_id == person.id))) or False


def is_enrolled_in(person: Person, cohort: Cohort) -> bool:
    """True if ``person`` has an enrolment (any status) in ``cohort``."""
    return db.session.scalar(sa.select(sa.exists().where(
        Enrolment.cohort_id == cohort.id, Enrolment.person_id == person.id))) or False


def can_view_cohort(person: Person, cohort: Cohort) -> bool:
    """The rule of :func:`cohorts_query`, for one cohort."""
    return (sees_every_cohort(person) or is_tutor_of(person, cohort)
            or is_enrolled_in(person, cohort))


def can_manage_cohort(person: Person, cohort: Cohort) -> bool:
    """Only managers (and administrators) change cohorts and their enrolments."""
    return person.has_role(Role.MANAGER)


def tutor_candidates(programme: Programme | None = None) -> list[Person]:
    """Active people who may tutor a cohort (of ``programme``, if given), by family names."""
    grants = RoleGrant.role == Role.TUTOR
    if programme is not None:
        grants = sa.and_(grants, sa.or_(RoleGrant.programme_id.is_(None),
                                        RoleGrant.programme_id == programme.id))
    return list(db.session.scalars(
        sa.select(Person).where(Person.active, Person.role_grants.any(grants))
        .order_by(*Person.by_name())
    ))


# --- cohorts -----------------------------------------------------------------------------------

def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("The cohort needs a name."), errors={"name": [_("required")]})
    if len(name) > NAME_MAX_LENGTH:
        message = _("at most %(num)s characters", num=NAME_MAX_LENGTH)
        raise ValidationError(_("The name is too long (%(limit)s).", limit=message),
                              errors={"name": [message]})
    return name


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        message = _("must not be before the start date")
        raise ValidationError(_("The cohort cannot end before it starts."),
                              errors={"ends_on": [message]})


def _check_name_free(programme_id: int, name: str, *, except_id: int | None = None) -> None:
    # Case-insensitive, so "Cohorte 1" and "cohorte 1" are not two cohorts.
    query = sa.select(Cohort.id).where(Cohort.programme_id == programme_id,
                                       sa.func.lower(Cohort.name) == name.lower())
    if except_id is not None:
        query = query.where(Cohort.id != except_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise Conflict(_("The programme already has a cohort named “%(name)s”.", name=name),
                       errors={"name": [_("already used in this programme")]})


def _holds_tutor_role(person: Person, programme_id: int) -> bool:
    return any(
        grant.role is Role.ADMIN
        or (grant.role is Role.TUTOR and grant.programme_id in (None, programme_id))
        for grant in person.role_grants
    )


def _check_tutors(programme_id: int, people: Iterable[Person]) -> list[Person]:
    people = list(dict.fromkeys(people))  # keep order, drop repeats
    not_tutors = [person for person in people if not _holds_tutor_role(person, programme_id)]
    if not_tutors:
        names = ", ".join(person.email for person in not_tutors)
        message = _("%(names)s: not a tutor of this programme", names=names)
        raise ValidationError(_("Only tutors can be assigned to a cohort (%(names)s).", names=names),
                              errors={"tutor_ids": [message]})
    return people


@contextmanager
def _savepoint_for_name(programme_id: int, name: str, *, except_id: int | None = None):
    """Write the cohort inside a savepoint, so that a duplicate name committed meanwhile by a
    concurrent request becomes a ``Conflict`` and leaves the session usable."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError:
        _check_name_free(programme_id, name, except_id=except_id)
        raise


def create_cohort(programme: Programme, *, name: str, starts_on: date | None = None,
                  ends_on: date | None = None, tutors: Iterable[Person] = ()) -> Cohort:
    """Create a cohort of ``programme``.

    Raises ``ValidationError`` for an empty name, an end before the start or a
    tutor who does not hold the tutor role, and ``Conflict`` if the programme
    already has a cohort with that name (ignoring case).
    """
    name = _clean_name(name)
    _check_dates(starts_on, ends_on)
    tutors = _check_tutors(programme.id, tutors)
    _check_name_free(programme.id, name)
    with _savepoint_for_name(programme.id, name):
        cohort = Cohort(programme=programme, name=name, starts_on=starts_on, ends_on=ends_on,
                        tutors=tutors)
        db.session.add(cohort)
    cohort_saved.send(cohort)
    return cohort


def update_cohort(cohort: Cohort, *, name: str = _UNSET, starts_on: date | None = _UNSET,
                  ends_on: date | None = _UNSET, tutors: Iterable[Person] = _UNSET) -> Cohort:
    """Change the given details of ``cohort``; everything is checked before anything changes.

    Same rules as :func:`create_cohort`; omitted arguments stay as they are.
    """
    new_name = cohort.name if name is _UNSET else _clean_name(name)
    new_start = cohort.starts_on if starts_on is _UNSET else starts_on
    new_end = cohort.ends_on if ends_on is _UNSET else ends_on
    _check_dates(new_start, new_end)
    new_tutors = None if tutors is _UNSET else _check_tutors(cohort.programme_id, tutors)
    if new_name != cohort.name:
        _check_name_free(cohort.programme_id, new_name, except_id=cohort.id)
    with _savepoint_for_name(cohort.programme_id, new_name, except_id=cohort.id):
        cohort.name, cohort.starts_on, cohort.ends_on = new_name, new_start, new_end
        if new_tutors is not None:
            cohort.tutors = new_tutors
    cohort_saved.send(cohort)
    return cohort


def set_tutors(cohort: Cohort, people: Iterable[Person]) -> Cohort:
    """Make ``people`` (all holding the tutor role) the cohort's tutors, replacing the others."""
    return update_cohort(cohort, tutors=people)


def assign_tutor(cohort: Cohort, person: Person) -> Cohort:
    """Add ``person`` (who must hold the tutor role) to the cohort's tutors; idempotent."""
    _check_tutors(cohort.programme_id, [person])
    if person not in cohort.tutors:
        cohort.tutors.append(person)
        db.session.flush()
    return cohort


def remove_tutor(cohort: Cohort, person: Person) -> Cohort:
    """Take ``person`` off the cohort's tutors; nothing happens if they were not one."""
    if person in cohort.tutors:
        cohort.tutors.remove(person)
        db.session.flush()
    return cohort
