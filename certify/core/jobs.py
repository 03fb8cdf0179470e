"""Background jobs: one interface, run in-process by default or on Celery workers.

A job is a registered function ``fn(job, **payload)``::

    @job("issue_cohort_certificates", title=_l("Issuing the cohort's certificates"))
    def issue_cohort_certificates(job, cohort_id, actor_id): ...

    enqueue("issue_cohort_certificates", started_by=manager, cohort_id=3, actor_id=7)

:func:`enqueue` writes a :class:`Job` row in the caller's transaction; only
when that transaction commits is the job handed to a runner
(``certify.core.job_runners``): a small thread pool in the same process, or
a Celery task when ``CERTIFY_BROKER_URL`` is set. Either way the runner calls
:func:`run_job` with the job's id, in its own app context and session.

A job owns its transactions like a CLI command: it commits after each unit of
work and reports progress with :meth:`Job.advance`, which the status page
polls. Jobs must be idempotent: a job that failed is retried with backoff, and
one whose process died (its heartbeat stopped) is resumed by running it again
(``certify jobs resume``, or automatically when a runner starts or someone
looks at the job), so running it twice must do the work once.
"""

from __future__ import annotations

import enum
import json
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, Session, mapped_column

from certify.core.clock import utcnow
from certify.core.errors import DomainError
from certify.core.lookups import get_or_not_found
from certify.core.transactions import unit_of_work, writing
from certify.db import Base, str_enum
from certify.extensions import db

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 3
FIRST_RETRY_AFTER = timedelta(seconds=30)
LONGEST_RETRY_AFTER = timedelta(hours=1)
# A running job that has not advanced for this long is taken for dead (its process was
# killed) and run again. Jobs advance after every batch, which takes seconds.
DEFAULT_STALE_AFTER = timedelta(minutes=10)
_PENDING = "certify.jobs.pending"  # Session.info key: jobs to hand over after commit
_WROTE = "certify.jobs.wrote"  # Session.info key: the open transaction has flushed changes


class JobStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for a runner (also between retries, see run_after)
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # gave up: a domain error, or every attempt failed


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        sa.Index("ix_job_status_run_after", "status", "run_after"),
        sa.CheckConstraint("progress_done >= 0", name="progress_done_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus, "job_status"),
                                              default=JobStatus.QUEUED)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=DEFAULT_MAX_ATTEMPTS)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    # A plain id, like the audit log: the record outlives the account.
    started_by_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def definition(self) -> JobDefinition | None:
        return _REGISTRY.get(self.name)

    @property
    def title(self) -> str:
        definition = self.definition
        return str(definition.title) if definition and definition.title else self.name

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.status is JobStatus.SUCCEEDED else None
        return min(100, self.progress_done * 100 // self.progress_total)

    def is_stale(self, now: datetime | None = None) -> bool:
        """Running, but silent for longer than a live job ever is: its process died."""
        if self.status is not JobStatus.RUNNING:
            return False
        last = self.heartbeat_at or self.started_at or self.created_at
        return last < (now or utcnow()) - stale_after()

    def advance(self, n: int = 1, *, total: int | None = None, result: dict | None = None
                ) -> None:
        """Count ``n`` more units done (and the ``total``, ``result`` so far, if given).

        Call it after committing the work it counts: it is then committed at once,
        so the status page sees it while the job goes on. If the job's transaction
        has uncommitted changes, the progress joins that transaction instead.
        """
        values: dict[str, Any] = {"progress_done": self.progress_done + n,
                                  "heartbeat_at": utcnow()}
        if total is not None:
            values["progress_total"] = total
        if result is not None:
            values["result"] = {**(self.result or {}), **result}
        session = db.session()
        for key, value in values.items():
            setattr(self, key, value)
        if session.info.get(_WROTE) or session.new or session.deleted or _dirty_besides(self):
            return
        # Nothing else is pending: committing the session now commits only the progress.
        # Keep what the job loaded (expiring it would reload every row of the next batch).
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.name} {self.status}>"


@dataclass(frozen=True)
class JobDefinition:
    name: str
    function: Callable[..., dict | None]
    title: object = None  # a lazy string, shown on the status page
    max_attempts: int = DEFAULT_MAX_ATTEMPTS


_REGISTRY: dict[str, JobDefinition] = {}


def job(name: str, *, title: object = None, max_attempts: int = DEFAULT_MAX_ATTEMPTS
        ) -> Callable:
    """Register ``fn(job, **payload) -> dict | None`` as the job called ``name``.

    What it returns is merged into ``job.result``.
    """

    def register(function: Callable) -> Callable:
        known = _REGISTRY.get(name)
        if known is not None and known.function.__qualname__ != function.__qualname__:
            raise ValueError(f"two jobs are called {name!r}")
        _REGISTRY[name] = JobDefinition(name, function, title, max_attempts)
        return function

    return register


def registered_jobs() -> dict[str, JobDefinition]:
    return dict(_REGISTRY)


def enqueue(name: str, *, started_by: object | None = None, hand_over: bool = True,
            **payload) -> Job:
    """Queue the job ``name`` with ``payload`` (JSON values) in the current transaction.

    It is handed to a runner once that transaction commits, and never if it
    rolls back; with ``hand_over=False`` the caller runs it (:func:`run_job`),
    e.g. a command that shows its progress.
    """
    definition = _REGISTRY.get(name)
    if definition is None:
        raise ValueError(f"no job is called {name!r}")
    json.dumps(payload)  # a TypeError now beats a job that cannot be stored
    record = Job(name=name, payload=payload, status=JobStatus.QUEUED, progress_done=0,
                 result={}, attempts=0, max_attempts=definition.max_attempts, run_after=utcnow(),
                 started_by_id=getattr(started_by, "id", None))
    db.session.add(record)
    db.session.flush()
    if hand_over:
        db.session.info.setdefault(_PENDING, []).append(record.id)
    return record


def get_job(job_id: int) -> Job:
    """The job with this id, or ``NotFound``."""
    from flask_babel import gettext as _

    return get_or_not_found(Job, job_id, _("There is no job with id %(id)s.", id=job_id))


def jobs_query(*, status: JobStatus | str | None = None) -> sa.Select:
    """Jobs, newest first, optionally in one status."""
    query = sa.select(Job).order_by(Job.id.desc())
    if status:
        query = query.where(Job.status == JobStatus(status))
    return query


def stale_after() -> timedelta:
    seconds = current_app.config.get("JOBS_STALE_AFTER")
    return timedelta(seconds=float(seconds)) if seconds else DEFAULT_STALE_AFTER


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 30 s, 1 min, 2 min ... at most an hour."""
    seconds = current_app.config.get("JOBS_FIRST_RETRY_AFTER")
    first = timedelta(seconds=float(seconds)) if seconds not in (None, "") else FIRST_RETRY_AFTER
    return min(first * 2 ** max(attempts - 1, 0), LONGEST_RETRY_AFTER)


# --- handing over after commit -----------------------------------------------------------------

@sa.event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        from certify.core.job_runners import dispatch

        for job_id in ids:
            dispatch(current_app._get_current_object(), job_id)


@sa.event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_WROTE, None)


@sa.event.listens_for(Session, "after_flush")
def _note_writes(session: Session, _context) -> None:
    session.info[_WROTE] = True


@sa.event.listens_for(Session, "do_orm_execute")
def _note_statement_writes(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@sa.event.listens_for(Session, "after_commit")
def _transaction_ended(session: Session) -> None:
    session.info.pop(_WROTE, None)


def _dirty_besides(record: Job) -> bool:
    return any(instance is not record for instance in db.session.dirty)


# --- running -----------------------------------------------------------------------------------

def _claim(job_id: int, now: datetime) -> bool:
    """Mark the job running if it is due or stale; atomic, so two runners never both run it."""
    runnable = sa.or_(
        sa.and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
        sa.and_(Job.status == JobStatus.RUNNING, Job.heartbeat_at < now - stale_after()),
    )
    claimed = db.session.execute(
        sa.update(Job).where(Job.id == job_id, runnable, Job.attempts < Job.max_attempts)
        .values(status=JobStatus.RUNNING, attempts=Job.attempts + 1, heartbeat_at=now,
                started_at=sa.func.coalesce(Job.started_at, now), finished_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def run_job(job_id: int) -> Job | None:
    """Run the job ``job_id`` here and now if it is due (or stale); None if it was not.

    Called by the runners, by ``certify jobs run`` and by commands that run a
    job in the foreground. The job commits its own work; this records how it
    ended: succeeded (with its result), queued again for a retry, or failed.
    """
    with writing():  # a job's transactions write: on SQLite they queue for the write lock
        if not _claim(job_id, utcnow()):
            return None
        record = db.session.get(Job, job_id, populate_existing=True)
        definition = _REGISTRY.get(record.name)
        try:
            with unit_of_work():  # the job's last step; earlier ones commit as they go
                if definition is None:
                    raise LookupError(f"no job is called {record.name!r} in this process")
                outcome = definition.function(record, **(record.payload or {}))
        except DomainError as error:
            # A person can act on it; running again would give the same answer.
            return _finish(job_id, JobStatus.FAILED, error=error.message)
        except Exception as error:  # noqa: BLE001 - any failure of a job is recorded, retried
            log.exception("Job %s (%s) failed", job_id, record.name)
            return _failed_attempt(job_id, error)
        except BaseException:
            # Interrupted (Ctrl-C, shutdown): queue it again for whoever resumes it.
            _finish(job_id, JobStatus.QUEUED, error="interrupted", finished=False)
            raise
        return _finish(job_id, JobStatus.SUCCEEDED, result=outcome or {})


def _finish(job_id: int, status: JobStatus, *, result: dict | None = None,
            error: str | None = None, finished: bool = True,
            run_after: datetime | None = None) -> Job:
    record = db.session.get(Job, job_id, populate_existing=True)
    record.status = status
    record.heartbeat_at = utcnow()
    if finished:
        record.finished_at = utcnow()
    if result:
        record.result = {**(record.result or {}), **result}
    if status is JobStatus.SUCCEEDED:
        record.error = None
        if record.progress_total is not None:
            record.progress_done = max(record.progress_done, record.progress_total)
    elif error is not None:
        record.error = error[:4000]
    if run_after is not None:
        record.run_after = run_after
    db.session.commit()
    return record


def _failed_attempt(job_id: int, error: Exception) -> Job:
    record = db.session.get(Job, job_id, populate_existing=True)
    summary = "".join(traceback.format_exception_only(type(error), error)).strip()
    if record.attempts >= record.max_attempts:
        return _finish(job_id, JobStatus.FAILED, error=summary)
    delay = retry_delay(record.attempts)
    record = _finish(job_id, JobStatus.QUEUED, error=summary, finished=False,
                     run_after=utcnow() + delay)
    from certify.core.job_runners import dispatch

    dispatch(current_app._get_current_object(), job_id, delay=delay)
    return record


def resumable_jobs(now: datetime | None = None) -> list[Job]:
    """The queued jobs that are due and the running ones whose process died, oldest first.

    A dead job that used up its attempts is marked failed instead (committed here).
    """
    now = now or utcnow()
    candidates = db.session.scalars(
        sa.select(Job).where(sa.or_(
            sa.and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
            Job.status == JobStatus.RUNNING))
        .order_by(Job.id)).all()
    resumable = []
    for record in candidates:
        if record.status is JobStatus.RUNNING and not record.is_stale(now):
            continue
        if record.attempts >= record.max_attempts:
            record.status, record.finished_at = JobStatus.FAILED, now
            record.error = "Stopped responding on its last attempt."
            continue
        resumable.append(record)
    db.session.commit()
    return resumable


def resume_jobs(now: datetime | None = None) -> list[Job]:
    """Hand :func:`resumable_jobs` to the runner again, and the retries not yet due for
    later (a runner that restarted has forgotten them); returns the jobs handed over."""
    from certify.core.job_runners import dispatch

    now = now or utcnow()
    records = resumable_jobs(now)
    waiting = db.session.scalars(sa.select(Job).where(
        Job.status == JobStatus.QUEUED, Job.run_after > now).order_by(Job.id)).all()
    app = current_app._get_current_object()
    for record in records:
        dispatch(app, record.id)
    for record in waiting:
        dispatch(app, record.id, delay=record.run_after - now)
    return [*records, *waiting]


def job_summary(record: Job) -> dict:
    """What the status page and ``/api/v1/jobs/<id>`` show about a job."""
    return {
        "id": record.id, "name": record.name, "title": record.title,
        "status": record.status.value, "stale": record.is_stale(),
        "progress": {"done": record.progress_done, "total": record.progress_total,
                     "percent": record.percent},
        "result": record.result or {}, "error": record.error, "attempts": record.attempts,
        "max_attempts": record.max_attempts, "created_at": record.created_at,
        "started_at": record.started_at, "finished_at": record.finished_at,
        "run_after": record.run_after,
    }


# --- core's own job ----------------------------------------------------------------------------

@job("deliver_outbox", max_attempts=1)
def deliver_outbox_job(record: Job, limit: int = 500) -> dict:
    """Send what the e-mail outbox holds (the same as ``certify mail deliver``)."""
    from certify.core.mail import deliver_outbox

    report = deliver_outbox(limit=limit)
    return {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}
