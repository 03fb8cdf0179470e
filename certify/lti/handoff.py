"""Handing a launch over to a frame or window that can keep certify's session.

When a launch reached certify through the platform's storage because the iframe keeps no
cookie, the person would be signed out on the next page. The launch leaves a handoff: who
was launched and where they land, kept for ``HANDOFF_MINUTES`` and usable once, opened by a
token signed for that launch. The "keep me signed in" page posts it from a new window, or
from the same frame once the browser granted storage access (``POST /lti/continue``).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from certify.core.clock import utcnow
from certify.extensions import db
from certify.lti.models import CacheEntry

HANDOFF_MINUTES = 5
_SALT = "certify.lti.launch-handoff"
_KEY_PREFIX = "handoff-"


@dataclass(frozen=True)
class Handoff:
    launch_id: str
    token: str


@dataclass(frozen=True)
class HandoffTarget:
    person_id: int
    endpoint: str
    values: dict


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def remember_handoff(launch_id: str, outcome) -> Handoff:
    """Keep who the launch signed in and where they land (``outcome``: a LaunchOutcome)."""
    db.session.add(CacheEntry(
        key=(_KEY_PREFIX + launch_id)[:255],
        value={"person_id": outcome.person.id, "endpoint": outcome.endpoint,
               "values": dict(outcome.values)},
        expires_at=utcnow() + timedelta(minutes=HANDOFF_MINUTES)))
    return Handoff(launch_id, _serializer().dumps(launch_id))


def take_handoff(launch_id: str, token: str | None) -> HandoffTarget | None:
    """The handoff of ``launch_id`` if ``token`` opens it; used up by this call."""
    try:
        signed = _serializer().loads(token or "", max_age=HANDOFF_MINUTES * 60)
    except BadSignature:
        return None
    if not isinstance(signed, str) or not hmac.compare_digest(signed, launch_id):
        return None
    taken = db.session.execute(
        sa.delete(CacheEntry)
        .where(CacheEntry.key == (_KEY_PREFIX + launch_id)[:255], CacheEntry.expires_at > utcnow())
        .returning(CacheEntry.value)).scalar_one_or_none()
    if not isinstance(taken, dict):
        return None
    return HandoffTarget(int(taken["person_id"]), str(taken["endpoint"]),
                         dict(taken.get("values") or {}))
