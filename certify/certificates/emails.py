"""The e-mails a holder gets when a certificate is issued, revoked or reissued, in their
language, via the outbox."""

from __future__ import annotations

from flask_babel import force_locale

from certify.accounts.models import Person
from certify.certificates.links import verification_url
from certify.certificates.models import Certificate
from certify.certificates.reasons import reason_label
from certify.core.i18n import localized
from certify.core.mail import OutboxMessage, external_url, queue_templated_email


def queue_issued_email(certificate: Certificate, holder: Person) -> OutboxMessage:
    """Queue "your certificate was issued" to ``holder`` in the current transaction.

    It links to the public verification page (with the signed token, as the QR
    code does), to the holder's page with all their certificates, and to the PDF.
    """
    locale = holder.preferred_locale or certificate.holder_locale or "es"
    return queue_templated_email(
        holder.email, "certificate_issued", locale=locale, time_zone=holder.zone_name,
        person=holder,
        certificate=certificate, title=localized(certificate.certificate_title, locale),
        programme=localized(certificate.programme_title, locale),
        verification_url=verification_url(certificate),
        holder_page_url=external_url("certificates.my_certificates"),
        pdf_url=external_url("certificates.pdf", serial=certificate.serial))


def _reason_in(code: str | None, locale: str) -> str:
    with force_locale(locale):
        return reason_label(code)


def _locale_of(certificate: Certificate, holder: Person) -> str:
    return holder.preferred_locale or certificate.holder_locale or "es"


def queue_revoked_email(certificate: Certificate, holder: Person) -> OutboxMessage:
    """Queue "your certificate was revoked" (with the reason) to ``holder``."""
    locale = _locale_of(certificate, holder)
    return queue_templated_email(
        holder.email, "certificate_revoked", locale=locale, time_zone=holder.zone_name,
        person=holder, certificate=certificate,
        title=localized(certificate.certificate_title, locale),
        programme=localized(certificate.programme_title, locale),
        reason=_reason_in(certificate.revocation_reason, locale),
        verification_url=verification_url(certificate))


def queue_reissued_email(old: Certificate, new: Certificate, holder: Person) -> OutboxMessage:
    """Queue "your certificate was reissued" to ``holder``: the new one's links, the old
    one's code, and why (one message instead of a revocation and an issue)."""
    locale = _locale_of(new, holder)
    return queue_templated_email(
        holder.email, "certificate_reissued", locale=locale, time_zone=holder.zone_name,
        person=holder, certificate=new, old=old,
        title=localized(new.certificate_title, locale),
        programme=localized(new.programme_title, locale),
        reason=_reason_in(old.revocation_reason, locale),
        verification_url=verification_url(new),
        holder_page_url=external_url("certificates.my_certificates"),
        pdf_url=external_url("certificates.pdf", serial=new.serial))
