"""Background jobs of the LTI area: sending grades and syncing rosters.

Both are idempotent (run twice, they do the work once) and commit after each unit, like the
CLI commands that do the same by hand (``certify lti push-grades``, ``certify lti
sync-roster``).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from certify.core.jobs import Job, enqueue, job
from certify.extensions import db
from certify.lti import grades, roster
from certify.lti.errors import PlatformError
from certify.lti.models import GradeSync, LtiContext, SyncStatus

PUSH_SCORES = "lti.push_scores"
SYNC_ROSTER = "lti.sync_roster"


class ScoresStillPending(Exception):
    """Some platforms failed in a way worth retrying: the job runs again after its back-off."""


def push_pending(sync_ids: Iterable[int], *, progress=None) -> dict:
    """Send each listed row that is still pending, committing after each; returns counts."""
    counts = {"sent": 0, "pending": 0, "failed": 0}
    for sync_id in sync_ids:
        sync = db.session.get(GradeSync, sync_id)
        if sync is not None and sync.status is SyncStatus.PENDING:
            grades.push_score(sync)
            counts[sync.status.value] += 1
        db.session.commit()
        if progress is not None:
            progress()
    return counts


@job(PUSH_SCORES, title=_l("Sending grades to the platforms"), max_attempts=grades.MAX_ATTEMPTS)
def push_scores_job(record: Job, sync_ids: list[int] | None = None) -> dict:
    ids = list(sync_ids) if sync_ids else grades.due_grade_syncs()
    record.advance(0, total=len(ids))
    counts = push_pending(ids, progress=record.advance)
    if counts["pending"]:
        raise ScoresStillPending(f"{counts['pending']} score(s) to send again later")
    return counts


@job(SYNC_ROSTER, title=_l("Syncing a course roster"), max_attempts=3)
def sync_roster_job(record: Job, context_id: int) -> dict:
    context = db.session.get(LtiContext, context_id)
    if context is None:
        return {"skipped": "the course is no longer linked"}
    try:
        report = roster.sync_roster(context)
    except PlatformError as error:
        if error.retryable:
            raise RuntimeError(error.message) from error  # the job framework retries it
        raise
    db.session.commit()
    return {"members": report.members, "enrolled": report.enrolled,
            "deactivated": report.deactivated}


def schedule_push(sync_ids: Iterable[int]) -> Job | None:
    """Send these rows after the current transaction commits."""
    ids = list(sync_ids)
    return enqueue(PUSH_SCORES, sync_ids=ids) if ids else None


def schedule_roster_sync(context: LtiContext) -> Job:
    """Sync the course's roster after the current transaction commits."""
    return enqueue(SYNC_ROSTER, context_id=context.id)
