"""The public badge page a holder shares, and the raster images link previews show.

``/badges/<serial>`` shows what the verification page shows (holder, certificate,
programme, hours, issuer, dates, state) around the badge, plus what the programme
publishes for everyone (what earning it takes, the competencies it aligns to), with
Open Graph and Twitter card metadata (in the page's language: the link a holder shares
names theirs), so a link pasted into LinkedIn, WhatsApp or an e-mail shows the badge.
The verdict is the verification's own; anything but VALID, REVOKED or EXPIRED is sent to
the verification page, which explains.

Registered on the area's blueprint (``certificates.views.blp``).
"""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _

from certify.accounts.access import public
from certify.certificates.badge_images import CARD_SIZE, card_of, card_png, emblem_png
from certify.certificates.issuing import VerificationState, verify
from certify.certificates.links import (
    badge_card_url,
    badge_page_url,
    open_to_verifiers,
    verification_page_url,
)
from certify.certificates.models import Certificate
from certify.certificates.openbadges import achievement_alignment, criteria_narrative
from certify.certificates.serials import MalformedSerial, normalise_serial
from certify.certificates.views import blp

SHOWN = {VerificationState.VALID, VerificationState.REVOKED, VerificationState.EXPIRED}
# Open Graph locales (language_TERRITORY); Spanish is written for all of Latin America.
OG_LOCALES = {"es": "es_LA", "pt_BR": "pt_BR", "en": "en_US"}
PREVIEW_CACHE = "public, max-age=300"


def _verdict(serial: str):
    """The verification verdict for a page or card at ``serial``, or a response to give
    instead: the canonical address (301), or the verification page that explains (302)."""
    try:
        canonical = normalise_serial(serial)
    except MalformedSerial:
        abort(404)
    if canonical != serial:
        return None, redirect(url_for(request.endpoint, serial=canonical), 301)
    verdict = verify(canonical, count=False)  # a look at a badge is not a verification
    if verdict.state not in SHOWN:
        if verdict.state is VerificationState.NOT_FOUND:
            abort(404)
        return None, redirect(url_for("certificates.verify_page", serial=canonical))
    return verdict, None


@blp.get("/badges/<serial>")
@open_to_verifiers
def badge_page(serial: str):
    """The badge page: the certificate as its holder shows it to the world."""
    verdict, response = _verdict(serial)
    if response is not None:
        return response
    certificate = verdict.certificate
    locale = str(get_locale())
    # What a preview shows reads in the page's language: the holder's shared link names
    # theirs (``?lang=``), since a crawler states none.
    preview = {
        "title": f"{certificate.holder_name} · {certificate.title_in()}",
        "description": _preview_description(certificate, verdict.state),
        "locale": OG_LOCALES.get(locale, "es_LA"),
        "image_alt": f"{certificate.title_in()} · {certificate.programme_title_in()}",
    }
    html = render_template(
        "certificates/badge.html", c=certificate, verdict=verdict, State=VerificationState,
        preview=preview, page_url=badge_page_url(certificate, locale),
        image_url=badge_card_url(certificate, verdict.state.value, locale),
        image_size=CARD_SIZE, verification_url=verification_page_url(certificate),
        criteria=criteria_narrative(certificate), alignment=achievement_alignment(certificate))
    response = Response(html)
    response.headers["Cache-Control"] = "no-store"  # a revocation must show at once
    return response


def _preview_description(certificate: Certificate, state: VerificationState) -> str:
    facts = _("%(programme)s · %(hours)s hours · issued by %(issuer)s on %(date)s.",
              programme=certificate.programme_title_in(),
              hours=format_decimal(certificate.hours), issuer=certificate.issuer_name_in(),
              date=format_date(certificate.issued_at, "long"))
    if state is VerificationState.REVOKED:
        return _("Revoked certificate.") + " " + facts
    if state is VerificationState.EXPIRED:
        return _("Expired certificate.") + " " + facts
    return _("Verified certificate.") + " " + facts


@blp.get("/badges/<serial>.png")
@open_to_verifiers
def badge_card(serial: str):
    """The badge's share card (1200×630 PNG), as it stands now."""
    verdict, response = _verdict(serial)
    if response is not None:
        return response
    card = card_of(verdict.certificate, verdict.state.value.lower(), str(get_locale()))
    data = card_png(card)
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = PREVIEW_CACHE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blp.get("/images/<sha256>.png")
@public
def emblem_image(sha256: str):
    """An emblem as a square PNG, by its hash: the Open Badges achievement image, for wallets
    that show no SVG. Its address names its content, so it never changes."""
    data = emblem_png(sha256)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
