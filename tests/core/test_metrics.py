"""Prometheus metrics at /metrics: token-protected, requests by route, verifications,
issuance, jobs, outbox and grade passback, added up across gunicorn workers (issue 17)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from certify.core.mail import queue_email
from certify.extensions import db

PROJECT = Path(__file__).resolve().parents[2]
TOKEN = "scraper-secret"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """``{(sample name, sorted labels): value}`` of an exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture
def scrape(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)

    def get() -> dict:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "no-store"
        return samples(response.text)

    return get


def test_metrics_need_the_token(app, client, monkeypatch):
    assert client.get("/metrics").status_code == 404  # no token configured: no endpoint
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")


def test_requests_are_counted_by_route_rule(client, scrape):
    before = scrape()
    key = ("certify_http_requests_total",
           (("method", "GET"), ("route", "/v/<serial>"), ("status", "404")))
    client.get("/v/K7QM-3XDA-9PFT")
    after = scrape()
    assert after.get(key, 0) == before.get(key, 0) + 1
    assert not any("K7QM" in str(labels) for _name, labels in after)  # the rule, not the path
    assert any(name == "certify_http_request_duration_seconds_bucket" for name, _ in after)


def test_issuance_verification_and_queues_show(app, client, scrape, manager):
    from certify.certificates.issuing import issue_programme_certificate
    from certify.cohorts.services import create_cohort
    from tests.certificates.conftest import enrolled, make_certificate_programme

    cohort = create_cohort(make_certificate_programme(), name="Metrics")
    holder = enrolled(cohort)
    certificate = issue_programme_certificate(holder, cohort, actor=manager)
    queue_email("ana@example.org", "Hola", "Texto")
    db.session.commit()
    before = scrape()
    verdict_key = ("certify_verifications_total", (("result", "VALID"),))
    client.get(f"/v/{certificate.serial}")
    after = scrape()
    assert after[verdict_key] == before.get(verdict_key, 0) + 1
    assert after[("certify_certificates_issued_total", (("kind", "programme"),))] >= 1
    # Written to the certificates after responses, in batches: present, not necessarily yet 1.
    assert ("certify_certificate_verifications_recorded_total", ()) in after
    assert after[("certify_outbox_depth", (("status", "queued"),))] >= 1
    assert ("certify_job_queue_depth", (("status", "queued"),)) in after
    assert ("certify_lti_grade_passback_failed", ()) in after


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.committing
def test_counts_add_up_across_gunicorn_workers(app, tmp_path):
    """Two workers answer; whichever serves the scrape reports both workers' requests."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(CERTIFY_INSTANCE_PATH=app.instance_path, CERTIFY_SECRET_KEY="test",
               CERTIFY_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               CERTIFY_METRICS_TOKEN=TOKEN, CERTIFY_BIND=f"127.0.0.1:{port}",
               CERTIFY_WORKERS="2", CERTIFY_THREADS="1",
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"), PYTHONPATH=str(PROJECT))
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                              cwd=PROJECT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(server.stderr.read().decode()[-2000:] if server.poll() else
                                "gunicorn did not start")
                time.sleep(0.3)
        # New connections until both workers have answered (which one accepts is the kernel's
        # choice, so a fixed number of requests can all land on one).
        metrics_files = tmp_path / "metrics"
        sent, deadline = 0, time.monotonic() + 60
        while sent < 40 or len(list(metrics_files.glob("counter_*.db"))) < 2:
            assert time.monotonic() < deadline, "only one worker answered"
            with requests.Session() as fresh:
                fresh.get(f"{base}/healthz", timeout=5)
            sent += 1
        for _ in range(10):
            response = requests.get(f"{base}/metrics", timeout=10,
                                    headers={"Authorization": f"Bearer {TOKEN}"})
            assert response.status_code == 200
        found = samples(response.text)
        answered = found[("certify_http_requests_total",
                          (("method", "GET"), ("route", "/healthz"), ("status", "200")))]
        assert answered == sent + 1  # the requests above and the first probe, from both files
    finally:
        server.terminate()
        server.wait(timeout=30)
