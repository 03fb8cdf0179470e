"""The verification path under a crowd: read-only, answers cached per certificate, language and
state, counts written after the responses, rate limits shared by workers and fit for a room."""

from __future__ import annotations

import os
import runpy
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from certify.certificates.counting import (
    count_verification,
    pending_count,
    stop_writing_counts,
)
from certify.certificates.issuing import reissue, revoke
from certify.certificates.models import Certificate
from certify.core.ratelimit import ProcessMemoryStorage
from certify.extensions import db, limiter
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]


def test_a_verification_reads_once_and_writes_nothing(app, client, issued):
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    page, api = f"/v/{issued.qr_token}", f"/api/v1/verify/{issued.serial}?t={issued.qr_token}"
    client.get("/v")  # what every page reads now and then (e.g. the framing policy's origins)
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(page).status_code == 200
        assert client.get(api).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    reads = [statement for statement in statements if statement.startswith("SELECT")]
    assert len(reads) == 2 and all("FROM certificate" in read for read in reads), \
        [read[-60:] for read in reads]
    assert not any(statement.startswith(("UPDATE", "INSERT", "DELETE")) for statement in statements)
    assert pending_count() == 2


@pytest.mark.committing  # the worker's own session, not the test's rolled-back one
@pytest.mark.one_database  # the worker writes to a SQLite file of its own
def test_a_workers_thread_writes_the_counts_every_second(app, tmp_path):
    """On a database file, as a worker would: the request threads only count."""
    worker = make_app(f"sqlite:///{tmp_path / 'counts.db'}", str(tmp_path),
                      COUNT_FLUSH_SECONDS=0.05)
    with worker.app_context():
        try:
            db.create_all()
            db.session.execute(sa.insert(Certificate.__table__), [_row()])
            db.session.commit()
            certificate_id = db.session.scalar(sa.select(Certificate.id))
            db.session.close()  # a reader waiting here must not hold the writer off the file
            for _ in range(3):
                count_verification(certificate_id)
            threads = [thread.name for thread in threading.enumerate()]
            assert threads.count("certify-verification-counts") == 1  # one, not one per count
            # The writer takes the counts before it commits them: wait for the row, not for
            # the pending counts to empty.
            deadline, written = time.monotonic() + 30, None
            while written != 3 and time.monotonic() < deadline:
                time.sleep(0.05)
                written = db.session.scalar(sa.select(Certificate.verification_count))
                db.session.rollback()  # the next look is a fresh snapshot
            assert written == 3 and pending_count() == 0
        finally:
            # Whatever happened, no writer thread of this app may outlive the test.
            stop_writing_counts(worker)
            db.session.remove()
            db.engine.dispose()


def _row() -> dict:
    from datetime import UTC, datetime
    return {"serial": "0000-0000-0000", "kind": "programme", "holder_name": "Ana",
            "holder_locale": "es", "programme_code": "P", "programme_title": {},
            "programme_description": {}, "certificate_title": {}, "modules": [], "hours": 1,
            "issuer_name": "I", "authorities": [], "place": "", "criteria": {},
            "issued_at": datetime(2026, 1, 1, tzinfo=UTC), "token": "t", "kid": "k",
            "status_list_index": 1, "verification_count": 0,
            "created_at": datetime(2026, 1, 1, tzinfo=UTC)}


def test_revoking_and_reissuing_change_the_cached_answers(client, world, issued):
    page, api = f"/v/{issued.qr_token}?lang=en", f"/api/v1/verify/{issued.serial}?lang=en"
    assert "Valid" in client.get(page).text
    assert client.get(api).get_json()["certificate"]["revoked_at"] is None
    revoke(issued, reason="Datos erróneos", actor=world.manager)
    db.session.flush()
    assert "Revoked" in client.get(page).text
    assert client.get(api).get_json()["certificate"]["revoked_at"] is not None


def test_the_reissued_certificates_link_is_a_link(client, world, issued):
    replacement = reissue(issued, reason="Nombre corregido", actor=world.manager)
    db.session.flush()
    html = client.get(f"/v/{issued.serial}?lang=en").text
    link = f'<a href="/v/{replacement.serial}"><code>{replacement.serial}</code></a>'
    assert link in html and "&lt;a href" not in html


def test_the_public_page_is_lean(client, issued):
    response = client.get(f"/v/{issued.qr_token}?lang=en")
    assert "Set-Cookie" not in response.headers  # no session started for a visitor
    html = response.text
    assert "csrf_token" not in html and "/logout" not in html
    assert f'href="/v/{issued.qr_token}?lang=pt_BR"' in html  # languages are plain links


def test_in_process_rate_limit_counters_start_no_thread():
    storage = ProcessMemoryStorage()
    before = threading.active_count()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get_expiry("k") > 0
    assert storage.incr("short", 0) == 1 and storage.get("short") == 0  # expired at once
    storage.clear("k")
    assert storage.get("k") == 0 and threading.active_count() == before


@pytest.fixture
def limited_app(app, tmp_path):
    """Another app on the test database with rate limits on; the limiter (one object for the
    process) is given back to the test app afterwards."""
    made = []

    def make(**settings):
        made.append(make_app(app.config["SQLALCHEMY_DATABASE_URI"],
                             str(tmp_path / str(len(made))), RATELIMIT_ENABLED=True,
                             SIGNING_KEYS_DIR=app.config["SIGNING_KEYS_DIR"], **settings))
        return made[-1]

    yield make
    limiter.init_app(app)


def test_a_room_behind_one_address_is_served_but_guessing_is_stopped(limited_app, issued):
    limited = limited_app(RATELIMIT_STORAGE_URI="certify-memory://")
    client = limited.test_client()
    assert limited.config["VERIFY_RATE_LIMIT"] == "600 per minute"
    # 200 people scanning (a few twice) from one public address: all answered.
    statuses = {client.get(f"/v/{issued.serial}").status_code for _ in range(250)}
    assert statuses == {200}
    # Someone trying serials: stopped after the limit on answers that find nothing.
    misses = [client.get("/api/v1/verify/0000-0000-0000").status_code for _ in range(61)]
    assert misses == [404] * 60 + [429]


@pytest.mark.one_database  # one Redis database: two passes at once would empty it for each other
@pytest.mark.skipif(not os.environ.get("CERTIFY_TEST_REDIS_URL"),
                    reason="needs CERTIFY_TEST_REDIS_URL")
def test_workers_share_their_limits_through_redis(limited_app, issued):
    import redis

    url = os.environ["CERTIFY_TEST_REDIS_URL"]
    redis.Redis.from_url(url).flushdb()
    workers = [limited_app(RATELIMIT_STORAGE_URI=url, VERIFY_RATE_LIMIT="4 per minute")
               for _ in range(2)]
    clients = [worker.test_client() for worker in workers]
    statuses = [clients[n % 2].get(f"/v/{issued.serial}").status_code for n in range(5)]
    assert statuses == [200] * 4 + [429]  # one count for both, not 4 each
    redis.Redis.from_url(url).flushdb()
    workers = [limited_app(RATELIMIT_STORAGE_URI=url, VERIFY_MISS_RATE_LIMIT="2 per minute")
               for _ in range(2)]
    first, second = (worker.test_client() for worker in workers)
    assert [first.get("/v/0000-0000-0000").status_code for _ in range(2)] == [404, 404]
    refused = second.get(f"/v/{issued.serial}")  # the other worker knows the misses are spent
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    redis.Redis.from_url(url).flushdb()


@pytest.mark.parametrize(("workers", "storage", "warned"), [
    (2, "", True), (2, "certify-memory://", True), (2, "redis://127.0.0.1:6379/1", False),
    (1, "", False)])
def test_gunicorn_warns_when_workers_count_limits_apart(monkeypatch, tmp_path, workers, storage,
                                                        warned):
    monkeypatch.setenv("CERTIFY_RATELIMIT_STORAGE_URL", storage)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # the file prepares it
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    messages = []
    server = SimpleNamespace(cfg=SimpleNamespace(workers=workers),
                             log=SimpleNamespace(warning=lambda *args: messages.append(args)))
    settings["when_ready"](server)
    assert bool(messages) is warned
    if warned:
        assert "CERTIFY_RATELIMIT_STORAGE_URL" in messages[0][0]
