"""``certify reports targets import|export`` and ``certify reports refresh``."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from tqdm import tqdm

from certify.core.cli import transactional_command
from certify.core.errors import ValidationError
from certify.extensions import db
from certify.programmes.models import Programme
from certify.programmes.services import get_programme_by_code
from certify.reports.exports import targets_csv
from certify.reports.facts import refresh_programme
from certify.reports.importing import ImportRejected, import_targets
from certify.reports.targets import get_target

reports_cli = click.Group("reports", help="National programme tracking: targets and quotas.")
targets_cli = click.Group("targets", help="Targets, milestones and quotas of the programmes.")
reports_cli.add_command(targets_cli)


def _difference(label: str, total: int, target: int) -> str:
    difference = total - target
    if difference == 0:
        return f"{label}: {total:,}, the whole target"
    word = "over" if difference > 0 else "short"
    return f"{label}: {total:,} of {target:,} ({abs(difference):,} {word})"


@targets_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
@transactional_command
def import_command(file: Path):
    """Set targets, milestones and quotas from a CSV file.

    Columns: level (target, milestone, region or municipality), programme (its code),
    country, region, municipality, year, certified, weight, starts_on, due_on. For each
    programme, each level in the file replaces that level. Every row is checked first: if
    any is wrong nothing is written (exit code 2) and each wrong row is listed with its
    line number.
    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(f"{file}: the file must be UTF-8 encoded text") from error
    # The number of lines is a good guess of the rows (quoted cells may hold line breaks).
    lines = max(0, len(text.splitlines()) - 1)
    with tqdm(total=lines, desc="Checking rows", unit="row", disable=None) as bar:
        try:
            report = import_targets(text, progress=lambda done: bar.update(done - bar.n))
        except ImportRejected as error:
            bar.close()
            for row_error in error.row_errors:
                click.secho(f"{file}:{row_error.line}: " + "; ".join(row_error.messages),
                            fg="red", err=True)
            raise
    click.echo(f"{report.rows} rows read: {report.targets} target(s), "
               f"{report.milestones} milestone(s), {report.regions} region quota(s), "
               f"{report.municipalities} municipality quota(s).")
    for code, totals in report.totals.items():
        if totals.region_count:
            click.echo(f"{code} " + _difference("regions", totals.regions, totals.target))
        if totals.municipality_count:
            click.echo(f"{code} " + _difference("municipalities", totals.municipalities,
                                                totals.target))


@targets_cli.command("export")
@click.argument("programme_code")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of the standard output.")
@with_appcontext
@transactional_command
def export_command(programme_code: str, output: Path | None):
    """Write a programme's target, milestones and quotas in the import format."""
    body = targets_csv(get_target(get_programme_by_code(programme_code)))
    if output is None:
        click.echo(body, nl=False)
    else:
        output.write_text(body, encoding="utf-8")
        click.echo(f"Written to {output}.")


@reports_cli.command("refresh")
@click.option("--programme", "programme_code", help="Only this programme (its code).")
@with_appcontext
@transactional_command
def refresh_command(programme_code: str | None):
    """Rebuild the dashboard's read model: every enrolled person's steps and every survey
    tally, from the source tables. Run it nightly (it also catches withdrawals, reopened
    grades and people who moved, which are not signalled as they happen)."""
    programmes = ([get_programme_by_code(programme_code)] if programme_code
                  else list(db.session.scalars(sa.select(Programme).order_by(Programme.code))))
    for programme in tqdm(programmes, desc="Refreshing", unit="programme", disable=None):
        refresh = refresh_programme(programme)
        click.echo(f"{programme.code}: refreshed in {refresh.seconds:.1f} s.")


commands = [reports_cli]
