"""The tool's RSA key pairs: kept in the instance folder, published at ``/lti/jwks``, rotatable.

``instance/lti_keys/<kid>.pem`` holds each private key (mode 0600, generated on first use,
never in git) and ``instance/lti_keys/current`` names the one that signs. The ``kid`` is the
key's RFC 7638 thumbprint, which is also what pylti1p3 puts in the JWTs it signs, so the two
always agree. A rotation adds a key and makes it current; the previous keys stay published
for a while, so a platform that cached the key set still verifies what was signed before.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from jwt.algorithms import RSAAlgorithm

FOLDER = "lti_keys"
CURRENT = "current"
KEEP_PUBLISHED = 3  # the current key and the two before it
KEY_BITS = 2048


@dataclass(frozen=True)
class ToolKey:
    kid: str
    private_pem: str
    public_pem: str
    public_jwk: dict


def thumbprint(public_jwk: dict) -> str:
    """The RFC 7638 SHA-256 thumbprint of an RSA public JWK (its required members only)."""
    members = json.dumps({name: public_jwk[name] for name in ("e", "kty", "n")},
                         separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(members.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _load(path: Path) -> ToolKey:
    private_pem = path.read_text()
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    public_jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    public_jwk.update(kid=thumbprint(public_jwk), alg="RS256", use="sig")
    return ToolKey(public_jwk["kid"], private_pem, public_pem, public_jwk)


def _write_private(path: Path, pem: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(pem)


class KeyRing:
    """The key files of one instance folder."""

    def __init__(self, instance_path: str | Path):
        self.folder = Path(instance_path) / FOLDER

    @property
    def _current_file(self) -> Path:
        return self.folder / CURRENT

    def _key_files(self) -> list[Path]:
        """Key files, newest first."""
        files = [path for path in self.folder.glob("*.pem")]
        return sorted(files, key=lambda path: path.stat().st_mtime_ns, reverse=True)

    def generate(self) -> ToolKey:
        """Create a key pair and make it the current one."""
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        pem = private.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
        staging = self.folder / f".new-{os.getpid()}-{threading.get_ident()}.pem.tmp"
        staging.write_text(pem)
        key = _load(staging)
        staging.unlink()
        _write_private(self.folder / f"{key.kid}.pem", pem)
        # Written aside then renamed: another worker never reads half a file.
        pointer = self.folder / f".current-{os.getpid()}-{threading.get_ident()}.tmp"
        pointer.write_text(key.kid)
        os.replace(pointer, self._current_file)
        return key

    def current(self) -> ToolKey:
        """The key that signs, generated on first use."""
        if not self._current_file.exists():
            return self.generate()
        kid = self._current_file.read_text().strip()
        return _load(self.folder / f"{kid}.pem")

    def published(self) -> list[ToolKey]:
        """The keys platforms may verify with: the current one first, then the newest others."""
        current = self.current()
        others = [path for path in self._key_files() if path.stem != current.kid]
        return [current] + [_load(path) for path in others[:KEEP_PUBLISHED - 1]]

    def rotate(self) -> tuple[ToolKey, list[str]]:
        """Make a new current key; returns it and the kids of the keys no longer published."""
        key = self.generate()
        retired = [path for path in self._key_files() if path.stem != key.kid][KEEP_PUBLISHED - 1:]
        for path in retired:
            path.unlink()
        _cache.pop(str(self.folder), None)
        return key, [path.stem for path in retired]

    def jwks(self) -> dict:
        return {"keys": [key.public_jwk for key in self.published()]}

    def version(self) -> int:
        """Changes whenever a key is generated or rotated (the pointer file is replaced)."""
        try:
            return self._current_file.stat().st_mtime_ns
        except FileNotFoundError:
            return 0


# Loading and parsing PEM files on every launch would cost more than the launch itself:
# keys are cached per folder until the "current" pointer changes (a rotation, maybe by
# another process).
_cache: dict[str, tuple[int, ToolKey, dict]] = {}
_lock = threading.Lock()


def _cached(ring: KeyRing) -> tuple[ToolKey, dict]:
    version = ring.version()
    entry = _cache.get(str(ring.folder))
    if entry is None or entry[0] != version or version == 0:
        with _lock:
            current = ring.current()
            entry = (ring.version(), current, ring.jwks())
            _cache[str(ring.folder)] = entry
    return entry[1], entry[2]


def key_ring() -> KeyRing:
    return KeyRing(current_app.instance_path)


def signing_key() -> ToolKey:
    """The tool's current key (the one its JWTs are signed with)."""
    return _cached(key_ring())[0]


def public_key_set() -> dict:
    """The JWKS published at ``/lti/jwks``."""
    return _cached(key_ring())[1]


def rotate_keys() -> tuple[ToolKey, list[str]]:
    """Generate a new signing key; see :meth:`KeyRing.rotate`."""
    return key_ring().rotate()
