"""Progress's periodic task (see ``certify.core.scheduling``): deadline reminders by e-mail."""

from __future__ import annotations

from datetime import time

from certify.core.scheduling import periodic
from certify.progress.emails import queue_deadline_reminders


@periodic("deadline_reminders", daily_at=time(12, 0))
def deadline_reminders() -> str:
    """A week before each module deadline, and the day after a cohort's last one."""
    sent = queue_deadline_reminders()
    return f"{sum(sent.values())} status e-mail(s) queued"
