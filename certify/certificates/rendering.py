"""Certificate PDFs: printed from the certificate's snapshot, stored once, served as stored.

A certificate's PDF is the page the batched path renders for it
(:func:`render_batch`: one WeasyPrint layout for up to a few hundred
certificates, then one PDF per page); a single certificate is a batch of one,
which gives the same bytes. PDFs are PDF/A-3b with the Open Badges credential
attached, in the holder's language, and deterministic: the same certificate
always gives the same file, so the stored SHA-256 proves a file unchanged.

Files live under ``<CERTIFICATES_DIR>/<serial[:2]>/<serial>.pdf`` (by default
``instance/certificates``), written atomically; ``pdf_path`` is relative to
that folder, so the folder can move.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, format_date, format_decimal, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from PIL import Image

from certify.certificates.links import base_url, verification_url
from certify.certificates.models import Certificate, CertificateKind
from certify.core.i18n import language_of, localized
from certify.core.pdf import (
    RESOURCE_SCHEME,
    PdfAttachment,
    PdfMetadata,
    PdfPage,
    Resource,
    application_roots,
)
from certify.core.pdf import render_documents as render_pdf_documents
from certify.core.qr import QUIET_ZONE
from certify.core.qrencode import qr_matrix

log = logging.getLogger(__name__)

CREDENTIAL_FILENAME = "open-badge-credential.json"
# Pixels per QR module in the embedded image; drawn without interpolation at QR_WIDTH_MM.
QR_PIXELS_PER_MODULE = 1
LONG_NAME, VERY_LONG_NAME = 34, 48  # characters: the name is set smaller past these
TEMPLATES = "certificates/pdf"  # the page, its styles, emblem and frame
PAGE_MARGIN_MM, AUTHORITIES_WIDTH_MM, AUTHORITIES_GAP_MM = 24, 249, 14


@dataclass(frozen=True)
class PrintedModule:
    code: str
    title: str
    hours: str


@dataclass(frozen=True)
class PrintedAuthority:
    name: str
    title: str
    left: str  # millimetres from the page's left edge
    width: str


@dataclass(frozen=True)
class PrintedCertificate:
    """Everything the page shows, already in the holder's language."""

    lang: str
    issuer: str
    title: str
    holder_name: str
    name_class: str
    achievement: str
    programme: str
    modules: tuple[PrintedModule, ...]
    hours: str
    when: str
    authorities: tuple[PrintedAuthority, ...]
    serial: str
    verify_address: str
    qr_src: str


# --- rendering ---------------------------------------------------------------------------------

def render_batch(certificates: Sequence[Certificate]) -> list[bytes]:
    """One PDF per certificate, in order, from a single WeasyPrint layout."""
    if not certificates:
        return []
    pages_html, pages, resources = [], [], {}
    for certificate in certificates:
        # Named after the serial, not the position: the name ends up in the PDF (as the
        # image's id), and a certificate must give the same bytes in any batch.
        qr_name = f"qr-{certificate.serial}.png"
        resources[qr_name] = Resource(qr_png(verification_url(certificate)), "image/png")
        with force_locale(certificate.holder_locale or "es"):
            printed = printed_certificate(certificate, qr_src=f"{RESOURCE_SCHEME}:{qr_name}")
            pages_html.append(Markup(render_template("certificates/pdf/certificate.html",
                                                     c=printed)))
            pages.append(PdfPage(_metadata(certificate, printed), (_credential(certificate),)))
    html = render_template("certificates/pdf/document.html", pages=pages_html,
                           title=pages[0].metadata.title)
    return render_pdf_documents(html, pages, roots=application_roots(current_app),
                                base_url=Path(current_app.template_folder) / TEMPLATES,
                                resources=resources)


def render_certificate(certificate: Certificate) -> bytes:
    """The PDF of one certificate (a batch of one: the same bytes as in any batch)."""
    return render_batch([certificate])[0]


def printed_certificate(certificate: Certificate, *, qr_src: str) -> PrintedCertificate:
    """What the page of ``certificate`` says, in the current (the holder's) language;
    ``qr_src`` is the address of its QR code image."""
    locale = certificate.holder_locale or "es"
    if certificate.kind is CertificateKind.PARTICIPATION:
        achievement = _("took part in the in-person session of the programme")
    else:
        achievement = _("has completed the programme")
    name = certificate.holder_name
    return PrintedCertificate(
        lang=locale.replace("_", "-"),
        issuer=certificate.issuer_name,
        title=certificate.title_in(locale),
        holder_name=name,
        name_class=("very-long" if len(name) > VERY_LONG_NAME
                    else "long" if len(name) > LONG_NAME else ""),
        achievement=achievement,
        programme=certificate.programme_title_in(locale),
        modules=tuple(PrintedModule(module.get("code", ""), localized(module.get("title"), locale),
                                    hours_label(module.get("hours", 0)))
                      for module in certificate.modules or ()),
        hours=hours_label(certificate.hours),
        when=_issue_line(certificate),
        authorities=_authorities(certificate, locale),
        serial=certificate.serial,
        verify_address=f"{base_url()}/v",
        qr_src=qr_src,
    )


def hours_label(hours: Decimal | str | int) -> str:
    """``"24"`` -> "24 horas" / "24 hours", with the language's decimal separator."""
    value = Decimal(str(hours)).normalize()
    return ngettext("%(hours)s hour", "%(hours)s hours", 1 if value == 1 else 2,
                    hours=format_decimal(value))


def _issue_line(certificate: Certificate) -> str:
    # The date as it was where the programme runs (the app's timezone), not in UTC.
    day = format_date(certificate.issued_at, "long")
    if certificate.place:
        return _("%(place)s, %(date)s", place=certificate.place, date=day)
    return _("Issued on %(date)s", date=day)


def _authorities(certificate: Certificate, locale: str) -> tuple[PrintedAuthority, ...]:
    """Who signs, side by side across the page's width."""
    people = certificate.authorities or ()
    if not people:
        return ()
    width = (AUTHORITIES_WIDTH_MM - AUTHORITIES_GAP_MM * (len(people) - 1)) / len(people)
    return tuple(
        PrintedAuthority(person.get("name", ""), localized(person.get("title"), locale),
                         left=f"{PAGE_MARGIN_MM + n * (width + AUTHORITIES_GAP_MM):.1f}",
                         width=f"{width:.1f}")
        for n, person in enumerate(people))


def qr_png(data: str) -> bytes:
    """The QR code of ``data`` (error correction M, quiet zone) as a 1-bit PNG.

    Enlarged without smoothing from one pixel per module: a few hundred bytes,
    sharp at any size since the PDF draws it without interpolation, and the
    same bytes every time.
    """
    matrix = qr_matrix(data, border=QUIET_ZONE)
    size = len(matrix)
    image = Image.new("1", (size, size))
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    scaled = size * QR_PIXELS_PER_MODULE
    image = image.resize((scaled, scaled), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _metadata(certificate: Certificate, printed: PrintedCertificate) -> PdfMetadata:
    return PdfMetadata(
        title=f"{printed.title} · {certificate.holder_name}",
        author=certificate.issuer_name,
        subject=_("%(title)s, certificate %(serial)s", title=printed.programme,
                  serial=certificate.serial),
        keywords=(printed.title, printed.programme, certificate.serial, "Open Badges 3.0"),
        created=certificate.issued_at,
        lang=printed.lang,
    )


def credential_document(certificate: Certificate) -> dict:
    """The Open Badges 3.0 credential embedded in the PDF."""
    from certify.certificates import openbadges

    return openbadges.open_badge_credential(certificate)


def _credential(certificate: Certificate) -> PdfAttachment:
    data = json.dumps(credential_document(certificate), sort_keys=True, ensure_ascii=False,
                      indent=2, default=str).encode("utf-8")
    return PdfAttachment(CREDENTIAL_FILENAME, data, relationship="Source",
                         description=_("Open Badges 3.0 credential of certificate %(serial)s",
                                       serial=certificate.serial))


# --- storage -----------------------------------------------------------------------------------

def storage_root() -> Path:
    configured = current_app.config.get("CERTIFICATES_DIR") or os.environ.get(
        "CERTIFY_CERTIFICATES_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "certificates"


def relative_pdf_path(certificate: Certificate) -> str:
    return f"{certificate.serial[:2]}/{certificate.serial}.pdf"


def store_pdf(certificate: Certificate, data: bytes) -> None:
    """Write ``data`` as the certificate's file (atomically) and record its path and hash."""
    relative = relative_pdf_path(certificate)
    target = storage_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target, then rename: a reader sees the old file or the new, never half.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    certificate.pdf_path = relative
    certificate.pdf_sha256 = hashlib.sha256(data).hexdigest()


def stored_pdf(certificate: Certificate) -> bytes | None:
    """The stored file if it is there and matches the recorded hash, else None."""
    if not certificate.pdf_path or not certificate.pdf_sha256:
        return None
    try:
        data = (storage_root() / certificate.pdf_path).read_bytes()
    except FileNotFoundError:
        log.warning("The PDF of certificate %s is missing; rendering it again", certificate.serial)
        return None
    if hashlib.sha256(data).hexdigest() != certificate.pdf_sha256:
        log.warning("The PDF of certificate %s does not match its hash; rendering it again",
                    certificate.serial)
        return None
    return data


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF: the stored file, or rendered and stored now (the caller commits).

    A missing or altered file is rendered again; rendering is deterministic, so
    the new file matches the recorded hash unless the template or fonts changed.
    """
    data = stored_pdf(certificate)
    if data is None:
        data = render_certificate(certificate)
        store_pdf(certificate, data)
    return data


def pdf_filename(certificate: Certificate) -> str:
    """The download name, e.g. ``certificate-K7QM-3XDA-9PFT.pdf`` in the holder's language."""
    word = {"es": "certificado", "pt": "certificado"}.get(
        language_of(certificate.holder_locale or "es"), "certificate")
    return f"{word}-{certificate.serial}.pdf"
