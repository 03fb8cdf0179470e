"""Raster badge images: what link previews and wallets show, since neither renders SVG.

Two PNGs, both drawn by the PDF machinery the certificates already use (WeasyPrint lays
the image out with the programme's colours, emblem and the certificate fonts; PDFium turns
the page into pixels), so a badge looks like its certificate:

- the **share card** (1200×630, the size LinkedIn, WhatsApp and Open Graph readers
  expect): the emblem on the programme's colour, the certificate's title, programme,
  issuer and hours in the page's language, and a band when it is no longer valid;
- the **emblem** as a square PNG (600×600): the Open Badges ``achievement.image``.

Neither names the holder (the page around a card does): a card is the same for every
holder of a programme, language and state, so each is drawn once per process and kept.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from PIL import Image

from certify.certificates.design import DEFAULT_COLOURS, image_data_url
from certify.certificates.models import Certificate
from certify.core.i18n import localized

CARD_SIZE = (1200, 630)
EMBLEM_SIZE = (600, 600)
CARD_TEMPLATE, EMBLEM_TEMPLATE = "certificates/badge/card.html", "certificates/badge/emblem.html"
IMAGES_KEPT = 64  # per process: programmes × kinds × languages × states in use
CSS_PIXELS_PER_POINT = 96 / 72  # WeasyPrint's px is 1/96 in; PDFium renders at 72 dpi a scale


@dataclass(frozen=True)
class Card:
    """Everything a share card shows: the key it is kept by, too."""

    locale: str
    title: str
    programme: str
    issuer: str
    hours: Decimal
    primary: str
    accent: str
    emblem: str | None  # the emblem's SHA-256
    state: str  # "valid", "revoked" or "expired"


def card_of(certificate: Certificate, state: str, locale: str) -> Card:
    """The card of ``certificate`` in ``locale``, in ``state``."""
    design = certificate.design or {}
    colours = {**DEFAULT_COLOURS, **(design.get("colours") or {})}
    return Card(locale=locale, title=certificate.title_in(locale),
                programme=localized(certificate.programme_title, locale),
                issuer=certificate.issuer_name_in(locale), hours=certificate.hours,
                primary=colours["primary"], accent=colours["accent"],
                emblem=design.get("emblem"), state=state)


def card_png(card: Card) -> bytes:
    """The 1200×630 PNG of ``card``."""
    return _card_png(card)


def emblem_png(sha256: str) -> bytes | None:
    """The emblem image ``sha256`` as a 600×600 PNG, or None if there is no such image."""
    source = image_data_url(sha256)
    return _emblem_png(sha256, source) if source else None


@lru_cache(maxsize=IMAGES_KEPT)
def _card_png(card: Card) -> bytes:
    with force_locale(card.locale):
        html = render_template(CARD_TEMPLATE, card=card, size=CARD_SIZE,
                               emblem=image_data_url(card.emblem) if card.emblem else "",
                               band={"revoked": _("Revoked"),
                                     "expired": _("Expired")}.get(card.state, ""))
    return _rasterise(html, CARD_SIZE)


@lru_cache(maxsize=IMAGES_KEPT)
def _emblem_png(sha256: str, source: str) -> bytes:
    html = render_template(EMBLEM_TEMPLATE, source=source, size=EMBLEM_SIZE)
    return _rasterise(html, EMBLEM_SIZE)


def _rasterise(html: str, size: tuple[int, int]) -> bytes:
    """``html`` (one page of ``size`` CSS pixels) as a PNG of exactly ``size`` pixels."""
    # Imported here: WeasyPrint and PDFium are heavy, and only these images need them here.
    import pypdfium2

    from certify.core.pdf import application_roots, layout

    pdf = layout(html, roots=application_roots(current_app)).write_pdf()
    document = pypdfium2.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=CSS_PIXELS_PER_POINT)
        image = bitmap.to_pil().convert("RGB")
    finally:
        document.close()
    if image.size != size:  # a pixel lost to rounding
        image = image.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
