"""Background jobs: queued with the transaction, run in-process or on Celery, retried, resumed.

The jobs below are registered when this module is imported; a Celery worker started by
a test imports it too (``CERTIFY_JOBS_MODULES``), so the same jobs run there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from certify.core.clock import utcnow
from certify.core.errors import ValidationError
from certify.core.jobs import (
    Job,
    JobStatus,
    enqueue,
    job,
    job_summary,
    resumable_jobs,
    retry_delay,
    run_job,
)
from certify.core.mail import OutboxMessage, OutboxStatus, queue_email
from certify.extensions import db

PROJECT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("CERTIFY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@job("tests.count_to", title="Counting")
def count_to(record: Job, upto: int, mail_to: str | None = None) -> dict:
    """Counts in steps, as a real job reports progress; optionally queues an e-mail."""
    for _n in range(upto):
        record.advance(1, total=upto, result={"last_pid": os.getpid()})
    if mail_to:
        queue_email(mail_to, "Counted", f"Counted to {upto}.")
        db.session.commit()
    return {"counted": upto, "pid": os.getpid()}


@job("tests.fails", max_attempts=2)
def fails(record: Job) -> None:
    raise RuntimeError("the printer is on fire")


@job("tests.refuses")
def refuses(record: Job) -> None:
    raise ValidationError("Cohort 99 does not exist.")


def sent_to(address: str, timeout: float = 30) -> OutboxMessage:
    """The message to ``address`` once the runner has delivered it (after the job finished)."""
    deadline = time.monotonic() + timeout
    while True:
        message = db.session.scalar(sa.select(OutboxMessage).where(
            OutboxMessage.to_address == address).execution_options(populate_existing=True))
        db.session.commit()
        if message is not None and message.status is OutboxStatus.SENT:
            return message
        if time.monotonic() > deadline:
            pytest.fail(f"the e-mail to {address} was not delivered: {message}")
        time.sleep(0.2)


def wait_for(job_id: int, timeout: float = 60) -> Job:
    """Poll the job (fresh from the database) until it is finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = db.session.get(Job, job_id, populate_existing=True)
        db.session.commit()  # end the read: the next poll sees the runner's commits
        if record is not None and record.is_finished:
            return record
        time.sleep(0.2)
    pytest.fail(f"job {job_id} did not finish within {timeout} s")


# --- the interface, run here and now (inside the test's transaction) ---------------------------

def test_a_job_is_queued_in_the_callers_transaction(app):
    record = enqueue("tests.count_to", upto=3)
    assert record.status is JobStatus.QUEUED and record.payload == {"upto": 3}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


def test_enqueue_refuses_unknown_jobs_and_payloads_that_cannot_be_stored(app):
    with pytest.raises(ValueError, match="no job is called"):
        enqueue("tests.nope")
    with pytest.raises(TypeError):
        enqueue("tests.count_to", upto=object())


def test_running_a_job_records_progress_and_result(app):
    record = enqueue("tests.count_to", upto=4)
    db.session.commit()
    finished = run_job(record.id)
    assert finished.status is JobStatus.SUCCEEDED
    assert (finished.progress_done, finished.progress_total, finished.percent) == (4, 4, 100)
    assert finished.result == {"counted": 4, "pid": os.getpid(), "last_pid": os.getpid()}
    assert finished.attempts == 1 and finished.error is None
    assert finished.started_at <= finished.finished_at
    summary = job_summary(finished)
    assert summary["status"] == "succeeded" and summary["progress"]["percent"] == 100
    assert run_job(record.id) is None  # finished jobs are not run again


def test_a_failing_job_is_retried_later_then_given_up(app):
    record = enqueue("tests.fails")
    db.session.commit()
    first = run_job(record.id)
    assert first.status is JobStatus.QUEUED and first.attempts == 1
    assert "the printer is on fire" in first.error
    assert first.run_after >= utcnow() + retry_delay(1) - timedelta(seconds=5)
    assert run_job(record.id) is None  # not due yet
    first.run_after = utcnow() - timedelta(seconds=1)
    db.session.commit()
    second = run_job(record.id)
    assert second.status is JobStatus.FAILED and second.attempts == 2
    assert second.finished_at is not None


def test_a_domain_error_fails_at_once_with_its_message(app):
    record = enqueue("tests.refuses")
    db.session.commit()
    finished = run_job(record.id)
    assert finished.status is JobStatus.FAILED and finished.attempts == 1
    assert finished.error == "Cohort 99 does not exist."


def test_a_job_whose_process_died_is_resumed(app):
    record = enqueue("tests.count_to", upto=2)
    db.session.commit()
    # What a killed worker leaves behind: running, and silent for a long time.
    record.status, record.attempts = JobStatus.RUNNING, 1
    record.started_at = record.heartbeat_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert record.is_stale() and [job.id for job in resumable_jobs()] == [record.id]
    finished = run_job(record.id)
    assert finished.status is JobStatus.SUCCEEDED and finished.attempts == 2


def test_a_running_job_that_is_alive_is_left_alone(app):
    record = enqueue("tests.count_to", upto=2)
    db.session.commit()
    record.status, record.attempts, record.heartbeat_at = JobStatus.RUNNING, 1, utcnow()
    db.session.commit()
    assert not record.is_stale() and resumable_jobs() == []
    assert run_job(record.id) is None


def test_a_dead_job_on_its_last_attempt_is_marked_failed(app):
    record = enqueue("tests.fails")
    db.session.commit()
    record.status, record.attempts = JobStatus.RUNNING, 2
    record.heartbeat_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert resumable_jobs() == []
    db.session.refresh(record)
    assert record.status is JobStatus.FAILED and "Stopped responding" in record.error


def test_the_commands_list_and_resume_jobs(app):
    done = enqueue("tests.count_to", upto=1)
    waiting = enqueue("tests.count_to", upto=2)
    db.session.commit()
    run_job(done.id)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0
    assert f"#{done.id} tests.count_to" in listed.output and "succeeded" in listed.output
    assert f"#{waiting.id}" in listed.output and "queued" in listed.output
    resumed = runner.invoke(args=["jobs", "resume"])
    assert resumed.exit_code == 0, resumed.output
    assert f"#{waiting.id} tests.count_to: succeeded" in resumed.output
    assert db.session.get(Job, waiting.id, populate_existing=True).progress_done == 2


def test_the_worker_command_needs_a_broker(app):
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code == 2 and "CERTIFY_BROKER_URL" in result.output


# --- for real: committed, in a thread of this process, and on a Celery worker ------------------

@pytest.fixture
def committed_jobs(app):
    """Jobs and e-mails created by a committing test, deleted afterwards."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.execute(sa.delete(Job).where(Job.name.like("tests.%")))
        db.session.execute(sa.delete(OutboxMessage).where(
            OutboxMessage.to_address.like("%@jobs.test")))
        db.session.commit()
        app.extensions.pop("certify_job_runner", None)


@pytest.mark.committing
def test_a_committed_job_runs_in_a_thread_and_its_mail_goes_out(app, committed_jobs):
    record = enqueue("tests.count_to", upto=3, mail_to="ana@jobs.test")
    assert db.session.scalar(sa.select(sa.func.count(Job.id)).where(Job.id == record.id))
    db.session.commit()  # only now is it handed to the runner
    finished = wait_for(record.id)
    assert finished.status is JobStatus.SUCCEEDED and finished.result["counted"] == 3
    assert finished.result["pid"] == os.getpid()  # this process, another thread
    sent_to("ana@jobs.test")  # the runner delivers the outbox after the job


@pytest.mark.committing
def test_a_rolled_back_job_is_never_handed_to_a_runner(app, committed_jobs, monkeypatch):
    from certify.core import job_runners

    handed: list[int] = []
    monkeypatch.setattr(job_runners, "dispatch", lambda _app, job_id, **_: handed.append(job_id))
    enqueue("tests.count_to", upto=1)
    db.session.rollback()
    kept = enqueue("tests.count_to", upto=2)
    db.session.commit()  # hands over what this transaction queued, not what was rolled back
    assert handed == [kept.id]


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return client


@pytest.fixture
def celery_worker(app, committed_jobs, monkeypatch):
    """A real `certify worker` process on a queue of its own; the app sends jobs there."""
    client = _redis_or_skip()
    queue = f"certify-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "BROKER_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", queue)
    app.extensions.pop("certify_job_runner", None)
    app.extensions.pop("certify_celery", None)
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(CERTIFY_INSTANCE_PATH=app.instance_path,
               CERTIFY_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               CERTIFY_BROKER_URL=REDIS_URL, CERTIFY_JOBS_QUEUE=queue,
               CERTIFY_JOBS_MODULES="tests.core.test_jobs", CERTIFY_SECRET_KEY="test",
               CERTIFY_JOBS_FIRST_RETRY_AFTER="0",  # the worker retries at once
               PYTHONPATH=str(PROJECT))
    worker = subprocess.Popen(
        [sys.executable, "-c", "from certify.cli import main; main()", "worker",
         "--pool", "solo", "--loglevel", "WARNING"],
        cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        client.delete(queue)
        app.extensions.pop("certify_celery", None)


@pytest.mark.committing
@pytest.mark.broker
def test_with_a_broker_jobs_run_on_a_celery_worker(app, celery_worker):
    record = enqueue("tests.count_to", upto=5, mail_to="bruno@jobs.test")
    db.session.commit()
    finished = wait_for(record.id, timeout=90)
    assert finished.status is JobStatus.SUCCEEDED, finished.error
    assert finished.result["counted"] == 5 and finished.progress_done == 5
    assert finished.result["pid"] == celery_worker.pid  # ran in the worker process
    sent_to("bruno@jobs.test")


@pytest.mark.committing
@pytest.mark.broker
def test_a_celery_job_that_fails_is_retried_through_the_queue(app, celery_worker):
    # The worker (CERTIFY_JOBS_FIRST_RETRY_AFTER=0) sends the retry to the queue at once.
    record = enqueue("tests.fails")
    db.session.commit()
    finished = wait_for(record.id, timeout=90)
    assert finished.status is JobStatus.FAILED and finished.attempts == 2
    assert "the printer is on fire" in finished.error


def test_the_first_retry_waits_as_configured_then_doubles(app, monkeypatch):
    assert [retry_delay(n) for n in (1, 2)] == [timedelta(seconds=30), timedelta(seconds=60)]
    monkeypatch.setitem(app.config, "JOBS_FIRST_RETRY_AFTER", "5")
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (5, 10, 20)]
    assert retry_delay(30) == timedelta(hours=1)
