"""Work that runs on a schedule, with nobody at a keyboard: the schedule, and running it.

Each area declares its periodic tasks in a ``scheduled`` module with
:func:`periodic`::

    @periodic("close_expired_attempts", every=timedelta(minutes=5))
    def close_expired(): ...

A task is a plain function that does one unit of work in the current transaction; the
runner commits after it (or rolls back and logs, and tries again at the next tick).
Two runners read the same schedule: ``certify scheduler`` runs it in one process of
its own (no broker needed), and with a broker ``certify beat`` sends each task to the
Celery workers at its time (:func:`beat_schedule`). Run exactly one of them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as time_of_day

from flask import Flask

from certify.core.clock import utcnow
from certify.extensions import db

log = logging.getLogger(__name__)

RUN_SCHEDULED_TASK = "certify.run_scheduled"


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    function: Callable[[], object]
    every: timedelta | None = None  # run this often ...
    daily_at: time_of_day | None = None  # ... or once a day at this UTC time

    def next_run(self, after: datetime) -> datetime:
        """When the task is next due, strictly after ``after``."""
        if self.every is not None:
            return after + self.every
        today = after.replace(hour=self.daily_at.hour, minute=self.daily_at.minute, second=0,
                              microsecond=0)
        return today if today > after else today + timedelta(days=1)

    def describe(self) -> str:
        if self.every is not None:
            return f"every {int(self.every.total_seconds())} s"
        return f"daily at {self.daily_at:%H:%M} UTC"

    def first_run(self, now: datetime) -> datetime:
        """Frequent tasks run as soon as a runner starts (a restart may have missed some);
        daily ones wait for their hour."""
        return now if self.every is not None else self.next_run(now)


_SCHEDULE: dict[str, PeriodicTask] = {}


def periodic(name: str, *, every: timedelta | None = None,
             daily_at: time_of_day | None = None) -> Callable:
    """Register ``function()`` as the periodic task ``name``: ``every`` interval, or
    ``daily_at`` a UTC time of day."""
    if (every is None) == (daily_at is None):
        raise ValueError("give either every= or daily_at=")

    def register(function: Callable) -> Callable:
        _SCHEDULE[name] = PeriodicTask(name, function, every, daily_at)
        return function

    return register


def schedule() -> dict[str, PeriodicTask]:
    """Every area's periodic tasks (importing their ``scheduled`` modules)."""
    from certify.areas import AREAS, area_module

    for area in AREAS:
        area_module(area, "scheduled")
    return dict(sorted(_SCHEDULE.items()))


def run_task(app: Flask, task: PeriodicTask) -> bool:
    """Run one task in a fresh app context and commit; False (logged) if it failed."""
    name = task.name
    started = time.perf_counter()
    with app.app_context():
        try:
            outcome = task.function()
            db.session.commit()
        except Exception:  # noqa: BLE001 - logged; the next tick tries again
            db.session.rollback()
            log.exception("Scheduled task %s failed", name)
            return False
        finally:
            db.session.remove()
    log.info("Scheduled task %s done in %.1f s%s", name, time.perf_counter() - started,
             f": {outcome}" if outcome else "", extra={"task": name})
    return True


class Scheduler:
    """Runs the schedule in this process until :meth:`stop` (or a signal) ends it."""

    def __init__(self, app: Flask, tasks: dict[str, PeriodicTask] | None = None):
        self.app = app
        self.tasks = tasks if tasks is not None else schedule()
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        now = utcnow()
        due = {name: task.first_run(now) for name, task in self.tasks.items()}
        log.info("Scheduler started: %s", ", ".join(
            f"{name} ({task.describe()})" for name, task in self.tasks.items()))
        while not self._stopping.is_set():
            for name in sorted(due, key=due.get):
                if due[name] > utcnow() or self._stopping.is_set():
                    break
                run_task(self.app, self.tasks[name])
                # From the time it was due, not when it finished: no drift; but never in the past.
                due[name] = max(self.tasks[name].next_run(due[name]), utcnow())
            wait = (min(due.values()) - utcnow()).total_seconds() if due else 60
            self._stopping.wait(max(0.05, min(wait, 60)))
        log.info("Scheduler stopped")


# --- Celery beat -------------------------------------------------------------------------------

def beat_schedule(queue: str) -> dict:
    """The same schedule as Celery beat entries, each sending :data:`RUN_SCHEDULED_TASK`."""
    from celery.schedules import crontab

    entries = {}
    for name, task in schedule().items():
        when = (task.every.total_seconds() if task.every is not None
                else crontab(hour=task.daily_at.hour, minute=task.daily_at.minute))
        entries[name] = {"task": RUN_SCHEDULED_TASK, "schedule": when, "args": [name],
                         "options": {"queue": queue,
                                     # A tick nobody ran in time is dropped, not piled up.
                                     "expires": task.every.total_seconds() if task.every
                                     else 3600}}
    return entries


def register_celery_task(celery, app: Flask) -> None:
    """Let Celery workers run scheduled tasks sent by ``certify beat``."""

    @celery.task(name=RUN_SCHEDULED_TASK)
    def run_scheduled(name: str) -> None:
        run_task(app, schedule()[name])

    celery.conf.beat_schedule = beat_schedule(celery.conf.task_default_queue)
