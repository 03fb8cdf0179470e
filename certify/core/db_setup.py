"""Engine tweaks per backend, applied once when the app starts, and what a busy database
answers.

On PostgreSQL every connection gets ``statement_timeout`` and ``lock_timeout``
(``CERTIFY_DB_STATEMENT_TIMEOUT``, ``CERTIFY_DB_LOCK_TIMEOUT``, in seconds; 0 turns one off),
so a locked table or a runaway query cannot hold a worker: the request answers 503 with
``Retry-After`` instead, as it does when SQLite stays locked past its busy timeout.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext

import sqlalchemy as sa
from flask import Flask, current_app, g
from flask_babel import gettext as _
from sqlalchemy import orm

from certify.core.http import error_response
from certify.core.transactions import will_write
from certify.extensions import db, login_manager

QUERY_CANCELED, LOCK_NOT_AVAILABLE = "57014", "55P03"
_NO_BEGIN = "certify_no_begin"  # execution option: SQLite runs each statement on its own


def init_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _make_sqlite_transactional(engine)
        elif engine.dialect.name == "postgresql":
            _limit_waiting(engine, statement=app.config.get("DB_STATEMENT_TIMEOUT", 15),
                           lock=app.config.get("DB_LOCK_TIMEOUT", 5))
    app.register_error_handler(sa.exc.OperationalError, _database_busy)


def _limit_waiting(engine: sa.Engine, *, statement: float, lock: float) -> None:
    settings = {"statement_timeout": int(statement * 1000), "lock_timeout": int(lock * 1000)}

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Session defaults of the connection, before any transaction; psycopg autocommits
        # nothing here, so end the implicit transaction these statements open.
        with dbapi_connection.cursor() as cursor:
            for name, milliseconds in settings.items():
                cursor.execute(f"SET {name} = {milliseconds}")
        dbapi_connection.commit()


def is_busy(error: sa.exc.OperationalError) -> bool:
    """A statement cancelled by a timeout, or a lock not granted in time (either backend)."""
    if getattr(error.orig, "sqlstate", None) in {QUERY_CANCELED, LOCK_NOT_AVAILABLE}:
        return True
    return "database is locked" in str(error.orig)


def _database_busy(error: sa.exc.OperationalError):
    if not is_busy(error):
        raise error
    db.session.rollback()  # the error page may read; the failed transaction cannot
    if "_login_user" not in g:
        # Signing the person in is what may have waited: render the answer without them
        # rather than waiting again for the language or the navigation.
        g._login_user = login_manager.anonymous_user()
    return error_response(
        503, _("The service is busy right now. Please try again in a few seconds."),
        code="service_busy",
        headers={"Retry-After": str(current_app.config.get("DB_BUSY_RETRY_AFTER", 5))})


def single_statement_connection() -> sa.Connection:
    """A connection of the pool for statements that each stand alone, outside any transaction:
    no BEGIN before them and no ROLLBACK after (two round trips on PostgreSQL).

    SQLite's driver runs each statement on its own already once our BEGIN is skipped;
    switching it to AUTOCOMMIT would cost a PRAGMA each way.
    """
    connection = db.engine.connect()
    if connection.dialect.name == "sqlite":
        return connection.execution_options(**{_NO_BEGIN: True})
    return connection.execution_options(isolation_level="AUTOCOMMIT")


def session_under_way(session: orm.scoped_session) -> orm.Session | None:
    """``session``'s current session if it has begun a transaction or is made on a connection
    (tests join one outer transaction), without making one: reads must go through it."""
    if not session.registry.has() and session.session_factory.kw.get("bind") is None:
        return None
    current = session()
    if current.in_transaction() or isinstance(current.get_bind(), sa.Connection):
        return current
    return None


@contextmanager
def raw_cursor(session: orm.scoped_session):
    """A driver's cursor for statements that each stand alone: in ``session``'s transaction if
    it has begun one or is made on a connection (tests), else on a
    :func:`single_statement_connection`. For hot reads that skip SQLAlchemy's execution."""
    current = session_under_way(session)
    with (nullcontext(current.connection()) if current is not None
          else single_statement_connection()) as connection:
        cursor = connection.connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()


def _make_sqlite_transactional(engine: sa.Engine) -> None:
    """Foreign keys on, and real transactions with SAVEPOINTs (pysqlite's default is broken).

    This is SQLAlchemy's documented pysqlite recipe. A transaction that will write
    (``certify.core.transactions``) begins IMMEDIATE: it takes the write lock first,
    so concurrent writers wait for each other (busy_timeout) instead of failing.
    """

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL is still safe from corruption and loses no committed
        # transaction on an application crash (only on a power cut, the last ones); FULL
        # would fsync on every commit, ~15 ms a verification's count.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT" or options.get(_NO_BEGIN):
            return  # each statement on its own (e.g. the single read of a verification)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if will_write() else "BEGIN")
