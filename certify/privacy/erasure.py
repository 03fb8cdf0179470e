"""Erasure: the person's account and learning records stop identifying them, while the
certificates they were issued stay in the public register (docs/data-protection.md).

The learning records (enrolments, quiz attempts, attendance, groups, grades) are kept,
linked to an account that no longer says who it was: the programme's figures and the
certificates' history stay true, and nobody can tell whose they were. What would still
identify the person goes: name, e-mail, position, gender and birth year, password, API
tokens, the identifiers their Moodle knows them by, their queued and sent e-mails, their
role grants, and the free-text survey answers (the 1-5 scores stay, they only count in
the aggregates). Each certificate keeps the name it was issued to, as every public
register does; the manager decides whether they stay valid or are revoked, and the
decision is audit-logged with the reason.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.accounts.models import ApiToken, Person, RoleGrant
from certify.accounts.services import end_sessions
from certify.certificates.issuing import revoke
from certify.certificates.models import Certificate
from certify.core import audit
from certify.core.errors import Conflict, ValidationError
from certify.core.mail import OutboxMessage
from certify.extensions import db
from certify.lti.models import LtiUser
from certify.reports.models import ReportFact
from certify.surveys.models import SurveyAnswer, SurveyResponse

ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a real mailbox


def is_erased(person: Person) -> bool:
    return person.email.endswith(f"@{ERASED_DOMAIN}")


def erase_person(person: Person, *, actor: Person | None, revoke_certificates: bool,
                 reason: str) -> list[Certificate]:
    """Anonymise ``person``; revoke their live certificates if ``revoke_certificates``.

    Returns their certificates (revoked or kept). ``Conflict`` for an account already
    erased or one's own; ``ValidationError`` without a reason.
    """
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the data is erased (for the audit log).")
        raise ValidationError(message, errors={"reason": [message]})
    if is_erased(person):
        raise Conflict(_("This person's data was already erased."))
    if actor is not None and actor.id == person.id:
        raise Conflict(_("Another manager must erase your own account."))
    certificates = list(db.session.scalars(
        sa.select(Certificate).where(Certificate.person_id == person.id).order_by(Certificate.id)))
    revoked = []
    if revoke_certificates:
        for certificate in certificates:
            if not certificate.is_revoked:
                # No e-mail: the address is being forgotten, and the holder asked for it.
                revoke(certificate, reason=_("The holder's personal data was erased."),
                       actor=actor, notify=False)
                revoked.append(certificate.serial)
    old_email = person.email
    _forget_identity(person)
    audit.record("person.erased", person, actor=actor, reason=reason,
                 certificates_revoked=revoked,
                 certificates_kept=[c.serial for c in certificates if c.serial not in revoked
                                    and not c.is_revoked])
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_address == old_email))
    return certificates


def _forget_identity(person: Person) -> None:
    person.email = f"erased-{person.id}@{ERASED_DOMAIN}"
    person.given_names = f"#{person.id}"
    person.family_names = "—"
    person.position = None
    person.gender = None
    person.birth_year = None
    person.password_hash = None
    person.active = False
    end_sessions(person)  # a session open elsewhere ends now, not at its next check
    db.session.execute(sa.delete(RoleGrant).where(RoleGrant.person_id == person.id))
    db.session.execute(sa.delete(ApiToken).where(ApiToken.person_id == person.id))
    db.session.execute(sa.delete(LtiUser).where(LtiUser.person_id == person.id))
    responses = sa.select(SurveyResponse.id).where(SurveyResponse.person_id == person.id)
    db.session.execute(sa.delete(SurveyAnswer).where(
        SurveyAnswer.response_id.in_(responses), SurveyAnswer.text.is_not(None)))
    db.session.execute(sa.update(ReportFact).where(ReportFact.person_id == person.id)
                       .values(gender=None, birth_year=None))
    db.session.expire(person, ["role_grants"])
    db.session.flush()
