"""Liveness, readiness, request ids and the request log (issue 17)."""

from __future__ import annotations

import io
import json
import logging

import flask_migrate
import pytest
import sqlalchemy as sa

from certify.core.request_log import REQUEST_ID_HEADER, JsonFormatter, configure_logging
from certify.extensions import db
from tests.conftest import make_app
from tests.factories import make_person


def test_healthz_answers_without_an_account(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_checks_what_serving_needs(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ok"
    assert set(response.json["checks"]) == {"database", "migrations", "signing_keys", "broker",
                                            "disk_space"}
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["broker"] == "skipped"  # no broker configured


def test_readyz_checks_the_broker_when_there_is_one(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "BROKER_URL", "redis://127.0.0.1:9/0")  # nothing listens
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["broker"] == "failing"


def test_readyz_is_503_when_the_schema_is_behind_the_code(client, app_context):
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'older'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"] == "failing"


@pytest.mark.committing  # its own app: the outer transaction would lend it the suite's database
def test_readyz_is_503_when_the_database_is_unreachable(database, tmp_path, monkeypatch):
    unreachable = ("postgresql://postgres@127.0.0.1:9/certify" if database == "postgresql"
                   else f"sqlite:///{tmp_path / 'missing-folder' / 'certify.db'}")
    monkeypatch.setenv("CERTIFY_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(unreachable, str(tmp_path / "instance"), SQLALCHEMY_ENGINE_OPTIONS={
        "connect_args": {"connect_timeout": 2} if database == "postgresql" else {}})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["database"] == "failing"
    assert "missing-folder" not in response.text  # details go to the log, not to the public
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_fails_when_a_signing_key_cannot_be_read(client, app, tmp_path, monkeypatch):
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "20260101-abcdefgh.pem").write_text("secret")
    (keys / "20260101-abcdefgh.pem").chmod(0)
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(keys))
    import os
    if os.access(keys / "20260101-abcdefgh.pem", os.R_OK):  # running as root reads anything
        return
    assert client.get("/readyz").json["checks"]["signing_keys"] == "failing"


def test_readyz_fails_when_the_certificates_disk_is_full(client, app, monkeypatch):
    monkeypatch.setenv("CERTIFY_MIN_FREE_DISK_MB", str(10 ** 12))
    from certify.config import build_config

    monkeypatch.setitem(app.config, "MIN_FREE_DISK_MB",
                        build_config(app.instance_path)["MIN_FREE_DISK_MB"])
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["disk_space"] == "failing"


def test_every_response_carries_a_request_id(client):
    first = client.get("/healthz").headers[REQUEST_ID_HEADER]
    second = client.get("/healthz").headers[REQUEST_ID_HEADER]
    assert len(first) == 16 and first != second


def test_a_proxys_request_id_is_kept_when_it_looks_like_one(client):
    kept = client.get("/healthz", headers={REQUEST_ID_HEADER: "lb-0123456789abcdef"})
    assert kept.headers[REQUEST_ID_HEADER] == "lb-0123456789abcdef"
    forged = "bad id with spaces and {braces}"
    replaced = client.get("/healthz", headers={REQUEST_ID_HEADER: forged})
    assert replaced.headers[REQUEST_ID_HEADER] != forged


def test_error_pages_show_the_request_id(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers[REQUEST_ID_HEADER] in response.text


def test_json_logs_have_one_line_per_request_without_personal_data(app, client, login_as,
                                                                   monkeypatch):
    person = login_as(make_person(email="ana.secret@example.org", given_names="Anabel"))
    stream = io.StringIO()
    monkeypatch.setitem(app.config, "LOG_FORMAT", "json")
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging(app)
    try:
        response = client.get(f"/healthz?email={person.email}")
        client.get("/account/tokens")
    finally:
        monkeypatch.undo()
        configure_logging(app)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "certify.request"]
    assert requests[0]["request_id"] == response.headers[REQUEST_ID_HEADER]
    assert requests[0]["route"] == "/healthz" and requests[0]["status"] == 200
    assert requests[0]["method"] == "GET" and requests[0]["duration_ms"] >= 0
    assert requests[1]["route"] == "/account/tokens" and requests[1]["person_id"] == person.id
    assert "ana.secret" not in stream.getvalue() and "Anabel" not in stream.getvalue()


def test_the_json_formatter_writes_exceptions_and_extras():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("certify.x", logging.ERROR, __file__, 1, "failed %s", ("job",),
                                   exc_info=__import__("sys").exc_info())
    record.job_id = 7
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed job" and entry["job_id"] == 7
    assert "ValueError: boom" in entry["exception"]


@pytest.mark.committing  # its own app, with rate limits on
def test_probes_and_metrics_are_never_rate_limited(tmp_path, monkeypatch):
    monkeypatch.setenv("CERTIFY_INSTANCE_PATH", str(tmp_path))
    app = make_app(f"sqlite:///{tmp_path / 'certify.db'}", str(tmp_path),
                   RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute",
                   METRICS_TOKEN="scraper")
    with app.app_context():
        flask_migrate.upgrade()
    client = app.test_client()
    answers = [client.get(path, headers={"Authorization": "Bearer scraper"}).status_code
               for path in ("/healthz", "/metrics", "/healthz", "/metrics", "/healthz")]
    assert answers == [200, 200, 200, 200, 200]
    assert [client.get("/v").status_code for _ in range(3)][-1] == 429  # others are limited
