"""Compact JWS (RFC 7515) signed and checked with PyJWT, over the keys of ``core.keyring``.

PyJWT is certify's one JOSE library (docs/jose.md says why): it signs with
EdDSA and RS256 and exports the JWKs. What it leaves lenient is made strict
here before it sees a token: one base64url spelling per value, JSON objects
only, a bounded length, and the algorithm the key id's own key signs with, so
that no header can choose a weaker check.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

import jwt
from jwt.api_jws import PyJWS

from certify.core.keyring import (
    EDDSA,
    KID_PATTERN,
    algorithm_of,
    current_signing_key,
    public_keys,
)

# No legitimate token of ours comes near this; longer input is refused before any decoding.
MAX_TOKEN_LENGTH = 64 * 1024
# PyJWT's defaults add ``typ: JWT``; the short tokens of QR codes leave it out.
_JWS = PyJWS()


class TokenError(Exception):
    """A compact JWS that cannot be trusted; ``str(error)`` says why (for logs, not people)."""


class MalformedToken(TokenError):
    """Not a well-formed compact JWS of ours (encoding, JSON, algorithm, unknown key)."""


class BadSignature(TokenError):
    """Well formed, but the signature does not match the content."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding: the one spelling ``b64url_encode`` produces.

    Base64 leaves spare bits in the last character; a lenient decoder would
    accept several spellings of the same bytes, so a changed character could go
    unnoticed. Re-encoding and comparing refuses every spelling but one.
    """
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise MalformedToken("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise MalformedToken("not base64url") from error
    if b64url_encode(data) != text:
        raise MalformedToken("non-canonical base64url")
    return data


def canonical_json(value: object) -> bytes:
    """Compact JSON with sorted keys: the same claims always make the same token."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def sign_compact(payload: dict, *, header: dict | None = None, algorithm: str = EDDSA
                 ) -> tuple[str, str]:
    """Sign ``payload`` with the current key for ``algorithm``: ``(compact JWS, kid)``.

    ``header`` adds JOSE header parameters such as ``typ`` or ``jku``; ``alg``
    and ``kid`` (the key's id, exactly as the JWKS lists it) are always set.
    EdDSA and RS256 (PKCS#1 v1.5) are deterministic: the same payload signed
    with the same key always gives the same token.
    """
    kid, private_key = current_signing_key(algorithm)
    fields = {"typ": None, **(header or {}), "kid": kid}
    token = _JWS.encode(canonical_json(payload), private_key, algorithm=algorithm,
                        headers=fields, sort_headers=True)
    return token, kid


def kid_of(header_kid: object) -> str:
    """The bare key id in a header's ``kid``: itself, or the last segment of a key URL
    (as credentials signed before the key ids were bare had it)."""
    if not isinstance(header_kid, str):
        raise MalformedToken("kid missing")
    kid = header_kid.rsplit("/", 1)[-1]
    if not KID_PATTERN.match(kid):
        raise MalformedToken("unknown kid format")
    return kid


def _json_object(data: bytes, what: str) -> dict:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedToken(f"{what} is not JSON") from error
    if not isinstance(value, dict):
        raise MalformedToken(f"{what} is not a JSON object")
    return value


def verify_compact(token: object, *, algorithms: tuple[str, ...] | None = None
                   ) -> tuple[dict, dict]:
    """Check a compact JWS against the published keys: ``(header, payload)``.

    ``algorithms`` narrows what is accepted (default: every algorithm a key of
    ours signs with). Raises ``MalformedToken`` for anything that is not a
    well-formed JWS signed by one of our keys with that key's algorithm,
    ``BadSignature`` when the signature does not match. Any input whatsoever
    ends in one of these, never another exception.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken("empty or too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedToken("not three parts")
    header = _json_object(b64url_decode(parts[0]), "header")
    payload = _json_object(b64url_decode(parts[1]), "payload")
    b64url_decode(parts[2])
    key = public_keys().get(kid_of(header.get("kid")))
    if key is None:
        raise MalformedToken("unknown key")
    algorithm = algorithm_of(key)
    if header.get("alg") != algorithm or (algorithms and algorithm not in algorithms):
        raise MalformedToken(f"algorithm is not {algorithm}")
    try:
        _JWS.decode_complete(token, key, algorithms=[algorithm])
    except jwt.InvalidSignatureError as error:
        raise BadSignature("signature does not match") from error
    except jwt.PyJWTError as error:
        raise MalformedToken(str(error)) from error
    return header, payload
