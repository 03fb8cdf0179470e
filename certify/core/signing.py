"""Ed25519 signing keys kept in the instance folder, and compact JWS (RFC 7515, alg EdDSA).

Keys live in ``instance/keys/`` (or ``SIGNING_KEYS_DIR``): ``<kid>.pem`` holds a
private key (mode 0600), ``<kid>.pub.pem`` its public half, and the file
``current`` names the key that signs from now on. Rotating adds a key and makes
it current; no public key is ever removed, so everything signed in the past
still verifies. An operator may delete a retired ``<kid>.pem`` (the private
half) and keep its ``.pub.pem``: the key stays published but can no longer sign.

The first signature on a fresh installation generates a key, under a file lock
so that two worker processes starting together agree on one.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from certify.core.clock import utcnow

ALGORITHM = "EdDSA"
CURRENT_FILE = "current"
HISTORY_FILE = "history"  # one line per key, oldest first: "<kid> <ISO creation time>"
KID_PATTERN = re.compile(r"^[0-9]{8}-[A-Za-z0-9_-]{8}$")
# No legitimate token of ours comes near this; longer input is refused before any decoding.
MAX_TOKEN_LENGTH = 64 * 1024


class TokenError(Exception):
    """A compact JWS that cannot be trusted; ``str(error)`` says why (for logs, not people)."""


class MalformedToken(TokenError):
    """Not a well-formed compact JWS of ours (encoding, JSON, algorithm, unknown key)."""


class BadSignature(TokenError):
    """Well formed, but the signature does not match the content."""


@dataclass(frozen=True)
class KeyInfo:
    """One key of the ring: its id, whether it signs now, whether its private half is kept."""

    kid: str
    created_at: datetime
    current: bool
    can_sign: bool


# --- base64url ---------------------------------------------------------------------------------

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


# --- the key ring ------------------------------------------------------------------------------

def keys_dir() -> Path:
    configured = current_app.config.get("SIGNING_KEYS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "keys"


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_new_file(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _kid_for(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"{utcnow():%Y%m%d}-{b64url_encode(hashlib.sha256(raw).digest())[:8]}"


def _new_key(directory: Path) -> str:
    """Write a fresh key pair and make it current; the caller holds the lock."""
    private_key = Ed25519PrivateKey.generate()
    kid = _kid_for(private_key.public_key())
    _write_new_file(directory / f"{kid}.pem", private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()), 0o600)
    _write_new_file(directory / f"{kid}.pub.pem", private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), 0o644)
    with open(directory / HISTORY_FILE, "a") as history:
        history.write(f"{kid} {utcnow().isoformat(timespec='seconds')}\n")
    temporary = directory / f".{CURRENT_FILE}.{os.getpid()}"
    temporary.write_text(kid + "\n")
    os.replace(temporary, directory / CURRENT_FILE)  # atomic: readers see the old or the new kid
    return kid


def _current_kid(directory: Path) -> str | None:
    try:
        kid = (directory / CURRENT_FILE).read_text().strip()
    except FileNotFoundError:
        return None
    return kid if KID_PATTERN.match(kid) else None


def generate_key() -> tuple[str, bool]:
    """Make sure a signing key exists: ``(kid, created)``; creates one only if there is none."""
    directory = keys_dir()
    with _locked(directory):
        kid = _current_kid(directory)
        if kid and (directory / f"{kid}.pem").exists():
            return kid, False
        return _new_key(directory), True


def rotate_key() -> str:
    """Add a new key and make it the one that signs; earlier keys stay published."""
    directory = keys_dir()
    with _locked(directory):
        return _new_key(directory)


def _history(directory: Path) -> dict[str, datetime]:
    try:
        lines = (directory / HISTORY_FILE).read_text().splitlines()
    except FileNotFoundError:
        return {}
    created = {}
    for line in lines:
        kid, _, moment = line.partition(" ")
        try:
            created[kid] = datetime.fromisoformat(moment)
        except ValueError:
            continue
    return created


def list_keys() -> list[KeyInfo]:
    """Every key ever published, oldest first."""
    directory = keys_dir()
    current = _current_kid(directory)
    history = _history(directory)
    order = {kid: position for position, kid in enumerate(history)}
    result = []
    for path in directory.glob("*.pub.pem") if directory.exists() else []:
        kid = path.name.removesuffix(".pub.pem")
        if KID_PATTERN.match(kid):
            # A key copied in by hand has no history line: its file's time stands in.
            created = history.get(kid) or datetime.fromtimestamp(path.stat().st_mtime, UTC)
            can_sign = (directory / f"{kid}.pem").exists()
            result.append(KeyInfo(kid, created, kid == current, can_sign))
    return sorted(result, key=lambda info: (order.get(info.kid, len(order)), info.created_at))


@lru_cache(maxsize=8)
def _load_private(path: str, _mtime_ns: int) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 private key")
    return key


@lru_cache(maxsize=8)
def _load_public(directory: str, _mtime_ns: int) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for path in Path(directory).glob("*.pub.pem"):
        kid = path.name.removesuffix(".pub.pem")
        key = serialization.load_pem_public_key(path.read_bytes())
        if KID_PATTERN.match(kid) and isinstance(key, Ed25519PublicKey):
            keys[kid] = key
    return keys


def current_signing_key() -> tuple[str, Ed25519PrivateKey]:
    """``(kid, private key)`` of the key that signs now, generated on first use."""
    directory = keys_dir()
    kid = _current_kid(directory)
    path = directory / f"{kid}.pem" if kid else None
    if path is None or not path.exists():
        kid, _created = generate_key()
        path = directory / f"{kid}.pem"
    return kid, _load_private(str(path), path.stat().st_mtime_ns)


def public_keys() -> dict[str, Ed25519PublicKey]:
    """``{kid: public key}`` for every key ever used (cached until the folder changes)."""
    directory = keys_dir()
    if not directory.exists():
        return {}
    # Adding a key file changes the folder's mtime, which invalidates the cache.
    return _load_public(str(directory), directory.stat().st_mtime_ns)


def public_jwk(kid: str, key: Ed25519PublicKey) -> dict:
    """The public key as a JWK (RFC 8037): never any private part."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw), "kid": kid, "use": "sig",
            "alg": ALGORITHM}


def jwks() -> dict:
    """The JSON Web Key Set of every public key ever used, in a stable order."""
    return {"keys": [public_jwk(kid, key) for kid, key in sorted(public_keys().items())]}


# --- compact JWS -------------------------------------------------------------------------------

def sign_compact(payload: dict, *, header: dict | None = None, kid_prefix: str = ""
                 ) -> tuple[str, str]:
    """Sign ``payload`` with the current key: ``(compact JWS, kid)``.

    ``header`` adds JOSE header parameters such as ``typ``; ``kid_prefix``
    turns the header's key id into a URL (``<prefix><kid>``) for verifiers that
    dereference it, as Open Badges asks. ``alg`` is always EdDSA.
    """
    kid, private_key = current_signing_key()
    fields = dict(header or {})
    fields.update(alg=ALGORITHM, kid=f"{kid_prefix}{kid}")
    encoded = (b64url_encode(canonical_json(fields)), b64url_encode(canonical_json(payload)))
    signing_input = ".".join(encoded)
    signature = private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}", kid


def kid_of(header_kid: object) -> str:
    """The bare key id in a header's ``kid``: itself, or the last segment of a key URL."""
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


def verify_compact(token: object) -> tuple[dict, dict]:
    """Check a compact JWS against the published keys: ``(header, payload)``.

    Raises ``MalformedToken`` for anything that is not a well-formed EdDSA JWS
    signed by one of our keys, ``BadSignature`` when the signature does not
    match. Any input whatsoever ends in one of these, never another exception.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken("empty or too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedToken("not three parts")
    header = _json_object(b64url_decode(parts[0]), "header")
    payload = _json_object(b64url_decode(parts[1]), "payload")
    signature = b64url_decode(parts[2])
    if header.get("alg") != ALGORITHM:
        raise MalformedToken("algorithm not EdDSA")
    key = public_keys().get(kid_of(header.get("kid")))
    if key is None:
        raise MalformedToken("unknown key")
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature as error:
        raise BadSignature("signature does not match") from error
    return header, payload
