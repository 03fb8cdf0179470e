"""``certify quizzes ...``: housekeeping of quiz attempts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from certify.assessments.services import close_expired_attempts
from certify.core.cli import transactional_command

quizzes_cli = click.Group("quizzes", help="Quizzes of the virtual modules and their attempts.")


@quizzes_cli.command("close-expired")
@with_appcontext
@transactional_command
def close_expired():
    """Score the attempts left open past their deadline, with the answers saved in time.

    Officials' own quiz pages do this too; run it from cron so results are complete
    even for people who never come back.
    """
    closed = close_expired_attempts()
    click.echo(f"{len(closed)} expired attempt(s) scored.")


commands = [quizzes_cli]
