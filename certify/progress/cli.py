"""``certify progress ...``: telling officials where they stand."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from certify.cohorts.services import get_cohort
from certify.core.cli import transactional_command
from certify.progress.emails import queue_status_emails
from certify.progress.status import CohortStatus

progress_cli = click.Group("progress", help="Officials' progress in their cohorts.")


@progress_cli.command("email-status")
@click.argument("cohort_id", type=int)
@click.option("--status", "statuses", multiple=True,
              type=click.Choice([status.value for status in CohortStatus]),
              help="Only people in this status (repeatable); default: everyone.")
@with_appcontext
@transactional_command
def email_status(cohort_id: int, statuses: tuple[str, ...]):
    """E-mail each member of a cohort their status and next step (e.g. weekly, from cron, with
    --status in_progress as a reminder; or once the cohort closes). Delivered by the outbox."""
    only = frozenset(CohortStatus(value) for value in statuses) or None
    sent = queue_status_emails(get_cohort(cohort_id), only=only)
    click.echo(f"{sum(sent.values())} e-mail(s) queued"
               + "".join(f", {count} {status.value}" for status, count in sorted(sent.items())))


commands = [progress_cli]
