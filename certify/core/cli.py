"""Helpers for click commands: one transaction per command, domain errors as exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import click

from certify.core.errors import DomainError
from certify.extensions import db


def transactional_command(command: Callable) -> Callable:
    """Commit when the command succeeds; on a domain error roll back, explain, exit 2."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        try:
            result = command(*args, **kwargs)
            db.session.commit()
            return result
        except DomainError as error:
            db.session.rollback()
            click.secho(error.message, fg="red", err=True)
            raise SystemExit(2) from error
        except BaseException:
            db.session.rollback()
            raise

    return wrapped


commands: list[click.Command] = []  # core's own commands (see certify.AREAS)
