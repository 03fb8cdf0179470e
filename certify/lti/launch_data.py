"""pylti1p3's launch data storage, in the database: launches cached for later service calls
(the activity picker reads its deep-linking launch back), shared by every worker."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from pylti1p3.launch_data_storage.base import LaunchDataStorage

from certify.core.clock import utcnow
from certify.extensions import db
from certify.lti.models import CacheEntry, LoginState


class DatabaseLaunchDataStorage(LaunchDataStorage):
    """pylti1p3's launch data storage in ``lti_cache_entry``, shared by every worker.

    No session cookie: launch ids are random (uuid4) and the pages that read a launch back
    check it belongs to the signed-in person.
    """

    _session_cookie_name = ""

    def can_set_keys_expiration(self) -> bool:
        return True

    def _row(self, key: str) -> CacheEntry | None:
        return db.session.scalar(sa.select(CacheEntry).where(
            CacheEntry.key == self._prepare_key(key)[:255], CacheEntry.expires_at > utcnow()))

    def get_value(self, key: str):
        row = self._row(key)
        return row.value if row is not None else None

    def set_value(self, key: str, value, exp: int | None = None) -> None:
        expires_at = utcnow() + timedelta(seconds=exp or 86400)
        prepared = self._prepare_key(key)[:255]
        row = db.session.scalar(sa.select(CacheEntry).where(CacheEntry.key == prepared))
        if row is None:
            db.session.add(CacheEntry(key=prepared, value=value, expires_at=expires_at))
        else:
            row.value, row.expires_at = value, expires_at
        db.session.flush()

    def check_value(self, key: str) -> bool:
        return self._row(key) is not None

    def add_value(self, key: str, value, exp: int) -> None:
        """Store a value under a key known to be new (a launch id): one INSERT."""
        db.session.add(CacheEntry(key=self._prepare_key(key)[:255], value=value,
                                  expires_at=utcnow() + timedelta(seconds=exp)))


def purge_expired(now: datetime | None = None) -> None:
    """Forget logins and cached launches past their time."""
    now = now or utcnow()
    db.session.execute(sa.delete(LoginState).where(LoginState.expires_at < now))
    db.session.execute(sa.delete(CacheEntry).where(CacheEntry.expires_at < now))
