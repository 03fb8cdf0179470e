"""Periodic tasks of certificates (see ``certify.core.scheduling``): publishing the
revocation lists and the public keys as static files.

A verifier needs only ``/status/<n>`` and ``/.well-known/jwks.json`` besides the
certificate itself. Written as files they can be served by the reverse proxy or
mirrored to a CDN or a second site, so certificates keep verifying offline even
while the application is down for maintenance or after it is retired.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import current_app

from certify.certificates.status_list import (
    last_list_number,
    signed_status_list,
    status_list_credential,
)
from certify.core.keyring import jwks
from certify.core.scheduling import periodic


def publish_dir() -> Path:
    """``PUBLISH_DIR`` if configured, else ``<instance>/public``."""
    configured = current_app.config.get("PUBLISH_DIR") or os.environ.get("CERTIFY_PUBLISH_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "public"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)  # readers see the old list or the new, never half
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@periodic("publish_status_lists", every=timedelta(minutes=10))
def publish_status_lists() -> str:
    """Write every status list (VC-JWT as ``status/<n>``, unsigned as ``status/<n>.json``)
    and the key set (``.well-known/jwks.json``) under :func:`publish_dir`."""
    folder = publish_dir()
    lists = last_list_number()
    for number in range(1, lists + 1):
        _write(folder / "status" / str(number), signed_status_list(number))
        _write(folder / "status" / f"{number}.json",
               json.dumps(status_list_credential(number), sort_keys=True))
    _write(folder / ".well-known" / "jwks.json", json.dumps(jwks(), sort_keys=True))
    return f"{lists} status list(s) published to {folder}"
