"""Issuing, revoking and reissuing certificates.

Every certificate is prepared the same way (:func:`prepare_certificate`): a
snapshot of what it states, a random serial, a random revocation status index
and a signature over the essential claims. Rendering the PDF is a separate step
(``certificates.rendering``). The database allows one live certificate per
person and programme (per person and session for participation); issuing twice
returns the live one, also when two requests race (the loser of the race gets
the winner's certificate).

Other modules import from here: ``find_by_serial``, ``verify`` and
``verification_url`` are re-exported for them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from certify.accounts.models import Person
from certify.attendance.models import ATTENDED, CheckIn, InPersonSession, Registration
from certify.certificates.design import design_snapshot
from certify.certificates.emails import (
    queue_issued_email,
    queue_reissued_email,
    queue_revoked_email,
)
from certify.certificates.links import ensure_public_base_url, verification_url
from certify.certificates.models import Certificate, CertificateKind, RevocationReason
from certify.certificates.reasons import reason_label
from certify.certificates.serials import generate_serial
from certify.certificates.status_list import allocate_status_index
from certify.certificates.tokens import hours_text, sign_certificate
from certify.certificates.verification import (
    Verification,
    VerificationState,
    find_by_serial,
    get_by_serial,
    verify,
)
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.core import audit
from certify.core.clock import utcnow
from certify.core.errors import Conflict, ValidationError
from certify.core.i18n import language_of
from certify.extensions import db
from certify.programmes.models import Module, ModuleKind, Programme
from certify.progress.eligibility import Eligibility
from certify.progress.services import eligibility

__all__ = [
    "Verification", "VerificationState", "find_by_serial", "get_by_serial", "verify",
    "verification_url", "prepare_certificate", "issue_programme_certificate",
    "issue_participation_certificate", "revoke", "reissue", "live_programme_certificate",
    "live_participation_certificate", "record_imported_certificate", "REASON_MAX_LENGTH",
    "reason_label", "RevocationReason",
]

REASON_MAX_LENGTH = 500
# Draws of a new serial and status index after a collision with a concurrent issue.
ATTEMPTS = 4


def _now(now: datetime | None) -> datetime:
    # Whole seconds: credentials state the issue time to the second (validFrom, nbf), and a
    # credential rebuilt from the stored value must say exactly the same.
    return (now or utcnow()).replace(microsecond=0)


def _in_every_language(message: Callable[[], str]) -> dict[str, str]:
    """``{"es": ..., "pt": ..., "en": ...}``: a message of ours in each language we speak."""
    texts = {}
    for locale in current_app.config["LOCALES"]:
        with force_locale(locale):
            texts[language_of(locale)] = message()
    return texts


def _module_entry(module: Module) -> dict:
    return {"code": module.code, "title": dict(module.title), "hours": hours_text(module.hours)}


def programme_place(programme: Programme) -> str:
    """Where a programme certificate is given: the venue of its in-person module, if any."""
    return next((module.venue for module in programme.modules
                 if module.kind is ModuleKind.IN_PERSON and module.venue), "")


def prepare_certificate(*, kind: CertificateKind, person: Person, programme: Programme,
                        modules: list[Module], place: str, certificate_title: dict[str, str],
                        cohort: Cohort | None = None, session: InPersonSession | None = None,
                        issued_at: datetime | None = None, expires_at: datetime | None = None,
                        actor: Person | None = None, hours: Decimal | None = None,
                        original_reference: str | None = None) -> Certificate:
    """A new certificate, signed but not added to the session and not rendered.

    Takes the snapshot (holder, programme, modules and hours, issuer,
    authorities, place), draws a serial and a status list index, and signs
    the essential claims with the current key (generated on first use).
    ``hours`` replaces the modules' sum, and ``original_reference`` marks the certificate
    as imported (awarded before certify), for :func:`record_imported_certificate`.
    """
    ensure_public_base_url()
    rules = programme.certification_rules if kind is CertificateKind.PROGRAMME else None
    certificate = Certificate(
        kind=kind, person_id=person.id, holder_name=person.full_name,
        holder_locale=person.preferred_locale or "es",
        programme_code=programme.code, programme_title=dict(programme.title),
        programme_description=dict(programme.description or {}),
        certificate_title=dict(certificate_title),
        modules=[_module_entry(module) for module in modules],
        hours=hours if hours is not None else sum((module.hours for module in modules), start=0),
        issuer_name=programme.issuer_name or "", issuer_url=programme.issuer_url,
        issuer_email=programme.issuer_email,
        issuer_names=dict(programme.issuer_names or {}), design=design_snapshot(programme),
        authorities=[dict(authority) for authority in programme.authorities or []],
        place=place or "", criteria=dict(rules or {}),
        alignment=list(programme.competencies or []) if kind is CertificateKind.PROGRAMME else [],
        programme_id=programme.id, cohort_id=cohort.id if cohort else None,
        session_id=session.id if session else None,
        issued_at=_now(issued_at), expires_at=_now(expires_at) if expires_at else None,
        issued_by_id=actor.id if actor else None, verification_count=0,
        imported=False, original_reference=original_reference,
    )
    _draw_identity(certificate)
    return certificate


def _draw_identity(certificate: Certificate) -> None:
    """A fresh serial and status index, and the signature over them."""
    certificate.serial = generate_serial()
    certificate.status_list_index = allocate_status_index()
    sign_certificate(certificate)


def _live_like(certificate: Certificate) -> Certificate | None:
    """The live certificate the unique indexes would not allow ``certificate`` beside."""
    if certificate.person_id is None:
        return None
    same = (Certificate.programme_id == certificate.programme_id
            if certificate.kind is CertificateKind.PROGRAMME
            else Certificate.session_id == certificate.session_id)
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.kind == certificate.kind, Certificate.person_id == certificate.person_id,
        same, Certificate.revoked_at.is_(None)))


def _record(certificate: Certificate, *, actor: Person | None,
            holder: Person | None) -> Certificate:
    """Insert ``certificate``, or return the live one a concurrent request inserted first.

    Each insert runs in a SAVEPOINT, so a unique violation leaves the
    transaction usable: if a live certificate now exists, the race was lost and
    that one is returned (whoever won told the holder); otherwise the serial or
    status index collided, and new ones are drawn. The holder's e-mail is
    queued in the same transaction: no certificate without it, nor the reverse.
    """
    for _attempt in range(ATTEMPTS):
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
        except IntegrityError:
            winner = _live_like(certificate)
            if winner is not None:
                return winner
            certificate = _copy_for_retry(certificate)
            continue
        audit.record("certificate_issued", certificate, actor=actor, serial=certificate.serial,
                     kind=str(certificate.kind))
        if holder is not None:
            queue_issued_email(certificate, holder)
        return certificate
    raise Conflict(_("The certificate could not be recorded because of simultaneous changes. "
                     "Please try again."))


def _copy_for_retry(certificate: Certificate) -> Certificate:
    # The rolled-back object is expunged; a new one avoids reusing its identity.
    columns = {column.key: getattr(certificate, column.key)
               for column in Certificate.__table__.columns if column.key != "id"}
    fresh = Certificate(**columns)
    _draw_identity(fresh)
    return fresh


# --- programme certificates --------------------------------------------------------------------

def live_programme_certificate(person: Person, programme: Programme) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.kind == CertificateKind.PROGRAMME, Certificate.person_id == person.id,
        Certificate.programme_id == programme.id, Certificate.revoked_at.is_(None)))


def _check_enrolled(person: Person, cohort: Cohort) -> None:
    enrolled = db.session.scalar(sa.select(sa.exists().where(
        Enrolment.cohort_id == cohort.id, Enrolment.person_id == person.id,
        Enrolment.status != EnrolmentStatus.WITHDRAWN)))
    if not enrolled:
        message = _("%(name)s is not enrolled in the cohort %(cohort)s.", name=person.full_name,
                    cohort=cohort.name)
        raise ValidationError(message, errors={"person_id": [message]})


def _refuse_ineligible(person: Person, verdict: Eligibility) -> None:
    reasons = verdict.reasons
    raise ValidationError(
        _("%(name)s cannot be certified yet: %(reasons)s.", name=person.full_name,
          reasons="; ".join(reasons)),
        errors={"person_id": reasons})


def check_programme_issuable(person: Person, cohort: Cohort) -> None:
    """``ValidationError`` unless ``person`` is enrolled in ``cohort`` and eligible: what
    issuing checks, asked before a manager confirms it."""
    _check_enrolled(person, cohort)
    verdict = eligibility(person, cohort)
    if not verdict.eligible:
        _refuse_ineligible(person, verdict)


def issue_programme_certificate(person: Person, cohort: Cohort, *, actor: Person | None,
                                now: datetime | None = None,
                                verdict: Eligibility | None = None) -> Certificate:
    """The programme certificate of ``person`` for ``cohort``'s programme.

    Idempotent: returns the person's live certificate of the programme if there
    is one. Otherwise the person must be enrolled in the cohort and eligible
    (``progress.services.eligibility``); if not, ``ValidationError`` lists every
    reason. A cohort-wide job passes the ``verdict`` of the rows it read (enrolled,
    no live certificate): the lookups are skipped, and a certificate issued since
    is still found, by the database's unique index (see :func:`_record`).
    """
    programme = cohort.programme
    if verdict is None:
        existing = live_programme_certificate(person, programme)
        if existing is not None:
            return existing
        check_programme_issuable(person, cohort)
    elif not verdict.eligible:
        _refuse_ineligible(person, verdict)
    certificate = prepare_certificate(
        kind=CertificateKind.PROGRAMME, person=person, programme=programme,
        modules=list(programme.modules), place=programme_place(programme),
        certificate_title=programme.certificate_title or programme.title, cohort=cohort,
        issued_at=now, actor=actor)
    return _record(certificate, actor=actor, holder=person)


def record_imported_certificate(*, kind: CertificateKind, person: Person, programme: Programme,
                                hours: Decimal, issued_at: datetime,
                                original_reference: str | None, actor: Person | None,
                                cohort: Cohort | None = None) -> Certificate:
    """A certificate awarded outside certify (a pilot edition), recorded now: serial, status
    index and signature like any other, issued on its original date, marked ``imported``.
    No e-mail: the holder received the original long ago."""
    certificate = prepare_certificate(
        kind=kind, person=person, programme=programme, modules=[],
        place=programme_place(programme) if kind is CertificateKind.PROGRAMME else "",
        certificate_title=programme.certificate_title or programme.title, issued_at=issued_at,
        actor=actor, hours=hours, original_reference=original_reference, cohort=cohort)
    certificate.imported = True
    return _record(certificate, actor=actor, holder=None)


# --- certificates of participation -------------------------------------------------------------

def live_participation_certificate(person: Person, session: InPersonSession
                                   ) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.kind == CertificateKind.PARTICIPATION, Certificate.person_id == person.id,
        Certificate.session_id == session.id, Certificate.revoked_at.is_(None)))


def attendance_at(person: Person, session: InPersonSession) -> str | None:
    """The attendance status recorded for ``person`` at ``session``, if any."""
    status = db.session.scalar(
        sa.select(CheckIn.status).join(Registration, CheckIn.registration_id == Registration.id)
        .where(Registration.session_id == session.id, Registration.person_id == person.id))
    return str(status) if status is not None else None


def check_participation_issuable(person: Person, session: InPersonSession, *,
                                 now: datetime | None = None) -> None:
    """``ValidationError`` before the session has ended or for anyone not checked in as
    present or late: what issuing checks, asked before a manager confirms it."""
    if _now(now) < session.ends_at:
        message = _("Certificates of participation can be issued once the session has ended.")
        raise ValidationError(message, errors={"session_id": [message]})
    if attendance_at(person, session) not in {str(status) for status in ATTENDED}:
        message = _("%(name)s was not checked in as present or late at this session.",
                    name=person.full_name)
        raise ValidationError(message, errors={"person_id": [message]})


def issue_participation_certificate(person: Person, session: InPersonSession, *,
                                    actor: Person | None, now: datetime | None = None
                                    ) -> Certificate:
    """The certificate of participation of ``person`` at an in-person ``session``.

    Idempotent like the programme certificate. Refused (``ValidationError``)
    before the session has ended, and for anyone not checked in as present or
    late.
    """
    existing = live_participation_certificate(person, session)
    if existing is not None:
        return existing
    now = _now(now)
    check_participation_issuable(person, session, now=now)
    certificate = prepare_certificate(
        kind=CertificateKind.PARTICIPATION, person=person, programme=session.cohort.programme,
        modules=[session.module], place=session.venue,
        certificate_title=_in_every_language(lambda: _("Certificate of participation")),
        cohort=session.cohort, session=session, issued_at=now, actor=actor)
    return _record(certificate, actor=actor, holder=person)


# --- revocation and reissue --------------------------------------------------------------------

def _clean_reason(reason: str | None, note: str | None) -> tuple[str, str | None]:
    """``(code, note)``. A text that is not a code (callers from before codes) becomes the
    note, with the code OTHER: the public is never shown what a manager typed."""
    reason, note = (reason or "").strip(), (note or "").strip() or None
    if not reason:
        message = _("Choose why: the reason is shown to anyone who verifies the certificate.")
        raise ValidationError(message, errors={"reason": [message]})
    if reason not in set(RevocationReason):
        reason, note = RevocationReason.OTHER, "\n".join(filter(None, [reason, note]))
    if note is not None and len(note) > REASON_MAX_LENGTH:
        message = _("at most %(num)s characters", num=REASON_MAX_LENGTH)
        raise ValidationError(_("The note is too long (%(limit)s).", limit=message),
                              errors={"note": [message]})
    return str(reason), note


def revoke(certificate: Certificate, *, reason: str, actor: Person | None,
           note: str | None = None, now: datetime | None = None,
           notify: bool = True) -> Certificate:
    """Revoke ``certificate`` for ``reason`` (a ``RevocationReason`` code, shown translated
    on the verification page) with an optional internal ``note`` (managers only);
    audit-logged. Its bit in the status list turns to 1, and the holder is told by e-mail
    (``notify``; reissuing tells them once, about both). ``Conflict`` if it was already
    revoked.
    """
    reason, note = _clean_reason(reason, note)
    # Never before the issue date (a database check insists), even with a clock set back.
    now = max(_now(now), certificate.issued_at)
    # Conditional, so that of two managers revoking at once exactly one succeeds.
    result = db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=now, revocation_reason=reason, revocation_note=note,
                revoked_by_id=actor.id if actor else None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(_("Certificate %(serial)s is already revoked.", serial=certificate.serial))
    db.session.refresh(certificate)
    audit.record("certificate_revoked", certificate, actor=actor, reason=reason,
                 note=note, serial=certificate.serial)
    holder = db.session.get(Person, certificate.person_id) if certificate.person_id else None
    if notify and holder is not None:
        queue_revoked_email(certificate, holder)
    return certificate


def reissue(certificate: Certificate, *, actor: Person | None,
            reason: str = RevocationReason.REPLACED, note: str | None = None,
            now: datetime | None = None) -> Certificate:
    """Replace ``certificate`` by a new one with a new serial; the old one is revoked.

    The new certificate states the same programme, modules and hours, with the
    holder's name as the account spells it now (reissuing is how a misspelt
    name is corrected). The old one points to it (``replaced_by``).
    """
    if certificate.is_revoked:
        raise Conflict(_("Certificate %(serial)s is revoked; reissue the certificate that "
                         "replaced it, or issue a new one.", serial=certificate.serial))
    revoke(certificate, reason=reason, note=note, actor=actor, now=now, notify=False)
    person = db.session.get(Person, certificate.person_id) if certificate.person_id else None
    columns = {column.key: getattr(certificate, column.key)
               for column in Certificate.__table__.columns}
    for key in ("id", "serial", "token", "kid", "status_list_index", "revoked_at",
                "revocation_reason", "revocation_note", "revoked_by_id", "replaced_by_id",
                "pdf_sha256", "pdf_path", "created_at"):
        columns.pop(key)
    columns.update(issued_at=_now(now), issued_by_id=actor.id if actor else None,
                   verification_count=0)
    if person is not None:
        columns.update(holder_name=person.full_name,
                       holder_locale=person.preferred_locale or certificate.holder_locale)
    replacement = Certificate(**columns)
    _draw_identity(replacement)
    recorded = _record(replacement, actor=actor, holder=None)
    certificate.replaced_by_id = recorded.id
    db.session.flush()
    if person is not None:
        queue_reissued_email(certificate, recorded, person)
    audit.record("certificate_reissued", certificate, actor=actor,
                 reason=certificate.revocation_reason,
                 serial=certificate.serial, replaced_by=recorded.serial)
    return recorded
