"""Counting verifications off the request's path: kept in the worker, written in batches.

A verification only reads. Writing its count in the request would make every
scan a write transaction, and on SQLite write transactions take turns (each
waiting writer sleeps in steps of milliseconds), which a crowd scanning at
once turns into queues. Each worker process keeps the counts, and one thread
of its own (started with the first count, not per request) writes them all in
one transaction every ``COUNT_FLUSH_SECONDS`` (default 1), and again when the
process exits. A worker killed outright loses at most its last second of
counts; the certificates' verdicts never depend on them. With
``COUNT_FLUSH_SECONDS = 0`` nothing is written until
:func:`flush_verification_counts` is called (tests do).
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import Counter

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from certify.certificates.models import Certificate
from certify.core.transactions import unit_of_work
from certify.extensions import db

log = logging.getLogger(__name__)

_lock = threading.Lock()
_pending: Counter[int] = Counter()
_writers: dict[int, tuple[threading.Thread, threading.Event]] = {}  # per app, in this process


def count_verification(certificate_id: int) -> None:
    """Count one verification of the certificate; written by :func:`flush_verification_counts`."""
    with _lock:
        _pending[certificate_id] += 1
        app = current_app._get_current_object()
        writer = _writers.get(id(app))
        if writer is None or (writer[0].ident is not None and not writer[0].is_alive()):
            # First count in this process (a forked worker inherits no threads).
            _writers[id(app)] = _start_writer(app)


def _start_writer(app: Flask) -> tuple[threading.Thread, threading.Event]:
    seconds = float(app.config.get("COUNT_FLUSH_SECONDS", 1.0) or 0)
    if not _writers:
        atexit.register(_flush_at_exit, app)
    stop = threading.Event()
    writer = threading.Thread(target=_write_every, args=(app, seconds, stop), daemon=True,
                              name="certify-verification-counts")
    if seconds > 0:
        writer.start()
    return writer, stop


def _write_every(app: Flask, seconds: float, stop: threading.Event) -> None:
    while not stop.wait(seconds):
        if pending_count():
            with app.app_context():
                flush_verification_counts()


def stop_writing_counts(app: Flask) -> None:
    """Stop ``app``'s writer thread in this process (an app that goes away before it does)."""
    with _lock:
        writer = _writers.pop(id(app), None)
    if writer is not None:
        writer[1].set()
        if writer[0].ident is not None:
            writer[0].join(timeout=10)


def pending_count() -> int:
    with _lock:
        return sum(_pending.values())


def flush_verification_counts() -> int:
    """Write every pending count in one transaction (needs an app context); returns how many.

    Counts that could not be written (the database busy or away) are kept for the next time.
    """
    with _lock:
        counts = dict(_pending)
        _pending.clear()
    if not counts:
        return 0
    try:
        with unit_of_work():  # its own transaction: called with a fresh app context
            db.session.connection().execute(
                sa.update(Certificate.__table__)
                .where(Certificate.__table__.c.id == sa.bindparam("certificate_id"))
                .values(verification_count=Certificate.__table__.c.verification_count
                        + sa.bindparam("verifications")),
                [{"certificate_id": certificate_id, "verifications": number}
                 for certificate_id, number in sorted(counts.items())])
    except SQLAlchemyError:
        log.warning("verification counts not written yet; kept for the next attempt",
                    exc_info=True)
        with _lock:
            _pending.update(counts)
        return 0
    return sum(counts.values())


def _flush_at_exit(app: Flask) -> None:
    with app.app_context():
        flush_verification_counts()


def forget_pending_counts() -> None:
    """Drop the counts not written yet: a test's certificates are rolled back, and the ids
    they had come back in the next test."""
    with _lock:
        _pending.clear()
