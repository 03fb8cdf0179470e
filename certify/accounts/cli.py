"""``certify users ...`` and ``certify people import``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from certify.accounts import services
from certify.accounts.importing import ImportRejected, import_people
from certify.accounts.models import Role
from certify.core.cli import echo_row_errors, transactional_command
from certify.core.errors import ValidationError

users_cli = click.Group("users", help="Accounts of staff and officials.")
people_cli = click.Group("people", help="Officials in bulk.")

_ROLES = click.Choice([role.value for role in Role])


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--given-names", required=True)
@click.option("--family-names", required=True)
@click.option("--role", "roles", type=_ROLES, multiple=True, default=["official"], show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given.")
@click.option("--locale", default="es", show_default=True)
@with_appcontext
@transactional_command
def create_user(email, given_names, family_names, roles, password, locale):
    """Create a person who can sign in, e.g. the first administrator."""
    person = services.create_person(email=email, given_names=given_names, family_names=family_names,
                                    password=password, roles=roles, preferred_locale=locale)
    click.echo(f"Created {person.full_name} <{person.email}> ({', '.join(sorted(roles))}).")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
@transactional_command
def set_password(email, password):
    """Set the password of an existing person."""
    person = services.find_person_by_email(email)
    if person is None:
        raise ValidationError(f"Nobody is registered as {email}.")
    services.set_password(person, password)
    click.echo(f"Password changed for {person.email}.")


@users_cli.command("grant")
@click.argument("email")
@click.argument("role", type=_ROLES)
@with_appcontext
@transactional_command
def grant(email, role):
    """Give a role to an existing person."""
    person = services.find_person_by_email(email)
    if person is None:
        raise ValidationError(f"Nobody is registered as {email}.")
    services.grant_role(person, role)
    click.echo(f"{person.email} is now {role}.")


@people_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and report the others.")
@with_appcontext
@transactional_command
def import_command(file: Path, skip_invalid: bool):
    """Create or update officials from a CSV file (columns: see the template on /people/import).

    Every row is checked first: if any is invalid nothing is written (exit code 2)
    and every bad row is listed with its line number.
    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(f"{file}: the file must be UTF-8 encoded text") from error
    with tqdm(desc="Importing officials", unit="row", disable=None) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(1)

        try:
            report = import_people(text, skip_invalid=skip_invalid, progress=progress)
        except ImportRejected as error:
            bar.close()
            echo_row_errors(file, error.row_errors)
            raise
    echo_row_errors(file, report.errors, skipped=True)
    click.echo(f"{len(report.created)} created, {len(report.updated)} updated, "
               f"{len(report.errors)} skipped, {report.rows} rows read.")
commands = [users_cli, people_cli]
