"""Counting verifications off the request's path: kept in the worker, written in batches.

A verification only reads. Writing its count in the request would make every
scan a write transaction, and on SQLite write transactions take turns (each
waiting writer sleeps in steps of milliseconds), which a crowd scanning at
once turns into queues. Each worker process keeps the counts and writes them
all in one transaction at most once a second (or after ``FLUSH_AFTER`` scans),
after a response has been sent, and when it exits. A worker killed outright
loses at most its last second of counts; the certificates' verdicts never
depend on them.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from certify.certificates.models import Certificate
from certify.core.transactions import unit_of_work
from certify.extensions import db

log = logging.getLogger(__name__)

FLUSH_EVERY_SECONDS = 1.0
FLUSH_AFTER = 500  # counts pending: written sooner under a heavy crowd

_lock = threading.Lock()
_pending: Counter[int] = Counter()
_last_flush = time.monotonic()
_apps_flushed_at_exit: set[int] = set()


def count_verification(certificate_id: int) -> None:
    """Count one verification of the certificate; written by :func:`flush_verification_counts`."""
    with _lock:
        _pending[certificate_id] += 1
    app = current_app._get_current_object()
    if id(app) not in _apps_flushed_at_exit:
        _apps_flushed_at_exit.add(id(app))
        atexit.register(_flush_at_exit, app)


def pending_count() -> int:
    with _lock:
        return sum(_pending.values())


def flush_verification_counts() -> int:
    """Write every pending count in one transaction (needs an app context); returns how many.

    Counts that could not be written (the database busy or away) are kept for the next time.
    """
    global _last_flush
    with _lock:
        counts = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
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


def flush_if_due(app: Flask) -> None:
    """After a response was sent: write the pending counts if a second has passed (or many
    are waiting)."""
    with _lock:
        due = _pending and (time.monotonic() - _last_flush >= FLUSH_EVERY_SECONDS
                            or sum(_pending.values()) >= FLUSH_AFTER)
    if due:
        with app.app_context():
            flush_verification_counts()


def _flush_at_exit(app: Flask) -> None:
    with app.app_context():
        flush_verification_counts()


def forget_pending_counts() -> None:
    """Drop the counts not written yet: a test's certificates are rolled back, and the ids
    they had come back in the next test."""
    with _lock:
        _pending.clear()
