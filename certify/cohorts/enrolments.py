"""Use cases for enrolments: enrolling people (one, many, by e-mail, from CSV), their status,
and the listings of enrolments each person may see."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from certify.accounts.importing import ImportReport, import_people
from certify.accounts.models import Municipality, Person, Region, Role
from certify.accounts.services import normalise_email
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.cohorts.services import sees_every_cohort, tutored_cohort_ids
from certify.core.errors import ValidationError
from certify.core.lookups import get_or_not_found
from certify.core.signals import enrolment_created
from certify.extensions import db

# --- reading -----------------------------------------------------------------------------------

def get_enrolment(enrolment_id: int) -> Enrolment:
    """The enrolment with this id, or ``NotFound``."""
    return get_or_not_found(
        Enrolment, enrolment_id, _("There is no enrolment with id %(id)s.", id=enrolment_id))


def find_enrolment(cohort: Cohort, person: Person) -> Enrolment | None:
    """The enrolment of ``person`` in ``cohort`` (any status), or None."""
    return db.session.scalar(sa.select(Enrolment).where(
        Enrolment.cohort_id == cohort.id, Enrolment.person_id == person.id))


def active_enrolment_counts(cohorts: Iterable[Cohort]) -> dict[int, int]:
    """``{cohort id: active enrolments}`` for these cohorts, in one query."""
    ids = [cohort.id for cohort in cohorts]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Enrolment.cohort_id, sa.func.count(Enrolment.id))
        .where(Enrolment.cohort_id.in_(ids), Enrolment.status == EnrolmentStatus.ACTIVE)
        .group_by(Enrolment.cohort_id)
    ).all()
    counts = dict.fromkeys(ids, 0)
    counts.update({cohort_id: count for cohort_id, count in rows})
    return counts


def enrolment_status_counts(cohort: Cohort) -> dict[EnrolmentStatus, int]:
    """How many enrolments of ``cohort`` are in each status (every status present)."""
    rows = db.session.execute(
        sa.select(Enrolment.status, sa.func.count(Enrolment.id))
        .where(Enrolment.cohort_id == cohort.id).group_by(Enrolment.status)
    ).all()
    counts = dict.fromkeys(EnrolmentStatus, 0)
    counts.update({EnrolmentStatus(status): count for status, count in rows})
    return counts


def _status(value: EnrolmentStatus | str) -> EnrolmentStatus:
    try:
        return EnrolmentStatus(value)
    except ValueError:
        message = f"status must be one of {', '.join(s.value for s in EnrolmentStatus)}"
        raise ValidationError(message, errors={"status": [message]}) from None


def enrolments_query(cohort: Cohort, status: EnrolmentStatus | str | None = None,
                     search: str | None = None) -> sa.Select:
    """A select of the cohort's enrolments with their people, by family names.

    ``search`` matches names and e-mail; each person's municipality, region and
    country are loaded too, so a table of enrolments costs a fixed number of queries.
    """
    query = (
        sa.select(Enrolment).join(Enrolment.person)
        .where(Enrolment.cohort_id == cohort.id)
        .options(contains_eager(Enrolment.person).selectinload(Person.municipality)
                 .selectinload(Municipality.region).selectinload(Region.country))
        .order_by(Person.name_sort_key, Enrolment.id)
    )
    if status:
        query = query.where(Enrolment.status == _status(status))
    if search and search.strip():
        query = query.where(Person.name_or_email_contains(search))
    return query


def visible_enrolments_query(*, visible_to: Person, cohort_id: int | None = None,
                             person_id: int | None = None,
                             status: EnrolmentStatus | str | None = None,
                             q: str | None = None) -> sa.Select:
    """A select of the enrolments ``visible_to`` may see, optionally filtered (``q``: the
    person's name however typed, or e-mail), by cohort and then as readers sort names.

    Managers see all; tutors those of the cohorts they tutor; everyone their own.
    """
    query = (
        sa.select(Enrolment).join(Enrolment.person)
        .options(contains_eager(Enrolment.person))
        .order_by(Enrolment.cohort_id, Person.name_sort_key, Enrolment.id)
    )
    if q and q.strip():
        query = query.where(Person.name_or_email_contains(q))
    if not sees_every_cohort(visible_to):
        visible = [Enrolment.person_id == visible_to.id]
        if Role.TUTOR in visible_to.roles:
            visible.append(Enrolment.cohort_id.in_(tutored_cohort_ids(visible_to)))
        query = query.where(sa.or_(*visible))
    if cohort_id:
        query = query.where(Enrolment.cohort_id == cohort_id)
    if person_id:
        query = query.where(Enrolment.person_id == person_id)
    if status:
        query = query.where(Enrolment.status == _status(status))
    return query


# --- enrolments --------------------------------------------------------------------------------

@dataclass
class EnrolCounts:
    """What :func:`enrol_many` did."""

    created: int = 0
    reactivated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.reactivated + self.unchanged


def _enrol_into(cohort: Cohort, person: Person, existing: Enrolment | None,
                counts: EnrolCounts) -> Enrolment:
    if existing is not None:
        if existing.status is EnrolmentStatus.ACTIVE:
            counts.unchanged += 1
        else:
            existing.status = EnrolmentStatus.ACTIVE
            counts.reactivated += 1
        return existing
    enrolment = Enrolment(cohort=cohort, person=person, status=EnrolmentStatus.ACTIVE)
    db.session.add(enrolment)
    counts.created += 1
    return enrolment


def _announce(enrolments: list[Enrolment]) -> None:
    for enrolment in enrolments:
        enrolment_created.send(enrolment, cohort=enrolment.cohort, person=enrolment.person)


def enrol(cohort: Cohort, person: Person) -> Enrolment:
    """Enrol ``person`` in ``cohort`` and return the enrolment.

    Idempotent: an active enrolment is returned as it is, an inactive or
    withdrawn one is made active again. Only a new enrolment sends
    ``enrolment_created``.
    """
    counts = EnrolCounts()
    enrolment = _enrol_into(cohort, person, find_enrolment(cohort, person), counts)
    db.session.flush()
    if counts.created:
        _announce([enrolment])
    return enrolment


def enrol_many(cohort: Cohort, people: Iterable[Person]) -> EnrolCounts:
    """Enrol everyone in ``people`` (as :func:`enrol`, in a fixed number of queries)."""
    people = list({person.id: person for person in people}.values())
    if not people:
        return EnrolCounts()
    for person in people:
        if person.id is None:
            db.session.flush()
            break
    existing = {
        enrolment.person_id: enrolment
        for enrolment in db.session.scalars(sa.select(Enrolment).where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.person_id.in_([person.id for person in people])))
    }
    counts = EnrolCounts()
    created = []
    for person in people:
        before = counts.created
        enrolment = _enrol_into(cohort, person, existing.get(person.id), counts)
        if counts.created > before:
            created.append(enrolment)
    db.session.flush()
    _announce(created)
    return counts


def set_enrolment_status(enrolment: Enrolment, status: EnrolmentStatus | str) -> Enrolment:
    """Mark an enrolment active, inactive or withdrawn (enrolments are never deleted)."""
    enrolment.status = _status(status)
    db.session.flush()
    return enrolment


class UnknownEmails(ValidationError):
    """Some addresses in a list are malformed or belong to nobody; nothing was enrolled."""

    def __init__(self, *, invalid: list[str], unknown: list[str]):
        problems = [f"{email}: not a valid e-mail address" for email in invalid]
        problems += [f"{email}: nobody is registered with this e-mail" for email in unknown]
        super().__init__(f"{len(problems)} e-mail address(es) cannot be enrolled; "
                         "nobody was enrolled.", errors={"emails": problems})
        self.invalid = invalid
        self.unknown = unknown


def split_emails(text: str) -> list[str]:
    """The addresses in ``text``: one per line (commas, semicolons and spaces also separate)."""
    return list(dict.fromkeys(part for part in re.split(r"[\s,;]+", text or "") if part))


def enrol_by_email(cohort: Cohort, emails: Iterable[str]) -> EnrolCounts:
    """Enrol the people registered with ``emails``; all or nothing.

    Raises :class:`UnknownEmails` naming every malformed or unregistered address
    (and enrols nobody), or ``ValidationError`` if the list is empty.
    """
    wanted: list[str] = []
    invalid: list[str] = []
    for email in emails:
        try:
            wanted.append(normalise_email(email))
        except ValidationError:
            invalid.append(email)
    wanted = list(dict.fromkeys(wanted))
    if not wanted and not invalid:
        raise ValidationError(_("Give at least one e-mail address."),
                              errors={"emails": [_("give at least one e-mail address")]})
    found = {
        person.email: person
        for person in db.session.scalars(sa.select(Person).where(Person.email.in_(wanted)))
    } if wanted else {}
    unknown = [email for email in wanted if email not in found]
    if invalid or unknown:
        raise UnknownEmails(invalid=invalid, unknown=unknown)
    return enrol_many(cohort, [found[email] for email in wanted])


@dataclass
class CohortImport:
    """What :func:`import_into_cohort` did: the people import and the enrolments."""

    people: ImportReport
    enrolments: EnrolCounts = field(default_factory=EnrolCounts)


def import_into_cohort(cohort: Cohort, text: str, *, skip_invalid: bool = False) -> CohortImport:
    """Import officials from CSV (see ``accounts.importing``) and enrol them all in ``cohort``.

    Same all-or-nothing rule as the people import: raises ``ImportRejected``
    (nothing written) if a row is invalid, unless ``skip_invalid``.
    """
    report = import_people(text, skip_invalid=skip_invalid)
    counts = enrol_many(cohort, report.created + report.updated)
    return CohortImport(people=report, enrolments=counts)
