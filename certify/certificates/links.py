"""The addresses a certificate is reached at: the QR target, its page, sharing links."""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlencode, urlsplit

from flask import current_app
from flask_babel import gettext as _

from certify.accounts.access import public
from certify.certificates.models import Certificate
from certify.core.address_limits import limit_per_address
from certify.core.errors import Conflict

# Names that only resolve on one machine or inside one network (RFC 6761, RFC 6762, RFC 8375).
LOCAL_NAME_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def verify_limit() -> str:
    """How often one address may verify (page and API each): ``VERIFY_RATE_LIMIT``, enough
    for a room of 200 people behind one public address scanning in the same minute."""
    return current_app.config.get("VERIFY_RATE_LIMIT", "600 per minute")


def verify_miss_limit() -> str:
    """How many verifications that find nothing (400, 404) one address may make:
    ``VERIFY_MISS_RATE_LIMIT``. Past it the address waits, whatever it asks: what stops
    serials being enumerated (the check character already refuses 31 guesses in 32)."""
    return current_app.config.get("VERIFY_MISS_RATE_LIMIT", "60 per minute")


def is_miss(response) -> bool:
    return response.status_code in {400, 404}


def open_to_verifiers(view):
    """A view anyone may call without an account, within the verification limits: the
    verification page and API, and the badge page and card, which show the same facts."""
    return public(limit_per_address(verify_limit, misses=verify_miss_limit, is_miss=is_miss)(view))


def base_url() -> str:
    """``CERTIFY_BASE_URL`` without a trailing slash: links must work outside any request."""
    return current_app.config["BASE_URL"].rstrip("/")


def _is_local_host(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # A name without a dot ("certify", "localhost") is resolved by the local network only.
        return "." not in host or host.endswith(LOCAL_NAME_SUFFIXES)
    return (address.is_loopback or address.is_private or address.is_link_local
            or address.is_unspecified or address.is_reserved)


def ensure_public_base_url() -> None:
    """Refuse to issue when ``CERTIFY_BASE_URL`` is an address only this machine or network
    reaches: every QR code and link printed on the certificates would lead nowhere.

    ``CERTIFY_DEVELOPMENT=1`` (``make run``, ``make demo``) allows it on a developer's machine.
    """
    if current_app.config.get("DEVELOPMENT"):
        return
    address = base_url()
    host = (urlsplit(address).hostname or "").lower().rstrip(".")
    if not host or _is_local_host(host):
        raise Conflict(_("Certificates cannot be issued while CERTIFY_BASE_URL is “%(url)s”: "
                         "it is an address only this machine or network reaches, so the QR "
                         "code and the links printed on every certificate would lead nowhere. "
                         "Set CERTIFY_BASE_URL to this site's public https address.",
                         url=address or "—"))


def verification_page_url(certificate: Certificate) -> str:
    """The public verification page, e.g. https://certify.example/v/K7QM-3XDA-9PFT."""
    return f"{base_url()}/v/{certificate.serial}"


def verification_url(certificate: Certificate) -> str:
    """What the QR code encodes: the verification address with the signed token in it.

    ``…/v/<token>`` with the short version 2 token (digits; the page finds the
    serial inside it), or ``…/v/<serial>?t=<token>`` with the version 1 JWS of a
    certificate issued before version 2. Either way a verifier can check the
    certificate offline against the published keys, and the page checks it online.
    """
    if certificate.qr_token:
        return f"{base_url()}/v/{certificate.qr_token}"
    return f"{verification_page_url(certificate)}?t={certificate.token}"


def verification_qr_data(certificate: Certificate) -> list[tuple[str, str]]:
    """:func:`verification_url` as QR segments: the digits of a version 2 token in numeric
    mode (3.3 bits a digit instead of 8) after the address in byte mode."""
    if certificate.qr_token:
        return [(f"{base_url()}/v/", "byte"), (certificate.qr_token, "numeric")]
    return [(verification_url(certificate), "byte")]


def jwks_url() -> str:
    """The JSON Web Key Set every signature of ours is checked against (the ``jku`` header)."""
    return f"{base_url()}/.well-known/jwks.json"


def issuer_profile_url(programme_code: str) -> str:
    """The issuer's Open Badges Profile, which names its keys: the credentials' ``issuer.id``."""
    return f"{base_url()}/issuers/{programme_code}"


def image_url(sha256: str) -> str:
    """A design image's public address (``/images/<sha256>``), e.g. the badge a wallet shows."""
    return f"{base_url()}/images/{sha256}"


def badge_page_url(certificate: Certificate, locale: str | None = None) -> str:
    """The public badge page a holder shares, e.g. https://certify.example/badges/K7QM-3XDA-9PFT,
    with ``?lang=`` when ``locale`` is not the default: a link preview reads in the language
    the link names, whoever's crawler fetches it."""
    address = f"{base_url()}/badges/{certificate.serial}"
    if locale and locale != current_app.config["BABEL_DEFAULT_LOCALE"]:
        return f"{address}?{urlencode({'lang': locale})}"
    return address


def badge_card_url(certificate: Certificate, state: str, locale: str) -> str:
    """The badge's share card (PNG) in ``locale``; the state is in the address, so a preview
    that a network keeps is drawn again when the certificate is revoked or expires."""
    query = urlencode({"state": state.lower(), "lang": locale})
    return f"{base_url()}/badges/{certificate.serial}.png?{query}"


def emblem_png_url(sha256: str) -> str:
    """The emblem as a square PNG (``/images/<sha256>.png``): the Open Badges achievement image."""
    return f"{base_url()}/images/{sha256}.png"


def share_links(certificate: Certificate, *, title: str) -> dict[str, str]:
    """Where a holder shares their badge page: LinkedIn (add to profile, or a post),
    WhatsApp and e-mail, with a sentence in the current language."""
    page = badge_page_url(certificate, certificate.holder_locale)
    text = _("I earned the certificate “%(title)s” from %(issuer)s.", title=title,
             issuer=certificate.issuer_name_in())
    return {
        "page": page,
        "linkedin_profile": linkedin_url(certificate, name=title),
        "linkedin_post": "https://www.linkedin.com/sharing/share-offsite/?"
                         + urlencode({"url": page}),
        "whatsapp": "https://wa.me/?" + urlencode({"text": f"{text} {page}"}),
        "email": "mailto:?subject=" + quote(title) + "&body=" + quote(f"{text}\n\n{page}"),
    }


def linkedin_url(certificate: Certificate, *, name: str) -> str:
    """LinkedIn's "Add licence or certification" form, filled in for ``certificate``; its
    credential link is the badge page, which shows the badge and links the verification."""
    issued = certificate.issued_at
    return "https://www.linkedin.com/profile/add?" + urlencode({
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationName": certificate.issuer_name,
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": badge_page_url(certificate, certificate.holder_locale),
        "certId": certificate.serial,
    })
