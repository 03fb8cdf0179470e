"""Racing requests on PostgreSQL: many threads, each with its own session and connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from certify.extensions import db


def race(app, threads: int, work: Callable[[int, threading.Barrier], object], *,
         timeout: float = 60) -> list:
    """Run ``work(i, barrier)`` in ``threads`` threads, each in its own app context, committed
    after; ``work`` waits on the barrier to start together. Returns what each returned, or
    the exception it raised (rolled back)."""
    barrier = threading.Barrier(threads)
    outcomes: list = [None] * threads

    def run(i: int) -> None:
        with app.app_context():
            try:
                outcomes[i] = work(i, barrier)
                db.session.commit()
            except Exception as error:  # reported by the callers' assertions
                db.session.rollback()
                outcomes[i] = error
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=timeout)
    assert not any(worker.is_alive() for worker in workers)
    return outcomes
