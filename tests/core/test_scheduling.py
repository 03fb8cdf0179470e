"""Scheduled work runs without a person: `certify scheduler`, the Celery beat schedule, and
the stale-job threshold as a setting (issue 17)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

import pytest
import sqlalchemy as sa
from celery.schedules import crontab

from certify.certificates.scheduled import publish_status_lists
from certify.config import build_config
from certify.core.clock import utcnow
from certify.core.jobs import Job, JobStatus, resumable_jobs
from certify.core.mail import OutboxMessage, OutboxStatus, queue_email
from certify.core.scheduling import PeriodicTask, Scheduler, beat_schedule, schedule
from certify.core.signing import verify_compact
from certify.extensions import db

PROJECT = Path(__file__).resolve().parents[2]


def status_once_sent(app, address: str, *, timeout: float) -> OutboxStatus:
    """The status of the message to ``address`` once sent, or when ``timeout`` ran out."""
    deadline = time.monotonic() + timeout
    with app.app_context():
        while True:
            message = db.session.scalar(sa.select(OutboxMessage).where(
                OutboxMessage.to_address == address).execution_options(populate_existing=True))
            db.session.commit()  # end the read: the next poll sees the other process's commit
            if message.status is OutboxStatus.SENT or time.monotonic() > deadline:
                return message.status
            time.sleep(0.3)


def test_the_schedule_covers_the_unattended_work():
    tasks = schedule()
    assert set(tasks) >= {"deliver_mail", "close_expired_attempts", "refresh_reports",
                          "resume_jobs", "publish_status_lists"}
    assert tasks["deliver_mail"].every <= timedelta(minutes=1)
    assert tasks["refresh_reports"].daily_at is not None


def test_when_tasks_are_due():
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    frequent = PeriodicTask("x", lambda: None, every=timedelta(minutes=5))
    assert frequent.first_run(now) == now and frequent.next_run(now) == now + timedelta(minutes=5)
    nightly = PeriodicTask("y", lambda: None, daily_at=time_of_day(6, 30))
    assert nightly.first_run(now) == datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    assert nightly.next_run(datetime(2026, 3, 2, 6, 0, tzinfo=UTC)) == datetime(
        2026, 3, 2, 6, 30, tzinfo=UTC)


def test_beat_sends_the_same_schedule_to_the_workers():
    entries = beat_schedule("certify")
    assert set(entries) == set(schedule())
    assert entries["deliver_mail"]["schedule"] == 60
    assert entries["deliver_mail"]["args"] == ["deliver_mail"]
    assert entries["refresh_reports"]["schedule"] == crontab(hour=6, minute=30)
    assert all(entry["options"]["queue"] == "certify" for entry in entries.values())


@pytest.mark.committing  # the scheduler's thread has a session of its own
def test_a_failing_task_is_logged_and_the_scheduler_goes_on(app, caplog):
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError("disk on fire")

    scheduler = Scheduler(app, {"broken": PeriodicTask("broken", broken,
                                                       every=timedelta(seconds=0.1))})
    import threading

    thread = threading.Thread(target=scheduler.run)
    with caplog.at_level("ERROR", logger="certify.core.scheduling"):
        thread.start()
        time.sleep(0.5)
        scheduler.stop()
        thread.join(5)
    assert not thread.is_alive() and len(calls) >= 2
    assert "Scheduled task broken failed" in caplog.text


def test_the_stale_job_threshold_is_a_setting(app, app_context, monkeypatch):
    monkeypatch.setenv("CERTIFY_JOBS_STALE_AFTER", "30")
    assert build_config(app.instance_path)["JOBS_STALE_AFTER"] == "30"
    quiet_for = utcnow() - timedelta(minutes=2)
    record = Job(name="deliver_outbox", payload={}, status=JobStatus.RUNNING, attempts=1,
                 max_attempts=3, started_at=quiet_for, heartbeat_at=quiet_for,
                 created_at=quiet_for, run_after=quiet_for, progress_done=0, result={})
    db.session.add(record)
    db.session.flush()
    assert record not in resumable_jobs()  # the default: ten minutes
    monkeypatch.setitem(app.config, "JOBS_STALE_AFTER", "30")
    assert record in resumable_jobs()


def test_the_status_lists_and_keys_are_published_as_files(app, app_context, tmp_path,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "PUBLISH_DIR", str(tmp_path))
    publish_status_lists()
    _header, payload = verify_compact((tmp_path / "status" / "1").read_text())
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    unsigned = json.loads((tmp_path / "status" / "1.json").read_text())
    assert unsigned["credentialSubject"]["encodedList"] == payload["credentialSubject"][
        "encodedList"]
    assert json.loads((tmp_path / ".well-known" / "jwks.json").read_text())["keys"]


@pytest.mark.committing
def test_the_scheduler_sends_a_queued_email_without_anyone_running_a_command(app):
    """A real `certify scheduler` process: the e-mail queued here goes out on its own."""
    address = "scheduled@scheduler.test"
    with app.app_context():
        queue_email(address, "Recordatorio", "Su sesión es mañana.")
        db.session.commit()
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "CERTIFY_SMTP_URL", "CERTIFY_BROKER_URL"}}
    env.update(CERTIFY_INSTANCE_PATH=app.instance_path,
               CERTIFY_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               CERTIFY_SECRET_KEY="test", CERTIFY_PUBLISH_DIR=str(Path(app.instance_path) / "p"),
               PYTHONPATH=str(PROJECT))
    scheduler = subprocess.Popen(
        [sys.executable, "-c", "from certify.cli import main; main()", "scheduler"],
        cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert status_once_sent(app, address, timeout=60) is OutboxStatus.SENT
        assert scheduler.poll() is None  # still running, waiting for the next tick
    finally:
        scheduler.send_signal(signal.SIGTERM)
        try:
            output = scheduler.communicate(timeout=20)[0].decode()
        except subprocess.TimeoutExpired:
            scheduler.kill()
            output = scheduler.communicate()[0].decode()
        with app.app_context():
            db.session.execute(sa.delete(OutboxMessage).where(
                OutboxMessage.to_address == address))
            db.session.commit()
    assert scheduler.returncode == 0, output
    assert "deliver_mail" in output and "Scheduler stopped" in output


@pytest.mark.committing
def test_with_a_broker_beat_sends_the_schedule_to_a_worker_which_sends_the_email(app, tmp_path):
    """`certify beat` and `certify worker` on a queue of their own: the queued e-mail goes
    out with nobody running a command."""
    import uuid

    import redis

    broker = os.environ.get("CERTIFY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(broker, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError:
        pytest.skip(f"Redis is not reachable at {broker}")
    queue = f"certify-beat-test-{uuid.uuid4().hex[:8]}"
    address = "beat@scheduler.test"
    with app.app_context():
        queue_email(address, "Recordatorio", "Su sesión es mañana.")
        db.session.commit()
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "CERTIFY_SMTP_URL"}}
    env.update(CERTIFY_INSTANCE_PATH=str(tmp_path),
               CERTIFY_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               CERTIFY_SECRET_KEY="test", CERTIFY_BROKER_URL=broker, CERTIFY_JOBS_QUEUE=queue,
               CERTIFY_PUBLISH_DIR=str(tmp_path / "public"), PYTHONPATH=str(PROJECT))
    command = [sys.executable, "-c", "from certify.cli import main; main()"]
    processes = [subprocess.Popen(command + arguments, cwd=PROJECT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for arguments in (["worker", "--pool", "solo", "--loglevel", "WARNING"],
                                   ["beat", "--loglevel", "WARNING"])]
    try:
        assert status_once_sent(app, address, timeout=90) is OutboxStatus.SENT
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        client.delete(queue)
        with app.app_context():
            db.session.execute(sa.delete(OutboxMessage).where(
                OutboxMessage.to_address == address))
            db.session.commit()
