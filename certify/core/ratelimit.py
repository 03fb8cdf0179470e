"""Rate limit counters kept in the worker process, for when there is no shared store (Redis).

limits' own in-memory storage starts a timer thread on almost every counted
request to sweep expired counters (about 8 ms of a verification's time under
load). These fixed-window counters expire when they are read, and the sweep of
forgotten keys runs inline at most once a minute. Registered as the
``certify-memory://`` storage scheme, the default of ``CERTIFY_RATELIMIT_STORAGE_URL``.

Counters in a process are that process's: with several gunicorn workers each
one counts apart, so the limits are looser by that factor. gunicorn.conf.py
warns about it at start; Redis (``redis://``) shares one count among them all.
"""

from __future__ import annotations

import threading
import time

from limits.storage import Storage

SWEEP_EVERY_SECONDS = 60


class ProcessMemoryStorage(Storage):
    """Fixed-window counters in a dict, under one lock; no threads."""

    STORAGE_SCHEME = ["certify-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._counters: dict[str, list[float]] = {}  # key -> [count, expires at]
        self._lock = threading.Lock()
        self._next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def _live(self, key: str, now: float) -> list[float] | None:
        counter = self._counters.get(key)
        if counter is not None and counter[1] <= now:
            del self._counters[key]
            return None
        return counter

    def _sweep(self, now: float) -> None:
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_EVERY_SECONDS
            for key in [key for key, (_count, ends) in self._counters.items() if ends <= now]:
                del self._counters[key]

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.monotonic()
        with self._lock:
            self._sweep(now)
            counter = self._live(key, now)
            if counter is None:
                counter = self._counters[key] = [0, now + expiry]
            counter[0] += amount
            return int(counter[0])

    def decr(self, key: str, amount: int = 1) -> int:
        with self._lock:
            counter = self._live(key, time.monotonic())
            if counter is None:
                return 0
            counter[0] = max(counter[0] - amount, 0)
            return int(counter[0])

    def get(self, key: str) -> int:
        with self._lock:
            counter = self._live(key, time.monotonic())
            return int(counter[0]) if counter else 0

    def get_expiry(self, key: str) -> float:
        """When the key's window ends, in seconds since the epoch (what limits expects)."""
        with self._lock:
            now = time.monotonic()
            counter = self._live(key, now)
            remaining = counter[1] - now if counter else 0
        return time.time() + remaining

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        with self._lock:
            count = len(self._counters)
            self._counters.clear()
        return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._counters.pop(key, None)
