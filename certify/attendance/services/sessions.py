"""Sessions of the in-person module: creating and changing them, and who sees them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from certify.accounts.models import Municipality, Person, Role
from certify.attendance.models import InPersonSession
from certify.attendance.services.seats import lock_session, promote_waitlisted, seats_taken
from certify.cohorts.enrolments import find_enrolment
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus, cohort_tutor
from certify.cohorts.services import is_tutor_of
from certify.core.errors import PermissionDenied, ValidationError
from certify.core.lookups import get_or_not_found
from certify.core.signals import session_scheduled
from certify.core.timezones import is_known_zone, municipality_zone, programme_zone_name
from certify.extensions import db
from certify.programmes.models import Module, ModuleKind, Programme

TITLE_MAX_LENGTH = 200
VENUE_MAX_LENGTH = 300
MAX_CAPACITY = 10_000
_UNSET = object()


# --- reading and access ------------------------------------------------------------------------

def get_session(session_id: int) -> InPersonSession:
    """The session with this id, or ``NotFound``."""
    return get_or_not_found(
        InPersonSession, session_id, _("There is no session with id %(id)s.", id=session_id))


def get_visible_session(person: Person, session_id: int) -> InPersonSession:
    """The session, if ``person`` may see it (:func:`can_view_session`), or ``PermissionDenied``."""
    session = get_session(session_id)
    if not can_view_session(person, session):
        raise PermissionDenied(_("Only the cohort's participants, its tutors and the programme "
                                 "managers can see this session."))
    return session


def get_session_to_run(person: Person, session_id: int) -> InPersonSession:
    """The session, if ``person`` runs it (:func:`can_run_session`), or ``PermissionDenied``."""
    session = get_session(session_id)
    if not can_run_session(person, session):
        raise PermissionDenied(_("Only the cohort's tutors and the programme managers can do "
                                 "this."))
    return session


def _active_cohort_ids(person: Person) -> sa.Select:
    return sa.select(Enrolment.cohort_id).where(Enrolment.person_id == person.id,
                                                Enrolment.status == EnrolmentStatus.ACTIVE)


def sessions_query(*, visible_to: Person, cohort_id: int | None = None) -> sa.Select:
    """A select of the sessions ``visible_to`` may see, soonest first.

    Managers see every session; tutors those of the cohorts they tutor;
    officials those of the cohorts they are actively enrolled in. Cohort and
    module are loaded with the sessions.
    """
    query = (sa.select(InPersonSession)
             .options(selectinload(InPersonSession.cohort), selectinload(InPersonSession.module))
             .order_by(InPersonSession.starts_at, InPersonSession.id))
    if not visible_to.has_role(Role.MANAGER):
        visible = [InPersonSession.cohort_id.in_(_active_cohort_ids(visible_to))]
        if Role.TUTOR in visible_to.roles:
            tutored = sa.select(cohort_tutor.c.cohort_id).where(
                cohort_tutor.c.person_id == visible_to.id)
            visible.append(InPersonSession.cohort_id.in_(tutored))
        query = query.where(sa.or_(*visible))
    if cohort_id:
        query = query.where(InPersonSession.cohort_id == cohort_id)
    return query


def sessions_of_cohort(cohort: Cohort) -> list[InPersonSession]:
    """The cohort's sessions, soonest first, with their modules loaded."""
    return list(db.session.scalars(
        sa.select(InPersonSession).where(InPersonSession.cohort_id == cohort.id)
        .options(selectinload(InPersonSession.module))
        .order_by(InPersonSession.starts_at, InPersonSession.id)))


def is_actively_enrolled(person: Person, cohort: Cohort) -> bool:
    enrolment = find_enrolment(cohort, person)
    return enrolment is not None and enrolment.status is EnrolmentStatus.ACTIVE


def can_run_session(person: Person, session: InPersonSession) -> bool:
    """Managers and the tutors of the session's cohort: they see who registered and check in."""
    return person.has_role(Role.MANAGER) or is_tutor_of(person, session.cohort)


def can_view_session(person: Person, session: InPersonSession) -> bool:
    """The rule of :func:`sessions_query`, for one session."""
    return can_run_session(person, session) or is_actively_enrolled(person, session.cohort)


def in_person_modules(programme: Programme | None = None) -> list[Module]:
    """The in-person modules (of ``programme``, or of every programme), in programme order."""
    query = (sa.select(Module).join(Module.programme).where(Module.kind == ModuleKind.IN_PERSON)
             .options(selectinload(Module.programme))
             .order_by(Programme.code, Module.position))
    if programme is not None:
        query = query.where(Module.programme_id == programme.id)
    return list(db.session.scalars(query))


# --- creating and changing ---------------------------------------------------------------------

def _clean_text(value: str | None, field: str, max_length: int, errors: dict) -> str:
    value = " ".join((value or "").split())
    if not value:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(value) > max_length:
        errors.setdefault(field, []).append(
            _("At most %(max)d characters.", max=max_length))
    return value


def venue_time_zone(chosen: str | None, venue_municipality: Municipality | None) -> str:
    """The zone a session's times are in: the one staff chose, else that of the venue's
    municipality (its country, or its region where the country has several, as for people),
    else the programme's."""
    return chosen or municipality_zone(venue_municipality) or programme_zone_name()


def _check(*, cohort: Cohort, module: Module, title: str, starts_at: datetime,
           ends_at: datetime, venue: str, capacity: int, time_zone: str,
           taken: int = 0) -> dict:
    """Every problem with these details at once, or the cleaned values."""
    errors: dict[str, list[str]] = {}
    if not is_known_zone(time_zone):
        errors["time_zone"] = [_("%(zone)s is not a time zone.", zone=time_zone)]
    if module.kind is not ModuleKind.IN_PERSON:
        errors["module_id"] = [_("Sessions are only for in-person modules.")]
    elif module.programme_id != cohort.programme_id:
        errors["module_id"] = [_("This module is not part of the cohort's programme.")]
    title = _clean_text(title, "title", TITLE_MAX_LENGTH, errors)
    venue = _clean_text(venue, "venue", VENUE_MAX_LENGTH, errors)
    for field, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(moment, datetime) or moment.tzinfo is None:
            errors[field] = [_("Give a date and time with its time zone.")]
    if "starts_at" not in errors and "ends_at" not in errors and ends_at <= starts_at:
        errors["ends_at"] = [_("The session must end after it starts.")]
    if (not isinstance(capacity, int) or isinstance(capacity, bool)
            or not 1 <= capacity <= MAX_CAPACITY):
        errors["capacity"] = [_("Give a number of seats between 1 and %(max)d.", max=MAX_CAPACITY)]
    elif capacity < taken:
        errors["capacity"] = [_("%(taken)d people already hold a seat; the capacity cannot be "
                                "lower.", taken=taken)]
    if errors:
        raise ValidationError(_("The session cannot be saved: %(fields)s.",
                                fields=", ".join(sorted(errors))), errors=errors)
    return {"title": title, "venue": venue, "starts_at": starts_at, "ends_at": ends_at,
            "capacity": capacity, "time_zone": time_zone}


def create_session(*, cohort: Cohort, module: Module, title: str, starts_at: datetime,
                   ends_at: datetime, venue: str, capacity: int,
                   registration_open: bool = True,
                   venue_municipality: Municipality | None = None,
                   time_zone: str | None = None) -> InPersonSession:
    """Schedule a session of an in-person ``module`` for ``cohort``.

    Raises ``ValidationError`` naming every bad field: a module that is not
    in-person or not of the cohort's programme, a blank title or venue, times
    without a time zone or out of order, a capacity below 1, an unknown ``time_zone``
    (none given: see :func:`venue_time_zone`).
    """
    values = _check(cohort=cohort, module=module, title=title, starts_at=starts_at,
                    ends_at=ends_at, venue=venue, capacity=capacity,
                    time_zone=venue_time_zone(time_zone, venue_municipality))
    session = InPersonSession(cohort=cohort, module=module, registration_open=registration_open,
                              venue_municipality=venue_municipality, **values)
    db.session.add(session)
    db.session.flush()
    session_scheduled.send(session)
    return session


def update_session(session: InPersonSession, *, title: str = _UNSET, starts_at: datetime = _UNSET,
                   ends_at: datetime = _UNSET, venue: str = _UNSET, capacity: int = _UNSET,
                   registration_open: bool = _UNSET,
                   venue_municipality: Municipality | None = _UNSET,
                   time_zone: str | None = _UNSET) -> InPersonSession:
    """Change the given details; everything is checked before anything changes.

    A ``time_zone`` given empty is that of the venue's municipality (:func:`venue_time_zone`).

    The capacity cannot go below the seats already taken; when it grows, the
    first people on the waitlist get the new seats (and their tickets).
    Cohort and module are fixed once a session exists.
    """
    session = lock_session(session)

    def given(value, current):
        return current if value is _UNSET else value

    values = _check(cohort=session.cohort, module=session.module,
                    title=given(title, session.title),
                    starts_at=given(starts_at, session.starts_at),
                    ends_at=given(ends_at, session.ends_at), venue=given(venue, session.venue),
                    capacity=given(capacity, session.capacity), taken=seats_taken(session),
                    time_zone=session.time_zone if time_zone is _UNSET else venue_time_zone(
                        time_zone, given(venue_municipality, session.venue_municipality)))
    for name, value in values.items():
        setattr(session, name, value)
    if venue_municipality is not _UNSET:
        session.venue_municipality = venue_municipality
    if registration_open is not _UNSET:
        session.registration_open = bool(registration_open)
    db.session.flush()
    promote_waitlisted(session)
    return session
