"""Reading the register of certificates: search, a holder's certificates, a cohort's."""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa

from certify.accounts.models import Person, Role
from certify.attendance.models import ATTENDED, CheckIn, InPersonSession, Registration
from certify.certificates.models import Certificate, CertificateKind
from certify.certificates.serials import MalformedSerial, normalise_serial
from certify.cohorts.models import Cohort
from certify.cohorts.services import contains_text
from certify.extensions import db
from certify.progress.services import ProgressRow, cohort_progress


class CertificateStatus(enum.StrEnum):
    LIVE = "live"
    REVOKED = "revoked"


def certificates_query(*, search: str | None = None, status: CertificateStatus | str | None = None,
                       kind: CertificateKind | str | None = None, programme_id: int | None = None,
                       person_id: int | None = None) -> sa.Select:
    """A select of certificates, newest first.

    ``search`` matches a serial as typed (any spelling the check character
    accepts), or part of the holder's name, the serial or the programme code.
    """
    query = sa.select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    if search and search.strip():
        try:
            query = query.where(Certificate.serial == normalise_serial(search))
        except MalformedSerial:
            query = query.where(sa.or_(contains_text(Certificate.holder_name, search),
                                       contains_text(Certificate.serial, search),
                                       contains_text(Certificate.programme_code, search)))
    if status == CertificateStatus.LIVE:
        query = query.where(Certificate.revoked_at.is_(None))
    elif status == CertificateStatus.REVOKED:
        query = query.where(Certificate.revoked_at.is_not(None))
    if kind:
        query = query.where(Certificate.kind == CertificateKind(kind))
    if programme_id:
        query = query.where(Certificate.programme_id == programme_id)
    if person_id:
        query = query.where(Certificate.person_id == person_id)
    return query


def certificates_of(person: Person) -> list[Certificate]:
    """Every certificate ``person`` holds, live ones first, newest first."""
    return list(db.session.scalars(
        sa.select(Certificate).where(Certificate.person_id == person.id)
        .order_by(Certificate.revoked_at.is_not(None), Certificate.issued_at.desc(),
                  Certificate.id.desc())))


def can_see_certificate(person: Person, certificate: Certificate) -> bool:
    """Holders see their own certificates; managers (and administrators) every one."""
    return certificate.person_id == person.id or person.has_role(Role.MANAGER)


def live_programme_certificates(programme_id: int, person_ids: Collection[int]
                                ) -> dict[int, Certificate]:
    """``{person id: live programme certificate}`` in one query, whatever the number of people."""
    if not person_ids:
        return {}
    rows = db.session.scalars(sa.select(Certificate).where(
        Certificate.kind == CertificateKind.PROGRAMME, Certificate.programme_id == programme_id,
        Certificate.person_id.in_(list(person_ids)), Certificate.revoked_at.is_(None)))
    return {certificate.person_id: certificate for certificate in rows}


@dataclass(frozen=True)
class CohortCertificateRow:
    """A member of a cohort, whether they can be certified, and their live certificate."""

    progress: ProgressRow
    certificate: Certificate | None

    @property
    def person(self) -> Person:
        return self.progress.person


def cohort_certificates(cohort: Cohort) -> list[CohortCertificateRow]:
    """Every active member of ``cohort`` with eligibility and live certificate (bounded queries)."""
    rows = cohort_progress(cohort)
    certificates = live_programme_certificates(cohort.programme_id,
                                               [row.enrolment.person_id for row in rows])
    return [CohortCertificateRow(row, certificates.get(row.enrolment.person_id)) for row in rows]


@dataclass(frozen=True)
class IssuanceOutlook:
    """What issuing for everyone eligible in a cohort would do now."""

    to_issue: int  # eligible, without a live certificate: they would get one
    holding: int  # already hold one: left as they are
    not_eligible: int  # missing something: nothing is issued to them

    @classmethod
    def of(cls, rows: list[CohortCertificateRow]) -> IssuanceOutlook:
        holding = sum(row.certificate is not None for row in rows)
        eligible = sum(row.certificate is None and row.progress.eligibility.eligible
                       for row in rows)
        return cls(to_issue=eligible, holding=holding,
                   not_eligible=len(rows) - holding - eligible)


@dataclass(frozen=True)
class AttendeeRow:
    person: Person
    status: str
    certificate: Certificate | None


def session_attendees(session: InPersonSession) -> list[AttendeeRow]:
    """The people present or late at ``session``, with their live certificate of participation."""
    attended = db.session.execute(
        sa.select(Person, CheckIn.status)
        .join(Registration, Registration.person_id == Person.id)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.session_id == session.id, CheckIn.status.in_(list(ATTENDED)))
        .order_by(*Person.by_name())).all()
    certificates = {certificate.person_id: certificate for certificate in db.session.scalars(
        sa.select(Certificate).where(
            Certificate.kind == CertificateKind.PARTICIPATION,
            Certificate.session_id == session.id, Certificate.revoked_at.is_(None)))}
    return [AttendeeRow(person, str(status), certificates.get(person.id))
            for person, status in attended]
