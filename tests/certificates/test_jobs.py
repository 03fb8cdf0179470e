"""The bulk issuance action and the job status page (and its JSON): who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.accounts.models import Role
from certify.core.clock import utcnow
from certify.core.jobs import Job, JobStatus, enqueue, run_job
from certify.extensions import db
from tests.factories import make_person


@pytest.fixture
def started(world):
    """The cohort's issuance, queued by the world's manager (not run yet)."""
    record = enqueue("issue_cohort_certificates", started_by=world.manager,
                     cohort_id=world.cohort.id, actor_id=world.manager.id)
    db.session.commit()
    return record


def test_a_manager_confirms_the_issuance_and_lands_on_its_status_page(client, login_as, world):
    login_as(world.manager)
    cohort_page = client.get(f"/cohorts/{world.cohort.id}/certificates?lang=en").text
    assert 'id="issue-all">Issue 1 certificate for everyone eligible' in cohort_page
    asked = client.post(f"/cohorts/{world.cohort.id}/certificates/issue-all?lang=en")
    assert asked.status_code == 200
    assert "1 person who meets every requirement receives a signed certificate" in asked.text
    assert 'id="confirm-people">1<' in asked.text and "Yes, issue 1 certificate" in asked.text
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0
    response = client.post(f"/cohorts/{world.cohort.id}/certificates/issue-all",
                           data={"confirmed": "yes"})
    record = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/jobs/{record.id}")
    assert record.name == "issue_cohort_certificates" and record.status is JobStatus.QUEUED
    assert record.payload == {"cohort_id": world.cohort.id, "actor_id": world.manager.id}
    assert record.started_by_id == world.manager.id
    page = client.get(f"/jobs/{record.id}?lang=en")
    assert page.status_code == 200
    assert "Issuing the certificates of a cohort" in page.text and "<progress" in page.text
    assert f"/api/v1/jobs/{record.id}" in page.text  # what the page polls


def test_only_managers_may_start_it(client, login_as, world):
    login_as(world.holder)
    assert client.post(f"/cohorts/{world.cohort.id}/certificates/issue-all").status_code == 403
    assert client.post("/cohorts/987654/certificates/issue-all").status_code == 403
    login_as(world.manager)
    assert client.post("/cohorts/987654/certificates/issue-all").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


def test_the_status_page_shows_the_counts_when_done(client, login_as, world, started):
    run_job(started.id)
    login_as(world.manager)
    page = client.get(f"/jobs/{started.id}?lang=en")
    assert page.status_code == 200
    assert 'id="job-issued">1<' in page.text and 'data-finished="true"' in page.text
    assert "1 of 1 certificates issued and rendered as PDF" in page.text
    assert "People not eligible yet (nothing issued)" in page.text

    # Everyone eligible now holds one: issuing is no longer the page's primary action, and a
    # stale form posted anyway starts nothing.
    cohort_page = client.get(f"/cohorts/{world.cohort.id}/certificates?lang=en").text
    assert 'id="issue-all"' not in cohort_page
    assert "Everyone eligible holds a certificate" in cohort_page
    jobs = db.session.scalar(sa.select(sa.func.count(Job.id)))
    response = client.post(f"/cohorts/{world.cohort.id}/certificates/issue-all",
                           data={"confirmed": "yes"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/cohorts/{world.cohort.id}/certificates")
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == jobs
    body = client.get(f"/api/v1/jobs/{started.id}?lang=en").json
    assert body["status"] == "succeeded" and body["result"]["issued"] == 1
    assert body["progress"] == {"done": 1, "total": 1, "percent": 100}
    assert body["title"] == "Issuing the certificates of a cohort"


@pytest.mark.parametrize("who, status", [
    ("starter", 200), ("other_manager", 200), ("admin", 200), ("holder", 404), ("tutor", 404),
])
def test_the_status_is_for_whoever_started_it_and_managers(client, login_as, world, started,
                                                            who, status):
    people = {"starter": world.manager, "other_manager": make_person(Role.MANAGER),
              "admin": make_person(Role.ADMIN), "holder": world.holder,
              "tutor": make_person(Role.TUTOR)}
    login_as(people[who])
    assert client.get(f"/jobs/{started.id}").status_code == status
    response = client.get(f"/api/v1/jobs/{started.id}")
    assert response.status_code == status
    if status == 404:
        assert response.json["code"] == "not_found"


def test_an_official_sees_the_status_of_a_job_they_started(client, login_as, world):
    record = enqueue("deliver_outbox", started_by=world.holder)
    db.session.commit()
    login_as(world.holder)
    assert client.get(f"/jobs/{record.id}").status_code == 200
    assert client.get(f"/api/v1/jobs/{record.id}").json["status"] == "queued"


def test_anonymous_visitors_are_sent_to_sign_in(client, started):
    page = client.get(f"/jobs/{started.id}")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert client.get(f"/api/v1/jobs/{started.id}").status_code == 401


def test_unknown_jobs_are_not_found(client, login_as, manager):
    login_as(manager)
    assert client.get("/jobs/424242").status_code == 404
    assert client.get("/api/v1/jobs/424242").status_code == 404


def test_a_stale_job_is_resumed_when_someone_looks_at_it(client, login_as, world, started,
                                                         monkeypatch):
    from certify.core import job_runners

    handed = []
    monkeypatch.setattr(job_runners, "dispatch", lambda app, job_id, **_: handed.append(job_id))
    started.status, started.attempts = JobStatus.RUNNING, 1
    started.heartbeat_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    login_as(world.manager)
    assert client.get(f"/api/v1/jobs/{started.id}").status_code == 200
    assert handed == [started.id]
