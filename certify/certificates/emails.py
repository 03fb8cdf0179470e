"""The e-mail a holder gets when a certificate is issued, in their language, via the outbox."""

from __future__ import annotations

from certify.accounts.models import Person
from certify.certificates.links import verification_url
from certify.certificates.models import Certificate
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
