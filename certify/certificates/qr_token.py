"""The short signed token a printed QR code carries: format version 2 (docs/qr-token.md).

A COSE_Sign1 message (RFC 9052, Ed25519 by the same keys as everything else,
published at ``/.well-known/jwks.json``) over a CBOR map of integer claims,
written as one decimal number so that the QR code holds it in numeric mode
(3.3 bits a digit, almost the raw bytes' density) behind the page's address:
``<base>/v/<digits>``. About 150 bytes, a version 10 QR code at error
correction M for a public address of up to 45 characters, where the version 1 token
(a compact JWS, ``certify.certificates.tokens``) needed version 17.

The message names no key (a key id would cost 8 bytes): a verifier tries the
few published keys, and only the right one verifies. The holder's name is
signed as printed up to 44 UTF-8 bytes, longer names cut with "…"; the
issuer's name is left out (the keys are the issuer's).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import cbor2
from cryptography.exceptions import InvalidSignature

from certify.certificates.models import Certificate, CertificateKind
from certify.core.keyring import EDDSA, current_signing_key, public_keys
from certify.core.signing import BadSignature, MalformedToken

FORMAT_VERSION = 2
COSE_SIGN1_TAG = 18
PROTECTED_HEADER = cbor2.dumps({1: -8})  # alg: EdDSA
NAME_MAX_BYTES = 44
ELLIPSIS = "…"
EPOCH = date(1970, 1, 1)
# A real token has about 360 digits; anything much longer is refused before any decoding.
MAX_DIGITS = 600
TOKEN_PATTERN = re.compile(r"[1-9][0-9]{99,599}")


class Claim(enum.IntEnum):
    VERSION = 0
    SERIAL = 1
    KIND = 2
    NAME = 3
    PROGRAMME = 4
    HOURS_TENTHS = 5
    ISSUED_DAY = 6  # days since 1970-01-01 (UTC)
    STATUS_INDEX = 7
    EXPIRES_DAY = 8  # only when the certificate expires


KIND_CODES = {CertificateKind.PROGRAMME: 0, CertificateKind.PARTICIPATION: 1}
KINDS = {code: kind for kind, code in KIND_CODES.items()}


@dataclass(frozen=True)
class TokenFacts:
    """What a verified token states, whatever its format version."""

    version: int
    serial: str
    kind: CertificateKind
    holder_name: str
    programme_code: str
    hours: Decimal
    issued_on: date
    expires_on: date | None
    status_list_index: int
    kid: str


def printed_name(name: str) -> str:
    """The holder's name as the token signs it: whole up to 44 UTF-8 bytes, else cut with "…"."""
    if len(name.encode()) <= NAME_MAX_BYTES:
        return name
    budget = NAME_MAX_BYTES - len(ELLIPSIS.encode())
    cut = name.encode()[:budget].decode("utf-8", errors="ignore")
    return cut.rstrip() + ELLIPSIS


def _day(moment: datetime) -> int:
    return (moment.astimezone(UTC).date() if moment.tzinfo else moment.date()).toordinal() \
        - EPOCH.toordinal()


def qr_claims(certificate: Certificate) -> dict[int, object]:
    """The claims a certificate's version 2 token signs, recomputed from its snapshot."""
    claims: dict[int, object] = {
        Claim.VERSION: FORMAT_VERSION,
        Claim.SERIAL: certificate.serial,
        Claim.KIND: KIND_CODES[CertificateKind(certificate.kind)],
        Claim.NAME: printed_name(certificate.holder_name),
        Claim.PROGRAMME: certificate.programme_code,
        Claim.HOURS_TENTHS: int(Decimal(str(certificate.hours)) * 10),
        Claim.ISSUED_DAY: _day(certificate.issued_at),
        Claim.STATUS_INDEX: certificate.status_list_index,
    }
    if certificate.expires_at is not None:
        claims[Claim.EXPIRES_DAY] = _day(certificate.expires_at)
    return {int(key): value for key, value in claims.items()}


def _to_be_signed(payload: bytes) -> bytes:
    # COSE's Sig_structure: context, protected header, external AAD (none), payload.
    return cbor2.dumps(["Signature1", PROTECTED_HEADER, b"", payload])


def _message(payload: bytes, signature: bytes) -> bytes:
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [PROTECTED_HEADER, {}, payload, signature]))


def sign_qr_token(certificate: Certificate) -> str:
    """The certificate's version 2 token, signed with the current key: a string of digits."""
    _kid, private_key = current_signing_key(EDDSA)
    payload = cbor2.dumps(qr_claims(certificate), canonical=True)
    message = _message(payload, private_key.sign(_to_be_signed(payload)))
    return str(int.from_bytes(message, "big"))


def looks_like_qr_token(text: object) -> bool:
    """True for text shaped like a version 2 token (digits, plausible length), unverified."""
    return isinstance(text, str) and TOKEN_PATTERN.fullmatch(text) is not None


def _parts(token: str) -> tuple[bytes, bytes]:
    """``(payload, signature)`` of a well-formed token, or ``MalformedToken``."""
    if not looks_like_qr_token(token):
        raise MalformedToken("not a version 2 token")
    number = int(token)
    message = number.to_bytes((number.bit_length() + 7) // 8, "big")
    try:
        decoded = cbor2.loads(message)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError) as error:
        raise MalformedToken("not CBOR") from error
    if not (isinstance(decoded, cbor2.CBORTag) and decoded.tag == COSE_SIGN1_TAG
            and isinstance(decoded.value, list | tuple) and len(decoded.value) == 4):
        raise MalformedToken("not a COSE_Sign1 message")
    protected, unprotected, payload, signature = decoded.value
    if protected != PROTECTED_HEADER or unprotected != {}:
        raise MalformedToken("unexpected COSE headers")
    if not isinstance(payload, bytes) or not isinstance(signature, bytes) \
            or len(signature) != 64:
        raise MalformedToken("payload or signature malformed")
    if _message(payload, signature) != message:
        raise MalformedToken("non-canonical encoding")  # one spelling per token
    return payload, signature


def _facts(claims: object, kid: str) -> TokenFacts:
    try:
        if not isinstance(claims, dict) or claims.get(Claim.VERSION) != FORMAT_VERSION:
            raise MalformedToken("not a version 2 claim set")
        expires = claims.get(Claim.EXPIRES_DAY)
        return TokenFacts(
            version=FORMAT_VERSION, serial=str(claims[Claim.SERIAL]),
            kind=KINDS[claims[Claim.KIND]], holder_name=str(claims[Claim.NAME]),
            programme_code=str(claims[Claim.PROGRAMME]),
            hours=Decimal(int(claims[Claim.HOURS_TENTHS])) / 10,
            issued_on=EPOCH + timedelta(days=int(claims[Claim.ISSUED_DAY])),
            expires_on=EPOCH + timedelta(days=int(expires)) if expires is not None else None,
            status_list_index=int(claims[Claim.STATUS_INDEX]), kid=kid)
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        raise MalformedToken("claims malformed") from error


def read_qr_token(token: object) -> tuple[dict, TokenFacts]:
    """Check a version 2 token against the published keys: ``(claims, facts)``.

    Raises ``MalformedToken`` for anything that is not a well-formed token,
    ``BadSignature`` when no published key made its signature. Any input
    ends in one of these, never another exception.
    """
    if not isinstance(token, str):
        raise MalformedToken("not text")
    payload, signature = _parts(token)
    to_be_signed = _to_be_signed(payload)
    for kid, public_key in public_keys(EDDSA).items():  # RSA keys sign credentials only
        try:
            public_key.verify(signature, to_be_signed)
        except InvalidSignature:
            continue
        try:
            claims = cbor2.loads(payload)
        except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError) as error:
            raise MalformedToken("payload is not CBOR") from error
        return claims, _facts(claims, kid)
    raise BadSignature("no published key made this signature")
