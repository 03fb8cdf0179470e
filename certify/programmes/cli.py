"""``certify content ...``: load the programme from course_content/."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from certify.core.cli import transactional_command
from certify.programmes.content import load_course_content

content_cli = click.Group("content", help="Course content (programme, modules, quizzes) from files.")

_directory = click.option(
    "--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The content folder (default: CERTIFY_CONTENT_DIR or ./course_content).")


@content_cli.command("load")
@_directory
@with_appcontext
@transactional_command
def load(directory: Path | None):
    """Create or update the programme from its files; a re-run changes nothing new."""
    report = load_course_content(directory or current_app.config["CONTENT_DIR"])
    click.echo(f"Loaded {report.programme.code}: {report.summary()}")


@content_cli.command("check")
@_directory
@with_appcontext
@transactional_command
def check(directory: Path | None):
    """Check the files without saving anything (exit code 2 lists every problem)."""
    from certify.extensions import db

    report = load_course_content(directory or current_app.config["CONTENT_DIR"])
    db.session.rollback()
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"The content of {report.programme.code} is valid: {report.summary()}")
    if report.warnings:
        click.echo(f"{len(report.warnings)} missing translations (pages show the Spanish text "
                   "with a note)", err=True)
commands = [content_cli]
