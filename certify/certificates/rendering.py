"""Certificate PDFs: printed from the certificate's snapshot, stored once, served as stored.

A certificate's PDF is the page the batched path renders for it
(:func:`render_batch`); a single certificate is a batch of one, which gives
the same bytes. The page has two layers (templates/certificates/pdf/
certificate.html): the background, which every certificate of a programme in
one language shares (frame, titles, modules, signatories), is laid out and
written once per process and kept; the overlay (name, date, QR code, serial)
is laid out and written for the whole batch in one WeasyPrint call, and each
page becomes a file on top of the background. Laying out and writing the whole
page for each certificate (:func:`render_in_one_call`) shows the same, several
times slower.

PDFs are PDF/A-3b with the Open Badges credential attached, in the holder's
language, and deterministic: the same certificate always gives the same file
in any batch, so the stored SHA-256 proves a file unchanged. (Overlays end
with a glyph page, so their fonts carry the same glyphs in every batch; a
certificate whose overlay needs a character beyond them is rendered alone.)

Files live under ``<CERTIFICATES_DIR>/<serial[:2]>/<serial>.pdf`` (by default
``instance/certificates``), written atomically; ``pdf_path`` is relative to
that folder, so the folder can move.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, format_date, format_decimal, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from certify.certificates.design import DEFAULT_COLOURS, image_data_url
from certify.certificates.links import base_url, verification_qr_data
from certify.certificates.models import Certificate, CertificateKind
from certify.core.i18n import language_of, localized
from certify.core.pdf import (
    RESOURCE_SCHEME,
    PdfAttachment,
    PdfMetadata,
    PdfPage,
    Resource,
    application_roots,
    render_background,
    render_pdf,
)
from certify.core.pdf import render_documents as render_pdf_documents
from certify.core.qr import qr_png
from certify.core.storage import certificates_dir

log = logging.getLogger(__name__)

CREDENTIAL_FILENAME = "open-badge-credential.json"
SIGNED_CREDENTIAL_FILENAME = "open-badge-credential.jwt"
LONG_NAME, VERY_LONG_NAME = 34, 48  # characters: the name is set smaller past these
LONG_TITLE, VERY_LONG_TITLE = 30, 42  # and so is the certificate's title
TEMPLATES = "certificates/pdf"  # the page, its styles, emblem and frame
PAGE, DOCUMENT = f"{TEMPLATES}/certificate.html", f"{TEMPLATES}/document.html"
BACKGROUND, OVERLAY = ("background",), ("overlay",)  # the page's layers
BACKGROUNDS_KEPT = 32  # per process: programmes × languages × kinds in use at once
# What the overlays' fonts always carry (the glyph page): the letters of names in Spanish,
# Portuguese and most European languages, with the ligatures some of them form.
GLYPHS = "".join(map(chr, [*range(0x20, 0x7F), *range(0xA0, 0x180)])) + "‐–—‘’“”•… fi fl ff ffi ffl"
_WITHIN_GLYPHS = frozenset(GLYPHS + "\n")
PAGE_MARGIN_MM, AUTHORITIES_WIDTH_MM, AUTHORITIES_GAP_MM = 24, 249, 14
SEAL_GAP_MM = 60  # between two signatures, where the seal goes


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
    signature_src: str = ""  # a data: URL, or "" for a line to sign by hand


@dataclass(frozen=True)
class PrintedCertificate:
    """Everything the page shows, already in the holder's language."""

    lang: str
    issuer: str
    # The programme's design (certificates.design): colours, and data: URLs ("" = none).
    primary: str
    accent: str
    logo_src: str
    emblem_src: str
    seal_src: str
    title: str
    title_class: str
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
    """One PDF per certificate, in order: the overlays laid out and written in one
    WeasyPrint call, each drawn on its (shared, kept) background."""
    prepared = [_prepare(certificate) for certificate in certificates]
    together = [item for item in prepared if item.within_glyphs]
    files = dict(zip((id(item) for item in together), _render(together), strict=True))
    for item in prepared:
        if not item.within_glyphs:
            files[id(item)] = _render([item])[0]
    return [files[id(item)] for item in prepared]


@dataclass(frozen=True)
class _Prepared:
    overlay: Markup
    background: bytes
    page: PdfPage
    qr: tuple[str, Resource]
    within_glyphs: bool


def _prepare(certificate: Certificate) -> _Prepared:
    # The QR image is named after the serial, not the position: the name ends up in the
    # PDF, and a certificate must give the same bytes in any batch.
    qr_name = f"qr-{certificate.serial}.png"
    qr = Resource(qr_png(verification_qr_data(certificate), box_size=1), "image/png")
    with force_locale(certificate.holder_locale or "es"):
        printed = printed_certificate(certificate, qr_src=f"{RESOURCE_SCHEME}:{qr_name}")
        overlay = Markup(render_template(PAGE, c=printed, layers=OVERLAY))
        background = _shared_background(printed)
        page = PdfPage(_metadata(certificate, printed), _credentials(certificate))
    return _Prepared(overlay, background, page, (qr_name, qr),
                     within_glyphs=_WITHIN_GLYPHS.issuperset(overlay))


def _shared_background(printed: PrintedCertificate) -> bytes:
    # The background is drawn from what the holder's certificate shares with others:
    # blanked, the holder's own fields cannot reach it, and equal ones hit the cache.
    shared = replace(printed, holder_name="", name_class="", serial="", qr_src="")
    return _background(shared, application_roots(current_app), _folder())


def lay_out_backgrounds(certificates: Sequence[Certificate]) -> None:
    """Lay out now the backgrounds ``certificates`` are drawn on (one per language): before
    forking processes that render them, so that they share these instead of each laying
    out its own. Any certificate whose background is still missing gets it when rendered."""
    for certificate in {c.holder_locale: c for c in certificates}.values():
        with force_locale(certificate.holder_locale or "es"):
            _shared_background(printed_certificate(certificate, qr_src=""))


def _render(prepared: Sequence[_Prepared]) -> list[bytes]:
    if not prepared:
        return []
    html = _document([item.overlay for item in prepared], prepared[0].page.metadata.title,
                     glyphs=GLYPHS)
    return render_pdf_documents(
        html, [item.page for item in prepared], roots=application_roots(current_app),
        base_url=_folder(), resources=dict(item.qr for item in prepared),
        backgrounds=[item.background for item in prepared], glyph_page=True)


def render_certificate(certificate: Certificate) -> bytes:
    """The PDF of one certificate (a batch of one: the same bytes as in any batch)."""
    return render_batch([certificate])[0]


def render_in_one_call(certificate: Certificate) -> bytes:
    """The certificate's page laid out and written whole, in one WeasyPrint call.

    What :func:`render_batch` avoids repeating: it is the reference the
    layered pages are checked against (they show the same) and measured
    against (``python -m certify.bench issuance``).
    """
    qr = Resource(qr_png(verification_qr_data(certificate), box_size=1), "image/png")
    with force_locale(certificate.holder_locale or "es"):
        printed = printed_certificate(certificate, qr_src=f"{RESOURCE_SCHEME}:qr.png")
        html = _document([Markup(render_template(PAGE, c=printed, layers=BACKGROUND + OVERLAY))],
                         printed.title)
        page = PdfPage(_metadata(certificate, printed), _credentials(certificate))
    return render_pdf(html, page, roots=application_roots(current_app), base_url=_folder(),
                      resources={"qr.png": qr})


def _document(pages: list[Markup], title: str, glyphs: str = "") -> str:
    return render_template(DOCUMENT, pages=pages, title=title, glyphs=glyphs)


def _folder() -> Path:
    return Path(current_app.template_folder) / TEMPLATES


@lru_cache(maxsize=BACKGROUNDS_KEPT)
def _background(printed: PrintedCertificate, roots: tuple[str, ...], folder: Path) -> bytes:
    # Called in the holder's language (``printed.lang``, part of the key).
    html = _document([Markup(render_template(PAGE, c=printed, layers=BACKGROUND))],
                     printed.title)
    return render_background(html, roots=roots, base_url=folder)


def printed_certificate(certificate: Certificate, *, qr_src: str) -> PrintedCertificate:
    """What the page of ``certificate`` says, in the current (the holder's) language;
    ``qr_src`` is the address of its QR code image."""
    locale = certificate.holder_locale or "es"
    if certificate.kind is CertificateKind.PARTICIPATION:
        achievement = _("took part in the in-person session of the programme")
    else:
        achievement = _("has completed the programme")
    name, title = certificate.holder_name, certificate.title_in(locale)
    design = certificate.design or {}
    colours = {**DEFAULT_COLOURS, **(design.get("colours") or {})}
    return PrintedCertificate(
        lang=locale.replace("_", "-"),
        issuer=certificate.issuer_name_in(locale),
        primary=colours["primary"], accent=colours["accent"],
        logo_src=image_data_url(design.get("logo")),
        emblem_src=image_data_url(design.get("emblem")),
        seal_src=image_data_url(design.get("seal")),
        title=title,
        title_class=_length_class(title, LONG_TITLE, VERY_LONG_TITLE),
        holder_name=name,
        name_class=_length_class(name, LONG_NAME, VERY_LONG_NAME),
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


def _length_class(text: str, long: int, very_long: int) -> str:
    return "very-long" if len(text) > very_long else "long" if len(text) > long else ""


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
    signatures = list((certificate.design or {}).get("signatures") or [])
    signatures += [None] * (len(people) - len(signatures))
    # With a seal, the middle of the line of signatures is left to it.
    gap = SEAL_GAP_MM if (certificate.design or {}).get("seal") and len(people) == 2 \
        else AUTHORITIES_GAP_MM
    width = (AUTHORITIES_WIDTH_MM - gap * (len(people) - 1)) / len(people)
    return tuple(
        PrintedAuthority(person.get("name", ""), localized(person.get("title"), locale),
                         left=f"{PAGE_MARGIN_MM + n * (width + gap):.1f}",
                         width=f"{width:.1f}", signature_src=image_data_url(signature))
        for n, (person, signature) in enumerate(zip(people, signatures, strict=False)))


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


def _credentials(certificate: Certificate) -> tuple[PdfAttachment, ...]:
    """The Open Badges 3.0 credential: signed (the VC-JWT, what makes it verifiable) and, for
    people and tools that read JSON, the same credential unsigned."""
    from certify.certificates import openbadges

    data = json.dumps(openbadges.open_badge_credential(certificate), sort_keys=True,
                      ensure_ascii=False, indent=2, default=str).encode("utf-8")
    signed = openbadges.signed_open_badge(certificate).encode("ascii")
    return (
        PdfAttachment(CREDENTIAL_FILENAME, data, relationship="Source",
                      description=_("Open Badges 3.0 credential of certificate %(serial)s",
                                    serial=certificate.serial)),
        PdfAttachment(SIGNED_CREDENTIAL_FILENAME, signed, relationship="Source",
                      media_type=openbadges.MEDIA_TYPE,
                      description=_("Signed Open Badges 3.0 credential (VC-JWT, RS256) of "
                                    "certificate %(serial)s", serial=certificate.serial)),
    )


# --- storage -----------------------------------------------------------------------------------

def storage_root() -> Path:
    return certificates_dir()


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
    """The certificate's PDF: the file stored when it was issued, or rendered now (not stored:
    a download only reads) while that job has not run yet or the file is missing or altered.

    Rendering is deterministic, so the bytes match the recorded hash unless the template
    or fonts changed.
    """
    return stored_pdf(certificate) or render_certificate(certificate)


def pdf_filename(certificate: Certificate) -> str:
    """The download name, e.g. ``certificate-K7QM-3XDA-9PFT.pdf`` in the holder's language."""
    word = {"es": "certificado", "pt": "certificado"}.get(
        language_of(certificate.holder_locale or "es"), "certificate")
    return f"{word}-{certificate.serial}.pdf"
