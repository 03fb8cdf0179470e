"""Helpers for click commands (one transaction per command, domain errors as exit code 2),
and core's own commands: ``certify mail ...`` for the e-mail outbox."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from certify.core.errors import DomainError
from certify.core.mail import count_due, deliver_outbox, outbox_query, requeue_failed
from certify.core.transactions import unit_of_work
from certify.extensions import db


def transactional_command(command: Callable) -> Callable:
    """The CLI's face of the unit of work (``certify.core.transactions``): commit when the
    command succeeds, roll back on any error; a domain error is explained, exit code 2."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        try:
            with unit_of_work():
                return command(*args, **kwargs)
        except DomainError as error:
            click.secho(error.message, fg="red", err=True)
            raise SystemExit(2) from error

    return wrapped


def echo_row_errors(file: object, row_errors: list, *, skipped: bool = False) -> None:
    """An import's refused rows on stderr as ``FILE:LINE: problems`` (red), or the rows it
    skipped with ``--skip-invalid`` (yellow)."""
    prefix = "skipped: " if skipped else ""
    for row_error in row_errors:
        click.secho(f"{file}:{row_error.line}: {prefix}" + "; ".join(row_error.messages),
                    fg="yellow" if skipped else "red", err=True)


# --- certify mail ------------------------------------------------------------------------------

mail_cli = click.Group("mail", help="The e-mail outbox: deliver what is queued, list, re-queue.")


@mail_cli.command("deliver")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help="Send at most this many messages in this run.")
@with_appcontext
def deliver_command(limit: int):
    """Send the queued messages that are due (through SMTP if CERTIFY_SMTP_URL is set,
    else into the log). Exits with 1 if any message failed; it will be retried later."""
    with tqdm(total=min(limit, count_due()), desc="Delivering e-mail", unit="message",
              disable=None) as bar:
        report = deliver_outbox(limit=limit, progress=lambda _message: bar.update(1))
    click.echo(f"{report.sent} sent, {report.retrying} to retry later, "
               f"{report.failed} failed for good.")
    if report.stopped:
        click.secho(f"Stopped early: {report.stopped}", fg="yellow", err=True)
    if report.retrying or report.failed:
        raise SystemExit(1)


@mail_cli.command("list")
@click.option("--status", type=click.Choice(["queued", "sent", "failed"]),
              help="Only messages in this status.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def list_command(status: str | None, limit: int):
    """The newest messages in the outbox, with their delivery state."""
    messages = db.session.scalars(outbox_query(status).limit(limit)).all()
    if not messages:
        click.echo("The outbox is empty." if status is None else f"No {status} messages.")
        return
    for message in messages:
        when = message.sent_at if message.sent_at else message.next_attempt_at
        label = "sent" if message.sent_at else "next attempt"
        click.echo(f"#{message.id} {message.status.value:<6} attempts={message.attempts} "
                   f"{label} {when:%Y-%m-%d %H:%M} UTC  {message.to_address}  "
                   f"{message.subject}")
        if message.last_error and message.status.value != "sent":
            click.secho(f"    last error: {message.last_error}", fg="yellow")


@mail_cli.command("retry")
@click.argument("ids", nargs=-1, type=int)
@with_appcontext
@transactional_command
def retry_command(ids: tuple[int, ...]):
    """Queue failed messages again (the given ids, or every failed one)."""
    click.echo(f"{requeue_failed(ids)} message(s) queued again.")


from certify.core.backup_cli import commands as backup_commands  # noqa: E402
from certify.core.job_runners import commands as job_commands  # noqa: E402 - jobs, worker
from certify.core.scheduler_cli import commands as scheduler_commands  # noqa: E402

# core's own commands (see certify.AREAS)
commands: list[click.Command] = [mail_cli, *job_commands, *backup_commands, *scheduler_commands]
