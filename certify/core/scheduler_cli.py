"""``certify scheduler`` and ``certify beat``: the periodic tasks, run by one process."""

from __future__ import annotations

import fcntl
import signal
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from certify.core.scheduling import RUN_SCHEDULED_TASK, Scheduler, schedule


@click.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="Print the schedule and exit.")
@with_appcontext
def scheduler_command(list_only: bool):
    """Run the periodic tasks in this process (e-mail retries, expired quiz attempts, stale
    jobs, the nightly report refresh, the published status lists) until stopped. For
    installations without a broker; with one, run certify beat instead. Run exactly one."""
    app = current_app._get_current_object()
    if list_only:
        for name, task in schedule().items():
            click.echo(f"{name:<24} {task.describe()}")
        return
    lock_path = Path(app.instance_path) / ".scheduler.lock"
    lock = lock_path.open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        click.secho("Another certify scheduler is running for this instance.", fg="red",
                    err=True)
        raise SystemExit(2) from error
    scheduler = Scheduler(app)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: scheduler.stop())
    try:
        scheduler.run()
    finally:
        lock.close()


@click.command("beat")
@click.option("--loglevel", default="INFO", show_default=True)
@with_appcontext
def beat_command(loglevel: str):
    """Send the periodic tasks to the Celery workers at their times (needs
    CERTIFY_BROKER_URL; the same schedule as certify scheduler). Run exactly one."""
    from certify.core.job_runners import celery_for

    app = current_app._get_current_object()
    if not app.config.get("BROKER_URL"):
        raise click.UsageError("Set CERTIFY_BROKER_URL to use Celery beat; without a broker "
                               "run certify scheduler.")
    celery = celery_for(app)
    # Like certify scheduler, frequent tasks run at start (a restart may have missed some);
    # beat itself first sends them one interval from now.
    for name, task in schedule().items():
        if task.every is not None:
            celery.send_task(RUN_SCHEDULED_TASK, args=[name],
                             queue=celery.conf.task_default_queue)
    # Beat's own bookkeeping (last run times), dot-named so backups leave it out.
    state = Path(app.instance_path) / ".celerybeat-schedule"
    celery.Beat(loglevel=loglevel, schedule=str(state)).run()


commands: list[click.Command] = [scheduler_command, beat_command]
