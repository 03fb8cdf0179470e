"""Per-address limits for the public views that answer crowds (verification).

Most views are limited by Flask-Limiter's decorators (``certify.extensions.limiter``). These
use the same storage and count in fixed windows as Flask-Limiter does, without its
evaluation of every limit, exemption and header on each request: about a quarter of a
verification's time, on the path a room scanning QR codes takes at once.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps

from flask import Response, after_this_request, current_app, request
from limits import RateLimitItem, parse
from limits.storage import RedisStorage, Storage
from werkzeug.exceptions import TooManyRequests

from certify.extensions import limiter

log = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def _parsed(text: str) -> RateLimitItem:
    return parse(text)


def limit_per_address(every: Callable[[], str], *, misses: Callable[[], str],
                      is_miss: Callable[[Response], bool]) -> Callable:
    """Limit a view per client address with two limits read from settings at each request
    (e.g. ``"600 per minute"``), counted per endpoint: ``every`` counts every request;
    ``misses`` counts the answers ``is_miss`` finds empty and, once spent, refuses whatever
    the address asks until its window ends. A refusal is a 429 with ``Retry-After``; answers
    carry ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` of ``every``. When the storage
    cannot be reached the request is answered unlimited and a warning logged, never a 500.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def limited(*args, **kwargs):
            if limiter.enabled:
                address = request.remote_addr or ""
                limits = AddressLimits.of(request.endpoint, every(), misses())
                count = limits.count(address)

                @after_this_request
                def count_miss(response: Response) -> Response:
                    response.headers.update(limits.headers(count))
                    if is_miss(response):
                        limits.count_miss(address)
                    return response

            return view(*args, **kwargs)

        limited.limited_per_address = True
        return limited

    return decorate


@limiter.request_filter
def _limited_here() -> bool:
    """Flask-Limiter leaves these views alone (no default limits on top of their own)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "limited_per_address", False)


@dataclass(frozen=True)
class AddressLimits:
    """The two limits of :func:`limit_per_address` for one scope (an endpoint), counted in the
    limiter's storage; usable outside Flask's request (``certificates.kept_answers``)."""

    scope: str
    every: RateLimitItem
    misses: RateLimitItem

    @classmethod
    def of(cls, scope: str, every: str, misses: str) -> AddressLimits:
        return cls(scope, _parsed(every), _parsed(misses))

    def count(self, address: str) -> int | None:
        """Count a request from ``address``: how many it has made in this window, or None when
        the storage cannot be reached. Raises ``TooManyRequests`` past either limit."""
        storage = limiter.storage
        every_key, miss_key = self.every.key_for(self.scope, address), self._miss_key(address)
        try:
            misses, count = _get_and_incr(storage, miss_key, every_key, self.every.get_expiry())
            if misses >= self.misses.amount:
                _refuse(storage, miss_key)
            if count > self.every.amount:
                _refuse(storage, every_key)
        except TooManyRequests:
            raise
        except Exception:  # noqa: BLE001 - the store away (Redis down) must not stop verifiers
            log.warning("rate limit storage unreachable: %s answered unlimited", self.scope,
                        exc_info=True)
            return None
        return count

    def count_miss(self, address: str) -> None:
        try:
            limiter.storage.incr(self._miss_key(address), self.misses.get_expiry())
        except Exception:  # noqa: BLE001 - as in count()
            log.warning("rate limit storage unreachable: a miss not counted", exc_info=True)

    def _miss_key(self, address: str) -> str:
        return self.misses.key_for(self.scope, "miss", address)

    def headers(self, count: int | None) -> dict[str, str]:
        if count is None:
            return {}
        return {"X-RateLimit-Limit": str(self.every.amount),
                "X-RateLimit-Remaining": str(max(self.every.amount - count, 0))}


def _get_and_incr(storage: Storage, get_key: str, incr_key: str, expiry: int) -> tuple[int, int]:
    """The count under ``get_key``, and the one under ``incr_key`` after one more: in one round
    trip when the counts are in Redis (two would halve a verification's pace)."""
    if type(storage) is RedisStorage:
        pipeline = storage.get_connection().pipeline(transaction=False)
        pipeline.get(storage.prefixed_key(get_key))
        storage.lua_incr_expire([storage.prefixed_key(incr_key)], [expiry, 1], client=pipeline)
        got, count = pipeline.execute()
        return int(got or 0), int(count)
    return storage.get(get_key), storage.incr(incr_key, expiry)


def _refuse(storage: Storage, key: str) -> None:
    error = TooManyRequests()
    error.retry_after = max(math.ceil(storage.get_expiry(key) - time.time()), 1)
    raise error
