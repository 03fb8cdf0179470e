"""Engine tweaks per backend, applied once when the app starts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from certify.core.transactions import will_write
from certify.extensions import db


def init_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _make_sqlite_transactional(engine)


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
        connection.exec_driver_sql("BEGIN IMMEDIATE" if will_write() else "BEGIN")
