"""What the public verification answers say about a certificate, kept per certificate and
language in each worker process.

A certificate's facts never change after issue; revocation and reissue are what
change its answer, so the key holds the columns they write: the verdict's own
read of the row (always fresh) finds a revoked or reissued certificate under a
new key, in every worker at once, with no message between processes.

Whole answers are kept by ``certificates.kept_answers``, in front of Flask.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask_babel import get_locale

from certify.certificates.models import Certificate

T = TypeVar("T")
SIZE = 4096  # entries per process: a few MB for thousands of certificates in three languages


class LeastRecentlyUsed:
    """A dict of at most ``size`` entries that forgets the least recently used; thread-safe."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[Hashable, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: object) -> None:
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]  # type: ignore[return-value]
        value = make()  # outside the lock: two threads may both make it, and agree
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_cache = LeastRecentlyUsed(SIZE)


def answer_key(certificate: Certificate, purpose: Hashable) -> tuple:
    """``purpose`` (which answer: page, JSON, and what else it depends on) and what makes the
    certificate's answer differ."""
    return (purpose, certificate.id, str(get_locale()), certificate.revoked_at,
            certificate.revocation_reason, certificate.replaced_by_id)


def cached_answer(certificate: Certificate, purpose: Hashable, make: Callable[[], T]) -> T:
    """``make()``, or what it gave for this certificate, language and state before. Callers
    must not change what they get: it is shared."""
    return _cache.get_or_make(answer_key(certificate, purpose), make)


def forget_answers() -> None:
    _cache.clear()
