"""``certify people export EMAIL`` and ``certify people erase EMAIL``: data-subject requests
from the command line (added to the accounts area's ``people`` group)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from certify.accounts.cli import people_cli
from certify.accounts.models import Person
from certify.accounts.services import find_person_by_email
from certify.core.cli import transactional_command
from certify.core.errors import NotFound
from certify.privacy.erasure import erase_person
from certify.privacy.export import export_person


def _person(email: str) -> Person:
    person = find_person_by_email(email)
    if person is None:
        raise NotFound(f"Nobody is registered as {email}.")
    return person


@people_cli.command("export")
@click.argument("email")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the ZIP (default: its own name, here).")
@with_appcontext
@transactional_command
def export_command(email: str, output: Path | None):
    """Everything certify holds about the person with EMAIL, as a ZIP of JSON and files
    (audit-logged). Hand it to them over a channel as safe as the data."""
    archive = export_person(_person(email), actor=None)
    target = output or Path(archive.filename)
    target.write_bytes(archive.data)
    target.chmod(0o600)
    click.echo(f"Wrote {target} ({len(archive.data) / 1024:.0f} KB).")


@people_cli.command("erase")
@click.argument("email")
@click.option("--certificates", type=click.Choice(["keep", "revoke"]), required=True,
              help="Keep their certificates valid in the register, or revoke them.")
@click.option("--reason", required=True, help="Why (recorded in the audit log).")
@with_appcontext
@transactional_command
def erase_command(email: str, certificates: str, reason: str):
    """Erase the personal data of the person with EMAIL; their certificates stay in the
    public register (valid or revoked, as --certificates says). Cannot be undone."""
    issued = erase_person(_person(email), actor=None, reason=reason,
                          revoke_certificates=certificates == "revoke")
    click.echo(f"Erased. {len(issued)} certificate(s) "
               f"{'revoked' if certificates == 'revoke' else 'kept'} in the register.")


commands: list[click.Command] = []  # both join the accounts area's ``people`` group
