"""The signed token each certificate carries: a compact JWS (EdDSA) over its essential claims.

The claims are short on purpose: the token travels inside the QR code, whose
size grows with it (a printed code of 2.5 cm must stay readable). They say what
a verifier needs without the database: serial, kind, holder, programme code,
hours, dates, issuer and the position in the revocation status list. The
programme's title is left out: its code names it, and titles are long.
"""

from __future__ import annotations

from decimal import Decimal

from certify.certificates.models import Certificate
from certify.core.signing import TokenError, sign_compact, verify_compact

CLAIMS_VERSION = 1


def hours_text(hours: Decimal | str | int) -> str:
    """``Decimal("120.0")`` -> ``"120"``, ``Decimal("8.50")`` -> ``"8.5"``."""
    value = Decimal(str(hours)).normalize()
    return format(value, "f")


def date_text(moment) -> str:
    """The UTC date of ``moment``, e.g. ``2026-12-11``."""
    return moment.strftime("%Y-%m-%d")


def signed_claims(certificate: Certificate) -> dict:
    """The claims a certificate's token signs, recomputed from its snapshot."""
    claims = {
        "v": CLAIMS_VERSION,
        "sn": certificate.serial,
        "kind": str(certificate.kind),
        "name": certificate.holder_name,
        "prog": certificate.programme_code,
        "hours": hours_text(certificate.hours),
        "issued": date_text(certificate.issued_at),
        "issuer": certificate.issuer_name,
        "sl": certificate.status_list_index,
    }
    if certificate.expires_at is not None:
        claims["expires"] = date_text(certificate.expires_at)
    return claims


def sign_certificate(certificate: Certificate) -> None:
    """Sign the snapshot with the current key, setting ``token`` and ``kid``."""
    certificate.token, certificate.kid = sign_compact(signed_claims(certificate))


def token_matches(certificate: Certificate, token: object) -> bool:
    """True if ``token`` is genuinely signed by us and states exactly this certificate."""
    try:
        _header, payload = verify_compact(token)
    except TokenError:
        return False
    return payload == signed_claims(certificate)
