"""A consistent copy of the database, and putting one back: SQLite's online backup API,
PostgreSQL's ``pg_dump``/``pg_restore`` (custom format).

Both take a snapshot while the application keeps running: SQLite's backup copies
pages under a read transaction, ``pg_dump`` works inside one repeatable-read
transaction. Neither blocks writers for long.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.core.errors import Conflict, ValidationError
from certify.extensions import db

DUMP_NAMES = {"sqlite": "database/certify.sqlite3", "postgresql": "database/certify.pgdump"}


def dialect() -> str:
    name = db.engine.dialect.name
    if name not in DUMP_NAMES:
        raise ValidationError(_("Backups support SQLite and PostgreSQL, not %(name)s.", name=name))
    return name


def sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise ValidationError(_("An in-memory SQLite database cannot be backed up."))
    return Path(database)


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment that carries it
    (a password on the command line would be visible to every user of the machine)."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def dump_database(target: Path) -> None:
    """Write a consistent copy of the current database to ``target``."""
    if dialect() == "sqlite":
        _sqlite_copy(sqlite_path(), target)
        return
    dsn, environment = _libpq(db.engine.url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
          f"--file={target}", f"--dbname={dsn}"], environment)


def _sqlite_copy(source_path: Path, destination_path: Path) -> None:
    """Copy a SQLite database page by page with the online backup API (the source stays
    usable by others meanwhile)."""
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    destination = sqlite3.connect(destination_path)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def database_is_empty() -> bool:
    """No table at all: what ``certify restore`` asks of the instance it restores into."""
    return not sa.inspect(db.engine).get_table_names()


def restore_database(dump: Path, dump_dialect: str) -> None:
    """Load ``dump`` into the current (empty) database; all or nothing."""
    if dump_dialect != dialect():
        raise ValidationError(_(
            "This backup holds a %(archive)s database; this instance uses %(here)s. Restore it "
            "into an instance of the same kind.", archive=dump_dialect, here=dialect()))
    if not database_is_empty():
        raise Conflict(_("The database of this instance is not empty; restore only into a new, "
                         "empty instance."))
    db.session.remove()
    db.engine.dispose()
    if dump_dialect == "sqlite":
        path = sqlite_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(dump, path)
    else:
        dsn, environment = _libpq(db.engine.url)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", f"--dbname={dsn}", str(dump)], environment)
    db.engine.dispose()


def _run(command: list[str], environment: dict[str, str]) -> None:
    try:
        finished = subprocess.run(command, env=environment, capture_output=True, text=True,
                                  check=False)
    except FileNotFoundError as error:
        raise ValidationError(_("%(program)s is not installed; install PostgreSQL's client "
                                "programs.", program=command[0])) from error
    if finished.returncode != 0:
        raise ValidationError(_("%(program)s failed: %(error)s", program=command[0],
                                error=finished.stderr.strip()[-500:]))
