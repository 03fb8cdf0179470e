"""A locked table or a runaway statement answers 503 with Retry-After instead of holding a
worker (PostgreSQL's statement_timeout and lock_timeout); SQLite answers the same past its
busy timeout."""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa
from flask_login.utils import _create_identifier

from certify.core.db_setup import is_busy
from certify.core.http import public
from certify.extensions import db
from tests.conftest import make_app


@pytest.fixture
def impatient_app(app, tmp_path):
    """The suite's PostgreSQL database behind an app that waits 0.3 s for locks, 1 s for
    statements."""
    instance = os.environ.get("CERTIFY_INSTANCE_PATH")
    timed = make_app(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                     DB_LOCK_TIMEOUT=0.3, DB_STATEMENT_TIMEOUT=1, DB_BUSY_RETRY_AFTER=7)
    if instance is not None:
        os.environ["CERTIFY_INSTANCE_PATH"] = instance

    @public
    def slow():
        db.session.execute(sa.text("SELECT pg_sleep(5)"))
        return "done"

    timed.add_url_rule("/test-slow", view_func=slow)
    yield timed
    with timed.app_context():
        db.engine.dispose()


@pytest.mark.postgres_only
@pytest.mark.committing
def test_a_locked_table_answers_503_with_retry_after(app, impatient_app):
    with app.app_context():
        locker = db.engine.connect()
        transaction = locker.begin()
        locker.exec_driver_sql("LOCK TABLE person IN ACCESS EXCLUSIVE MODE")
        try:
            client = impatient_app.test_client()
            started = time.perf_counter()
            page = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
            signed_in = impatient_app.test_client()
            with impatient_app.test_request_context(environ_base=dict(signed_in.environ_base)):
                identifier = _create_identifier()
            with signed_in.session_transaction() as session:
                session.update({"_user_id": "1:stamp", "_fresh": True, "_id": identifier})
            api = signed_in.get("/api/v1/people/me")
            elapsed = time.perf_counter() - started
        finally:
            transaction.rollback()
            locker.close()
    assert page.status_code == 503 and page.headers["Retry-After"] == "7"
    assert "503" in page.get_data(as_text=True)  # the error page, in the reader's language
    assert api.status_code == 503 and api.get_json()["code"] == "service_busy"
    assert elapsed < 4


@pytest.mark.postgres_only
@pytest.mark.committing
def test_a_runaway_statement_is_cancelled(impatient_app):
    started = time.perf_counter()
    response = impatient_app.test_client().get("/test-slow", headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"
    assert time.perf_counter() - started < 4


def test_only_timeouts_and_locks_count_as_busy():
    class Orig(Exception):
        def __init__(self, message, sqlstate=None):
            super().__init__(message)
            self.sqlstate = sqlstate

    def error(orig):
        return sa.exc.OperationalError("SELECT 1", {}, orig)

    assert is_busy(error(Orig("canceling statement due to statement timeout", "57014")))
    assert is_busy(error(Orig("canceling statement due to lock timeout", "55P03")))
    assert is_busy(error(Orig("database is locked")))
    assert not is_busy(error(Orig("server closed the connection unexpectedly", "08006")))
