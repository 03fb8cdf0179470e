"""Core's periodic tasks (see ``certify.core.scheduling``): the e-mail outbox and the jobs."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from certify.core.jobs import resumable_jobs
from certify.core.mail import deliver_outbox
from certify.core.scheduling import periodic


@periodic("deliver_mail", every=timedelta(minutes=1))
def deliver_mail() -> str:
    """Send what is due in the outbox, retries included: nobody has to run a command."""
    report = deliver_outbox(limit=500)
    return f"{report.sent} sent, {report.retrying} to retry, {report.failed} failed"


@periodic("resume_jobs", every=timedelta(minutes=1))
def resume_stale_jobs() -> str:
    """Hand the due jobs and those whose process died (silent for longer than
    ``CERTIFY_JOBS_STALE_AFTER``) to a runner again; running twice does the work once."""
    from certify.core.job_runners import dispatch

    records = resumable_jobs()
    app = current_app._get_current_object()
    for record in records:
        dispatch(app, record.id)
    return f"{len(records)} job(s) resumed"
