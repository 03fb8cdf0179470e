"""The signed tokens each certificate carries, and reading either of them back.

Version 1, ``token``: a compact JWS (EdDSA) over its essential claims, what the
QR codes printed until version 2 carried; it keeps verifying forever.
Version 2, ``qr_token``: the much shorter COSE token the QR code carries now
(``certify.certificates.qr_token``, docs/qr-token.md).

The claims are short on purpose: the token travels inside the QR code, whose
size grows with it (a printed code of 2.5 cm must stay readable). They say what
a verifier needs without the database: serial, kind, holder, programme code,
hours, dates, issuer and the position in the revocation status list. The
programme's title is left out: its code names it, and titles are long.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from certify.certificates.models import Certificate, CertificateKind
from certify.certificates.qr_token import (
    FORMAT_VERSION,
    TokenFacts,
    looks_like_qr_token,
    qr_claims,
    read_qr_token,
    sign_qr_token,
)
from certify.core.signing import MalformedToken, TokenError, kid_of, sign_compact, verify_compact

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
    """Sign the snapshot with the current key, setting ``token``, ``kid`` and ``qr_token``."""
    certificate.token, certificate.kid = sign_compact(signed_claims(certificate))
    certificate.qr_token = sign_qr_token(certificate)


def _facts_of_jws(header: dict, payload: dict) -> TokenFacts:
    try:
        if payload.get("v") != CLAIMS_VERSION:
            raise MalformedToken("not a version 1 claim set")
        expires = payload.get("expires")
        return TokenFacts(
            version=CLAIMS_VERSION, serial=str(payload["sn"]),
            kind=CertificateKind(payload["kind"]), holder_name=str(payload["name"]),
            programme_code=str(payload["prog"]), hours=Decimal(str(payload["hours"])),
            issued_on=date.fromisoformat(payload["issued"]),
            expires_on=date.fromisoformat(expires) if expires else None,
            status_list_index=int(payload["sl"]), kid=kid_of(header.get("kid")))
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise MalformedToken("claims malformed") from error


def read_token(token: object) -> tuple[TokenFacts, dict]:
    """``(facts, claims)`` of a token of either version, once its signature is checked
    against the published keys; ``TokenError`` when it cannot be trusted.

    Genuine tokens are remembered (a token's content never changes, and published keys
    are never withdrawn), so a crowd verifying the same certificates costs one signature
    check each; the claims returned are shared: compare them, never change them.
    """
    if not isinstance(token, str):
        raise MalformedToken("not text")
    return _read_genuine(token)


@lru_cache(maxsize=8192)
def _read_genuine(token: str) -> tuple[TokenFacts, dict]:
    if looks_like_qr_token(token):
        claims, facts = read_qr_token(token)
        return facts, claims
    header, payload = verify_compact(token)
    return _facts_of_jws(header, payload), payload


def claims_match(certificate: Certificate, facts: TokenFacts, claims: dict) -> bool:
    """True if the verified ``claims`` (of a token of ``facts.version``) state exactly this
    certificate."""
    expected = qr_claims(certificate) if facts.version == FORMAT_VERSION \
        else signed_claims(certificate)
    return claims == expected


def token_matches(certificate: Certificate, token: object) -> bool:
    """True if ``token`` (either version) is genuinely signed by us and states exactly this
    certificate."""
    try:
        facts, claims = read_token(token)
    except TokenError:
        return False
    return claims_match(certificate, facts, claims)
