"""Where committed jobs run: a thread pool in this process, or Celery workers on Redis.

Without ``CERTIFY_BROKER_URL`` (the default) each web or CLI process keeps a
small pool of threads (``CERTIFY_JOBS_THREADS``, 2) that run jobs in their own
app context and session, and deliver the e-mail outbox after each job, so a
single machine needs nothing else running. With a broker, jobs become Celery
tasks on the queue ``CERTIFY_JOBS_QUEUE`` (``certify``), run by ``certify
worker`` processes on any machine that reaches the database; such a task
carries only the job's id, and the worker reads the rest from the ``job`` row.

``CERTIFY_JOBS_MODULES`` (comma-separated) names extra modules that define
jobs, imported by runners and workers so that those jobs can run there.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from certify.core.jobs import Job, JobStatus, jobs_query, resumable_jobs, resume_jobs, run_job
from certify.extensions import db

log = logging.getLogger(__name__)

RUN_TASK = "certify.run_job"


def setting(app: Flask, name: str, default: str | None = None) -> str | None:
    """``app.config[name]``, else ``CERTIFY_<name>`` from the environment, else ``default``."""
    value = app.config.get(name)
    if value in (None, ""):
        value = os.environ.get(f"CERTIFY_{name}") or default
    return value


def import_job_modules(app: Flask) -> None:
    for module in (setting(app, "JOBS_MODULES") or "").split(","):
        if module.strip():
            importlib.import_module(module.strip())


def dispatch(app: Flask, job_id: int, *, delay: timedelta = timedelta(0)) -> None:
    """Hand a committed job to this app's runner, to start after ``delay``."""
    if isinstance(db.session.get_bind(), sa.Connection):
        # A session joined into an outer transaction (the test suite's) has committed nothing
        # another connection can see: the job stays queued until something runs it.
        log.debug("Job %s stays queued: its transaction is not durable yet", job_id)
        return
    runner_for(app).submit(job_id, delay.total_seconds())


def runner_for(app: Flask) -> ThreadRunner | CeleryRunner:
    runner = app.extensions.get("certify_job_runner")
    if runner is None:
        with _RUNNER_LOCK:
            runner = app.extensions.get("certify_job_runner")
            if runner is None:
                import_job_modules(app)
                runner = CeleryRunner(app) if app.config.get("BROKER_URL") else ThreadRunner(app)
                app.extensions["certify_job_runner"] = runner
    return runner


_RUNNER_LOCK = threading.Lock()


def run_and_deliver(app: Flask, job_id: int) -> None:
    """Run one job in a fresh app context, then send the e-mail it may have queued."""
    from certify.core.mail import count_due, deliver_outbox

    with app.app_context():
        try:
            record = run_job(job_id)
            if record is not None and record.status is JobStatus.SUCCEEDED:
                due = count_due()
                if due:
                    deliver_outbox(limit=due)
        # The job's own failures are recorded by run_job; this is the runner failing (say, the
        # database is unreachable): the job stays queued or running and is resumed later.
        except Exception:  # noqa: BLE001
            db.session.rollback()
            log.exception("The runner could not run job %s", job_id)


class ThreadRunner:
    """A few threads of this process; when it starts it also resumes orphaned jobs."""

    def __init__(self, app: Flask):
        self.app = app
        threads = int(setting(app, "JOBS_THREADS", "2"))
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="certify-job")
        self.executor.submit(self._resume)

    def submit(self, job_id: int, delay: float = 0) -> None:
        if delay > 0:
            timer = threading.Timer(delay, self.submit, args=(job_id,))
            timer.daemon = True  # a retry not yet due stays queued in the database
            timer.start()
            return
        self.executor.submit(run_and_deliver, self.app, job_id)

    def _resume(self) -> None:
        with self.app.app_context():
            try:
                resume_jobs()
            except Exception:  # noqa: BLE001 - e.g. no job table yet before the first upgrade
                db.session.rollback()
                log.warning("Could not look for jobs to resume", exc_info=True)


class CeleryRunner:
    """Sends each job's id to the Celery queue."""

    def __init__(self, app: Flask):
        self.app = app
        self.celery = celery_for(app)
        self.queue = setting(app, "JOBS_QUEUE", "certify")

    def submit(self, job_id: int, delay: float = 0) -> None:
        self.celery.send_task(RUN_TASK, args=[job_id], queue=self.queue,
                              countdown=delay if delay > 0 else None)


def celery_for(app: Flask):
    """The Celery application of ``app`` (one per Flask app), with the job task registered."""
    celery = app.extensions.get("certify_celery")
    if celery is not None:
        return celery
    from celery import Celery
    from celery.signals import worker_process_init

    celery = Celery(app.import_name, broker=app.config["BROKER_URL"], set_as_current=False)
    celery.conf.update(
        task_default_queue=setting(app, "JOBS_QUEUE", "certify"),
        task_ignore_result=True,  # results live in the job table
        # Acknowledge after running, and give the task back if its worker dies: a killed
        # worker's job is delivered again, and run_job resumes it.
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
    )

    @celery.task(name=RUN_TASK)
    def run_job_task(job_id: int) -> None:
        run_and_deliver(app, job_id)

    from certify.core.scheduling import register_celery_task

    register_celery_task(celery, app)  # the periodic tasks certify beat sends

    @worker_process_init.connect(weak=False)
    def _fresh_connections(**_kwargs) -> None:
        # A forked pool process must not share its parent's database connections.
        with app.app_context():
            db.engine.dispose(close=False)

    app.extensions["certify_celery"] = celery
    return celery


# --- commands ----------------------------------------------------------------------------------

@click.command("worker")
@click.option("--concurrency", type=click.IntRange(min=1), default=None,
              help="Jobs run at once (default: one per CPU).")
@click.option("--pool", type=click.Choice(["prefork", "threads", "solo"]), default="prefork",
              show_default=True)
@click.option("--loglevel", default="INFO", show_default=True)
@with_appcontext
def worker_command(concurrency: int | None, pool: str, loglevel: str):
    """Run jobs from the Celery queue (needs CERTIFY_BROKER_URL)."""
    from celery.signals import worker_ready

    app = current_app._get_current_object()
    if not app.config.get("BROKER_URL"):
        raise click.UsageError("Set CERTIFY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) to use "
                               "Celery workers; without it jobs run inside the web process.")
    import_job_modules(app)
    celery = celery_for(app)

    @worker_ready.connect(weak=False)
    def _resume(**_kwargs) -> None:
        with app.app_context():
            handed = resume_jobs()
        if handed:
            log.info("Resumed %d job(s)", len(handed))

    worker = celery.Worker(concurrency=concurrency, pool=pool, loglevel=loglevel,
                           queues=[setting(app, "JOBS_QUEUE", "certify")])
    worker.start()
    sys.exit(worker.exitcode)


jobs_cli = click.Group("jobs", help="Background jobs: list them, resume the interrupted ones.")


@jobs_cli.command("list")
@click.option("--status", type=click.Choice([status.value for status in JobStatus]))
@click.option("--limit", default=30, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def list_command(status: str | None, limit: int):
    """The newest jobs with their state and progress."""
    records = db.session.scalars(jobs_query(status=status).limit(limit)).all()
    if not records:
        click.echo("No jobs." if status is None else f"No {status} jobs.")
        return
    for record in records:
        total = record.progress_total if record.progress_total is not None else "?"
        state = f"{record.status.value} (stale)" if record.is_stale() else record.status.value
        click.echo(f"#{record.id} {record.name:<28} {state:<17} {record.progress_done}/{total} "
                   f"attempts={record.attempts}/{record.max_attempts} "
                   f"created {record.created_at:%Y-%m-%d %H:%M} UTC")
        if record.error and record.status is not JobStatus.SUCCEEDED:
            click.secho(f"    {record.error.splitlines()[-1]}", fg="yellow")


@jobs_cli.command("resume")
@with_appcontext
def resume_command():
    """Run again the jobs that are due or whose process died.

    With a broker they go back to the Celery queue; without one they run here,
    one after the other, before the command returns.
    """
    app = current_app._get_current_object()
    if app.config.get("BROKER_URL"):
        click.echo(f"{len(resume_jobs())} job(s) sent to the workers.")
        return
    import_job_modules(app)
    ids = [record.id for record in resumable_jobs()]
    if not ids:
        click.echo("Nothing to resume.")
    for job_id in ids:
        run_and_deliver(app, job_id)
        record = db.session.get(Job, job_id, populate_existing=True)
        click.echo(f"#{record.id} {record.name}: {record.status.value}"
                   + (f" ({record.error.splitlines()[-1]})" if record.error else ""))


commands: list[click.Command] = [jobs_cli, worker_command]
