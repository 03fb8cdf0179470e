"""What a load balancer or an orchestrator asks: is this instance alive, is it ready?

Liveness (``/healthz``) touches nothing: a process that answers is alive, and
restarting it because the database is down would not help. Readiness
(``/readyz``) checks what serving needs, each check cheap and bounded in time:
the database answers, its schema is at the migrations' head, the signing keys
can be read, the broker answers (when there is one), and the certificates'
disk has room.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from certify.core.storage import certificates_dir
from certify.extensions import db

DEFAULT_MIN_FREE_DISK_MB = 200
BROKER_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""
    # A failing check that is not critical is reported but keeps the instance ready.
    critical: bool = True
    skipped: bool = False  # nothing to check here (no broker configured)


def readiness() -> tuple[bool, list[Check]]:
    """Run every readiness check; ready when no critical one failed."""
    checks = [_run(name, check) for name, check in _CHECKS]
    return all(check.ok or not check.critical for check in checks), checks


def _run(name: str, check: Callable[[], Check]) -> Check:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as error:  # noqa: BLE001 - any failure is the answer, not a 500
        db.session.rollback()
        result = Check(name, False, f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
                       if str(error) else type(error).__name__)
    elapsed = (time.perf_counter() - started) * 1000
    return Check(result.name, result.ok, result.detail or f"{elapsed:.0f} ms", result.critical,
                 result.skipped)


def check_database() -> Check:
    db.session.execute(sa.text("SELECT 1"))
    return Check("database", True)


def check_migrations() -> Check:
    from alembic.runtime.migration import MigrationContext

    expected = migration_heads(current_app.extensions["migrate"].directory)
    current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    if current != expected:
        return Check("migrations", False, f"database at {sorted(current) or 'nothing'}, code "
                                          f"expects {sorted(expected)}: run certify db upgrade")
    return Check("migrations", True)


def migration_heads(directory: str) -> frozenset[str]:
    """The head revisions of the migrations folder."""
    return frozenset(migration_scripts(directory).get_heads())


@lru_cache(maxsize=4)
def migration_scripts(directory: str):
    """The migrations folder's scripts (read once per process: code does not change under a
    running process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(directory))
    return ScriptDirectory.from_config(config)


def check_signing_keys() -> Check:
    """The signing keys folder exists and every file in it can be read by this process.

    A fresh instance has no key until the first signature makes one, so an empty folder
    is ready as long as the process may write there."""
    from certify.core.keyring import keys_dir

    directory = keys_dir()
    if not directory.exists():
        writable = os.access(_existing_parent(directory), os.W_OK)
        return Check("signing_keys", writable, "" if writable else f"cannot create {directory}")
    unreadable = [path.name for path in directory.iterdir()
                  if path.is_file() and not os.access(path, os.R_OK)]
    if unreadable:
        return Check("signing_keys", False, f"cannot read {', '.join(sorted(unreadable))}")
    return Check("signing_keys", True)


def check_broker() -> Check:
    url = current_app.config.get("BROKER_URL")
    if not url:
        return Check("broker", True, "not configured", skipped=True)
    from kombu import Connection

    with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return Check("broker", True)


def check_disk_space() -> Check:
    minimum_mb = int(current_app.config.get("MIN_FREE_DISK_MB") or DEFAULT_MIN_FREE_DISK_MB)
    free_mb = shutil.disk_usage(_existing_parent(certificates_dir())).free // (1024 * 1024)
    return Check("disk_space", free_mb >= minimum_mb, f"{free_mb} MB free (minimum {minimum_mb})")


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


_CHECKS: list[tuple[str, Callable[[], Check]]] = [
    ("database", check_database),
    ("migrations", check_migrations),
    ("signing_keys", check_signing_keys),
    ("broker", check_broker),
    ("disk_space", check_disk_space),
]
