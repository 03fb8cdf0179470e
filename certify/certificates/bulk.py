"""Issuing a whole cohort's certificates: a background job, batch by batch, resumable.

Everyone eligible in the cohort (``progress``'s verdict, the same as on the
cohort's pages) gets a programme certificate. Batches of :data:`BATCH_SIZE`
people are signed and recorded (part of ``certificates.issuing``), with the
holders' e-mails queued, and committed; then the batch is rendered as one
WeasyPrint document, each page stored as its own PDF, and the files recorded.
Only one batch's PDFs are in memory at a time, so memory stays flat however
large the cohort.

Running the job again, after it was killed or failed halfway, does only what
is missing: people who got their certificate keep it (the database allows one
live certificate per person and programme), and certificates recorded but not
rendered yet are rendered. Certificates issued since the job was first queued
count as issued by it; older ones as "already had one".

Rendering may use several processes (``CERTIFY_CERTIFICATES_RENDER_PROCESSES``,
by default one per CPU, at most 4): the main process signs and records the
next batch while the others lay out and write PDFs. Where the process can
fork safely (Linux, one thread), the workers are forks of it that start in
milliseconds with WeasyPrint already loaded, so even a cohort of a few dozen
is split between them; otherwise they are fresh interpreters, which take
seconds to start and are used only for more than one batch.
"""

from __future__ import annotations

import math
import os
import pickle
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import get_context

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from certify.accounts.models import Person
from certify.certificates.issuing import issue_programme_certificate
from certify.certificates.links import ensure_public_base_url
from certify.certificates.models import Certificate
from certify.certificates.register import CohortCertificateRow, cohort_certificates
from certify.cohorts.models import Cohort
from certify.cohorts.services import get_cohort
from certify.core.clock import utcnow
from certify.core.jobs import Job, enqueue, job
from certify.extensions import db
from certify.progress.eligibility import describe_reason

BATCH_SIZE = 100
MAX_LISTED = 100  # people listed by name among the not eligible; the rest are counted
MAX_PROCESSES = 4
# Certificates per forked worker below which splitting a cohort costs more than it saves.
MIN_PER_FORK = 8
# Set by a command that shows a progress bar: called with (units done, total) after each batch.
progress_listener: ContextVar[Callable[[int, int], None] | None] = ContextVar(
    "certify_bulk_progress", default=None)


@dataclass
class IssueSummary:
    """What a cohort-wide issuance did, also stored as its job's result."""

    issued: int = 0
    already: int = 0
    not_eligible: int = 0
    rendered: int = 0
    # Reasons are stored as codes and parameters (progress.eligibility.describe_reason puts
    # them in words), so the job's page reads in the language of whoever opens it.
    reasons: Counter = field(default_factory=Counter)  # sorted reason items -> how many people
    not_eligible_people: list[dict] = field(default_factory=list)  # the first MAX_LISTED

    def as_result(self) -> dict:
        return {"issued": self.issued, "already": self.already,
                "not_eligible": self.not_eligible, "rendered": self.rendered,
                "reasons": [{"reason": dict(reason), "count": count}
                            for reason, count in self.reasons.most_common()],
                "not_eligible_people": self.not_eligible_people}


def described_reasons(result: dict) -> dict:
    """A cohort issuance's reasons for "not eligible", in the reader's language: stored as
    codes (earlier jobs stored sentences, as a {sentence: count} mapping)."""
    reasons = result.get("reasons") or []
    counted = reasons.items() if isinstance(reasons, dict) else \
        [(item["reason"], item["count"]) for item in reasons]
    return {
        "reason_counts": [(describe_reason(reason), count) for reason, count in counted],
        "not_eligible_people": [
            {"name": person.get("name", ""),
             "reasons": [describe_reason(reason) for reason in person.get("reasons", [])]}
            for person in result.get("not_eligible_people") or []],
    }


@job("issue_cohort_certificates", title=_l("Issuing the certificates of a cohort"))
def issue_cohort_certificates(record: Job, cohort_id: int, actor_id: int | None = None) -> dict:
    """The job: issue, render and store the certificates of everyone eligible in a cohort."""
    cohort = get_cohort(cohort_id)
    actor = db.session.get(Person, actor_id) if actor_id else None
    summary = issue_cohort(cohort, actor=actor, since=record.created_at, job=record,
                           batch_size=BATCH_SIZE)
    return summary.as_result()


@job("render_certificates", title=_l("Laying out certificates"))
def render_certificates(record: Job, certificate_ids: list[int]) -> dict:
    """The job: render and store the PDFs of certificates issued one at a time."""
    certificates = db.session.scalars(sa.select(Certificate).where(
        Certificate.id.in_(certificate_ids), Certificate.pdf_path.is_(None))).all()
    return {"rendered": len(record_pdf_files(render_and_store(certificates)))}


def render_later(*certificates: Certificate) -> None:
    """Store the PDFs of ``certificates`` as soon as the caller's transaction commits (a job):
    issuing does not wait for WeasyPrint, and downloading never has to store anything."""
    if certificates:
        enqueue("render_certificates", certificate_ids=[c.id for c in certificates])


def issue_cohort(cohort: Cohort, *, actor: Person | None, since: datetime | None = None,
                 job: Job | None = None, batch_size: int = BATCH_SIZE,
                 processes: int | None = None) -> IssueSummary:
    """Issue and render what is missing for ``cohort``; commits after every batch.

    ``since``: certificates recorded from then on count as issued by this run
    (a job passes its creation time, so a resumed job counts them again).
    """
    ensure_public_base_url()  # before anything is issued, not at the first certificate
    with _loaded_state_kept():
        rows = cohort_certificates(cohort)
        summary = IssueSummary()
        to_issue, to_render = _sort_out(rows, summary, since=since)
        total = len(to_issue) + len(to_render)
        progress = _Progress(job, total, summary)
        with batch_renderer(processes, total, batch_size) as renderer:
            batch_size = renderer.batch_size(total, batch_size)
            for batch in _chunks(to_render, batch_size):
                renderer.submit(batch, progress)
            for batch in _chunks(to_issue, batch_size):
                renderer.submit(_issue_batch(batch, cohort, actor=actor, summary=summary),
                                progress)
    return summary


@contextmanager
def _loaded_state_kept():
    """Every batch commits; expiring what the job loaded (people, certificates) would
    reload each of them with a query of its own when the next batch reads it."""
    session = db.session()
    kept = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = kept


def _sort_out(rows: Sequence[CohortCertificateRow], summary: IssueSummary, *,
              since: datetime | None) -> tuple[list[CohortCertificateRow], list[Certificate]]:
    """Who needs a certificate, which certificates need a PDF; counts the rest."""
    to_issue, to_render = [], []
    for row in rows:
        certificate, verdict = row.certificate, row.progress.eligibility
        if certificate is not None:
            # created_at, not issued_at: the issue date is kept to the second, and a
            # job queued within the same second as the last one must not count its work.
            if since is not None and certificate.created_at >= since:
                summary.issued += 1
            else:
                summary.already += 1
            if not certificate.pdf_path:
                to_render.append(certificate)
        elif verdict.eligible:
            to_issue.append(row)
        else:
            reasons = verdict.reason_codes
            summary.not_eligible += 1
            summary.reasons.update(tuple(sorted(reason.items())) for reason in reasons)
            if len(summary.not_eligible_people) < MAX_LISTED:
                summary.not_eligible_people.append(
                    {"person_id": row.person.id, "name": row.person.full_name,
                     "reasons": reasons})
    return to_issue, to_render


def _issue_batch(rows: Sequence[CohortCertificateRow], cohort: Cohort, *,
                 actor: Person | None, summary: IssueSummary) -> list[Certificate]:
    """Sign and record one batch with the holders' e-mails, and commit it."""
    now = utcnow().replace(microsecond=0)
    certificates = [issue_programme_certificate(row.person, cohort, actor=actor, now=now,
                                                verdict=row.progress.eligibility)
                    for row in rows]
    db.session.commit()
    summary.issued += len(certificates)
    return certificates


class _Progress:
    """Records rendered PDFs and reports progress after each batch."""

    def __init__(self, job: Job | None, total: int, summary: IssueSummary):
        self.job, self.total, self.summary, self.done = job, total, summary, 0
        self._report(0)

    def batch_rendered(self, files: Iterable[tuple[int, str, str]]) -> None:
        files = record_pdf_files(files)
        self.summary.rendered += len(files)
        self.done += len(files)
        self._report(len(files))

    def _report(self, n: int) -> None:
        if self.job is not None:
            self.job.advance(n, total=self.total, result=self.summary.as_result())
        listener = progress_listener.get()
        if listener is not None:
            listener(self.done, self.total)


def record_pdf_files(files: Iterable[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """Record rendered files ``(certificate id, path, sha256)`` in one statement and commit."""
    files = list(files)
    if files:
        db.session.execute(sa.update(Certificate), [
            {"id": certificate_id, "pdf_path": path, "pdf_sha256": digest}
            for certificate_id, path, digest in files])
        db.session.commit()
    return files


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- rendering here or in other processes ------------------------------------------------------

def render_and_store(certificates: Sequence[Certificate]) -> list[tuple[int, str, str]]:
    """Render ``certificates`` as one batch and store each file: ``(id, path, sha256)``."""
    # Imported here: WeasyPrint is heavy, and web processes mostly never render.
    from certify.certificates.rendering import render_batch, store_pdf

    files = []
    for certificate, data in zip(certificates, render_batch(certificates), strict=True):
        store_pdf(certificate, data)
        files.append((certificate.id, certificate.pdf_path, certificate.pdf_sha256))
    return files


def render_processes() -> int:
    configured = current_app.config.get("CERTIFICATES_RENDER_PROCESSES") or os.environ.get(
        "CERTIFY_CERTIFICATES_RENDER_PROCESSES")
    if configured:
        return max(1, int(configured))
    return max(1, min(os.cpu_count() or 1, MAX_PROCESSES))


def batch_renderer(processes: int | None, total: int, batch_size: int):
    """Something to ``submit(certificates, progress)`` batches to, used as a context manager;
    ``progress.batch_rendered(files)`` is called with each batch's ``(id, path, sha256)``."""
    processes = processes if processes is not None else render_processes()
    if processes > 1:
        if _can_fork() and total >= 2 * MIN_PER_FORK:
            return _PoolRenderer(min(processes, total // MIN_PER_FORK), fork=True)
        # A fresh interpreter costs a couple of seconds to start: worth it for several batches.
        if total > batch_size:
            return _PoolRenderer(processes, fork=False)
    return _LocalRenderer()


def _can_fork() -> bool:
    """Forking copies only the calling thread: with other threads alive, a lock one of them
    held (a template cache's, a logging handler's) would stay locked in the copy forever."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


class _LocalRenderer:
    def submit(self, certificates: Sequence[Certificate], progress: _Progress) -> None:
        if certificates:
            progress.batch_rendered(render_and_store(certificates))

    def batch_size(self, _total: int, batch_size: int) -> int:
        return batch_size

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        pass


class _PoolRenderer:
    """Worker processes render batches while this one records the next.

    Workers get plain snapshots of the certificates (every column) and write
    the files; only ``(id, path, hash)`` comes back, and at most two batches
    per worker wait in line, so memory stays bounded.
    """

    def __init__(self, processes: int, *, fork: bool):
        app = current_app._get_current_object()
        self.processes, self.fork = processes, fork
        self.pending: deque[Future] = deque()
        self.app = app
        self.executor: ProcessPoolExecutor | None = None  # started with the first batch
        self.progress: _Progress | None = None

    def _start(self, certificates: Sequence[Certificate]) -> ProcessPoolExecutor:
        if self.fork:
            # Forked workers share what this process has loaded and laid out: WeasyPrint,
            # fonts and the first batch's backgrounds, instead of each making its own.
            from certify.certificates.rendering import lay_out_backgrounds

            lay_out_backgrounds(certificates)
            context, initializer = get_context("fork"), _start_forked_worker
            initargs: tuple = (self.app,)
        else:
            context, initializer = get_context("spawn"), _start_worker
            initargs = (_portable_config(self.app), self.app.instance_path)
        return ProcessPoolExecutor(max_workers=self.processes, mp_context=context,
                                   initializer=initializer, initargs=initargs)

    def batch_size(self, total: int, batch_size: int) -> int:
        """Forked workers start at once: a cohort smaller than a batch per worker is split
        evenly between them rather than rendered by one."""
        if self.fork:
            return max(1, min(batch_size, math.ceil(total / self.processes)))
        return batch_size

    def submit(self, certificates: Sequence[Certificate], progress: _Progress) -> None:
        if not certificates:
            return
        self.progress = progress
        if self.executor is None:
            self.executor = self._start(certificates)
        snapshots = [_snapshot(certificate) for certificate in certificates]
        self.pending.append(self.executor.submit(_render_snapshots, snapshots))
        while len(self.pending) >= 2 * self.processes:
            progress.batch_rendered(self.pending.popleft().result())
        while self.pending and self.pending[0].done():
            progress.batch_rendered(self.pending.popleft().result())

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        try:
            if exc_type is None:
                while self.pending:
                    self.progress.batch_rendered(self.pending.popleft().result())
        finally:
            if self.executor is not None:
                self.executor.shutdown(wait=True, cancel_futures=True)


def _snapshot(certificate: Certificate) -> dict:
    return {column.key: getattr(certificate, column.key)
            for column in Certificate.__table__.columns}


def _portable_config(app) -> dict:
    from certify.certificates.rendering import storage_root

    config = {}
    for key, value in app.config.items():
        try:
            pickle.dumps(value)
        except Exception:  # noqa: BLE001 - what cannot travel is not needed to render
            continue
        config[key] = value
    config["CERTIFICATES_DIR"] = str(storage_root())
    return config


_worker_app = None
_inherited_pools: list = []


def _start_worker(config: dict, instance_path: str) -> None:
    global _worker_app
    os.environ["CERTIFY_INSTANCE_PATH"] = instance_path
    from certify import create_app

    _worker_app = create_app(config)
    _worker_app.app_context().push()


def _start_forked_worker(app) -> None:
    """A fork has this process's modules, fonts and kept backgrounds, and its database
    connections: those are left to this process (a worker opens its own if it reads)."""
    global _worker_app
    from certify.core.transactions import begin_as_reads
    from certify.extensions import db

    begin_as_reads()  # the job that forked it was writing; a worker only reads
    with app.app_context():
        for engine in db.engines.values():
            # The parent's pool is kept referenced, unused: collected, its connections
            # would be closed from here (SQLite files, PostgreSQL sockets it shares).
            _inherited_pools.append(engine.pool)
            engine.dispose(close=False)
    _worker_app = app
    app.app_context().push()


def _render_snapshots(snapshots: list[dict]) -> list[tuple[int, str, str]]:
    # Transient copies: rendering reads only the certificate's own columns.
    return render_and_store([Certificate(**snapshot) for snapshot in snapshots])
