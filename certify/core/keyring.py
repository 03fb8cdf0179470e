"""The signing keys, kept as files in the instance folder: Ed25519 and RSA, rotated, published.

Keys live in ``instance/keys/`` (or ``SIGNING_KEYS_DIR``): ``<kid>.pem`` holds a
private key (mode 0600), ``<kid>.pub.pem`` its public half. Two algorithms
sign, each with its own current key:

- ``EdDSA`` (Ed25519, file ``current``): the short token each certificate
  carries in its QR code, where every byte enlarges the printed code;
- ``RS256`` (RSA 2048, file ``current-RS256``): Open Badges credentials and
  status lists, because Open Badges 3.0 (section 8.2) makes RS256 the
  algorithm every verifier implements.

Rotating adds a key and makes it current; no public key is ever removed, so
everything signed in the past still verifies. An operator may delete a retired
``<kid>.pem`` (the private half) and keep its ``.pub.pem``: the key stays
published but can no longer sign. The first signature on a fresh installation
generates its key, under a file lock so that two worker processes starting
together agree on one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm
from jwt.utils import base64url_encode

from certify.core.clock import utcnow

EDDSA, RS256 = "EdDSA", "RS256"
ALGORITHMS = (EDDSA, RS256)
# 2048 bits: what RS256 verifiers expect (NIST SP 800-57 until 2030); it keeps signing a
# batch of thousands of credentials fast. Rotate to a longer key when the time comes.
RSA_KEY_BITS = 2048
HISTORY_FILE = "history"  # one line per key, oldest first: "<kid> <ISO creation time>"
KID_PATTERN = re.compile(r"^[0-9]{8}-[A-Za-z0-9_-]{8}$")

PrivateKey = Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey = Ed25519PublicKey | rsa.RSAPublicKey


@dataclass(frozen=True)
class KeyInfo:
    """One key of the ring: its id, algorithm, whether it signs now, whether it can sign."""

    kid: str
    algorithm: str
    created_at: datetime
    current: bool
    can_sign: bool


def algorithm_of(key: PrivateKey | PublicKey) -> str:
    return RS256 if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey) else EDDSA


def _current_file(algorithm: str) -> str:
    # Ed25519 keeps the name it has always had, so existing installations read it as before.
    return "current" if algorithm == EDDSA else f"current-{algorithm}"


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


def _kid_for(public_key: PublicKey) -> str:
    if isinstance(public_key, Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        raw = public_key.public_bytes(serialization.Encoding.DER,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = base64url_encode(hashlib.sha256(raw).digest()).decode()
    return f"{utcnow():%Y%m%d}-{digest[:8]}"


def _generate(algorithm: str) -> PrivateKey:
    if algorithm == RS256:
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    return Ed25519PrivateKey.generate()


def _new_key(directory: Path, algorithm: str) -> str:
    """Write a fresh key pair and make it current; the caller holds the lock."""
    private_key = _generate(algorithm)
    kid = _kid_for(private_key.public_key())
    _write_new_file(directory / f"{kid}.pem", private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()), 0o600)
    _write_new_file(directory / f"{kid}.pub.pem", private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), 0o644)
    with open(directory / HISTORY_FILE, "a") as history:
        history.write(f"{kid} {utcnow().isoformat(timespec='seconds')}\n")
    current = directory / _current_file(algorithm)
    temporary = directory / f".{current.name}.{os.getpid()}"
    temporary.write_text(kid + "\n")
    os.replace(temporary, current)  # atomic: readers see the old or the new kid
    return kid


def _current_kid(directory: Path, algorithm: str) -> str | None:
    try:
        kid = (directory / _current_file(algorithm)).read_text().strip()
    except FileNotFoundError:
        return None
    return kid if KID_PATTERN.match(kid) else None


def generate_key(algorithm: str = EDDSA) -> tuple[str, bool]:
    """Make sure a key for ``algorithm`` exists: ``(kid, created)``; creates one only if none."""
    directory = keys_dir()
    with _locked(directory):
        kid = _current_kid(directory, algorithm)
        if kid and (directory / f"{kid}.pem").exists():
            return kid, False
        return _new_key(directory, algorithm), True


def rotate_key(algorithm: str = EDDSA) -> str:
    """Add a new key for ``algorithm`` and sign with it from now on; earlier keys stay published."""
    directory = keys_dir()
    with _locked(directory):
        return _new_key(directory, algorithm)


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
    current = {_current_kid(directory, algorithm) for algorithm in ALGORITHMS}
    history = _history(directory)
    order = {kid: position for position, kid in enumerate(history)}
    result = []
    for kid, key in public_keys().items():
        path = directory / f"{kid}.pub.pem"
        # A key copied in by hand has no history line: its file's time stands in.
        created = history.get(kid) or datetime.fromtimestamp(path.stat().st_mtime, UTC)
        can_sign = (directory / f"{kid}.pem").exists()
        result.append(KeyInfo(kid, algorithm_of(key), created, kid in current, can_sign))
    return sorted(result, key=lambda info: (order.get(info.kid, len(order)), info.created_at))


@lru_cache(maxsize=8)
def _load_private(path: str, _mtime_ns: int) -> PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey | rsa.RSAPrivateKey):
        raise RuntimeError(f"{path} is neither an Ed25519 nor an RSA private key")
    return key


@lru_cache(maxsize=8)
def _load_public(directory: str, _mtime_ns: int) -> dict[str, PublicKey]:
    keys = {}
    for path in Path(directory).glob("*.pub.pem"):
        kid = path.name.removesuffix(".pub.pem")
        key = serialization.load_pem_public_key(path.read_bytes())
        if KID_PATTERN.match(kid) and isinstance(key, Ed25519PublicKey | rsa.RSAPublicKey):
            keys[kid] = key
    return keys


def current_signing_key(algorithm: str = EDDSA) -> tuple[str, PrivateKey]:
    """``(kid, private key)`` of the key that signs with ``algorithm`` now, made on first use."""
    directory = keys_dir()
    kid = _current_kid(directory, algorithm)
    path = directory / f"{kid}.pem" if kid else None
    if path is None or not path.exists():
        kid, _created = generate_key(algorithm)
        path = directory / f"{kid}.pem"
    key = _load_private(str(path), path.stat().st_mtime_ns)
    if algorithm_of(key) != algorithm:
        raise RuntimeError(f"{path} does not hold a key for {algorithm}")
    return kid, key


def public_keys(algorithm: str | None = None) -> dict[str, PublicKey]:
    """``{kid: public key}`` for every key ever used (cached until the folder changes),
    or only those that sign with ``algorithm``."""
    directory = keys_dir()
    if not directory.exists():
        return {}
    # Adding a key file changes the folder's mtime, which invalidates the cache.
    keys = _load_public(str(directory), directory.stat().st_mtime_ns)
    if algorithm is None:
        return keys
    return {kid: key for kid, key in keys.items() if algorithm_of(key) == algorithm}


def public_jwk(kid: str, key: PublicKey) -> dict:
    """The public key as a JWK (RFC 7517; RFC 8037 for Ed25519): never any private part."""
    exporter = RSAAlgorithm if algorithm_of(key) == RS256 else OKPAlgorithm
    jwk = exporter.to_jwk(key, as_dict=True)
    # The key material only: PyJWT adds key_ops, which RFC 7517 (4.3) says not to use with "use".
    material = {name: jwk[name] for name in ("kty", "crv", "x", "n", "e") if name in jwk}
    return {**material, "kid": kid, "use": "sig", "alg": algorithm_of(key)}


def jwks() -> dict:
    """The JSON Web Key Set of every public key ever used, in a stable order."""
    return {"keys": [public_jwk(kid, key) for kid, key in sorted(public_keys().items())]}
