"""Periodic tasks of assessments (see ``certify.core.scheduling``)."""

from __future__ import annotations

from datetime import timedelta

from certify.assessments.services import close_expired_attempts
from certify.core.scheduling import periodic


@periodic("close_expired_attempts", every=timedelta(minutes=5))
def close_expired() -> str:
    """Score attempts left open past their time limit, for people who never come back."""
    return f"{len(close_expired_attempts())} attempt(s) scored"
