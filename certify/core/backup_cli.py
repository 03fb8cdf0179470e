"""``certify backup`` and ``certify restore``: see ``certify.core.backup``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from certify.core.backup import restore_backup, write_backup
from certify.core.clock import utcnow
from certify.core.errors import DomainError


def _explain(error: DomainError) -> None:
    click.secho(error.message, fg="red", err=True)
    raise SystemExit(2) from error


@click.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Archive to write (default: certify-backup-<UTC time>.tar.gz here).")
@with_appcontext
def backup_command(output: Path | None):
    """Write one archive with a consistent database copy, the signing and LTI keys, the
    certificates, the uploads and a manifest with checksums. Keep it away from this machine:
    it holds the private keys."""
    output = output or Path(f"certify-backup-{utcnow():%Y%m%dT%H%M%SZ}.tar.gz")
    try:
        report = write_backup(output)
    except DomainError as error:
        _explain(error)
    counts = ", ".join(f"{value} {name}" for name, value in sorted(report.counts.items()))
    click.echo(f"Wrote {report.path}: the database ({counts}) and {report.files} file(s), "
               f"{report.bytes / 1e6:.1f} MB before compression.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(archive: Path):
    """Restore ARCHIVE (made by certify backup) into this instance, which must be empty: no
    tables in its database, no files in its folders. Every file is checked against the
    manifest before anything is written."""
    try:
        report = restore_backup(archive)
    except DomainError as error:
        _explain(error)
    click.echo(f"Restored the backup of {report.created_at}: {report.files} file(s).")
    if report.migrated_from:
        click.echo(f"The database was migrated from revision {report.migrated_from} to this "
                   "version's.")


commands: list[click.Command] = [backup_command, restore_command]
