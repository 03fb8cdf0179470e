"""``certify keys ...`` (the signing keys) and ``certify certificates ...`` (the register,
and issuing a cohort's certificates in the foreground)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from certify.accounts.models import Person
from certify.certificates.bulk import described_reasons, progress_listener
from certify.certificates.importing import import_certificates
from certify.certificates.issuing import RevocationReason, get_by_serial, revoke, verify
from certify.certificates.links import ensure_public_base_url
from certify.cohorts.services import get_cohort
from certify.core import audit
from certify.core.cli import echo_row_errors, transactional_command
from certify.core.csv_import import ImportRejected
from certify.core.errors import DomainError, ValidationError
from certify.core.job_runners import run_and_deliver
from certify.core.jobs import Job, JobStatus, enqueue
from certify.core.keyring import ALGORITHMS, generate_key, keys_dir, list_keys, rotate_key
from certify.core.transactions import unit_of_work
from certify.extensions import db

keys_cli = click.Group("keys", help="The keys that sign certificates (Ed25519) and credentials "
                                    "(RSA, RS256).")
ALGORITHM_CHOICE = click.Choice(["all", *ALGORITHMS])


def _algorithms(chosen: str) -> tuple[str, ...]:
    return ALGORITHMS if chosen == "all" else (chosen,)


@keys_cli.command("generate")
@click.option("--algorithm", type=ALGORITHM_CHOICE, default="all", show_default=True)
@with_appcontext
def generate_command(algorithm: str):
    """Create the first signing keys, if there are none yet (safe to run on every deploy)."""
    for name in _algorithms(algorithm):
        kid, created = generate_key(name)
        if created:
            click.echo(f"Created {name} signing key {kid} in {keys_dir()}.")
        else:
            click.echo(f"{name} signing key {kid} already exists; nothing to do (use "
                       "`certify keys rotate` for a new one).")


@keys_cli.command("rotate")
@click.option("--algorithm", type=ALGORITHM_CHOICE, default="all", show_default=True)
@with_appcontext
@transactional_command
def rotate_command(algorithm: str):
    """Create new signing keys and sign with them from now on; earlier keys stay published."""
    for name in _algorithms(algorithm):
        kid = rotate_key(name)
        audit.record_about("signing_key.rotated", "SigningKey", 0, actor=None, kid=kid,
                           algorithm=name)
        click.echo(f"{name} signing key {kid} is now current.")
    click.echo("Every earlier key stays in /.well-known/jwks.json, so existing certificates "
               "keep verifying.")


@keys_cli.command("list")
@with_appcontext
def list_command():
    """Every key ever used: id, algorithm, creation time, whether it signs now, can sign."""
    keys = list_keys()
    if not keys:
        click.echo(f"No signing key yet in {keys_dir()}; `certify keys generate` creates them.")
        return
    for info in keys:
        flags = ["current"] if info.current else []
        if not info.can_sign:
            flags.append("public key only")
        suffix = f"  ({', '.join(flags)})" if flags else ""
        click.echo(f"{info.kid}  {info.algorithm:<5}  created {info.created_at:%Y-%m-%d %H:%M %Z}"
                   f"{suffix}")


def _actor(actor_email: str | None) -> Person | None:
    """The person named by ``--by`` (for the audit log), if any."""
    if not actor_email:
        return None
    actor = db.session.scalar(sa.select(Person).where(Person.email == actor_email.lower()))
    if actor is None:
        raise click.BadParameter(f"nobody has the e-mail {actor_email}", param_hint="--by")
    return actor


certificates_cli = click.Group("certificates", help="The register of certificates.")


@certificates_cli.command("verify")
@click.argument("serial")
@click.option("--token", help="The token from the QR code (the t= part of its address).")
@with_appcontext
def verify_command(serial: str, token: str | None):
    """Say whether a certificate is VALID, REVOKED, EXPIRED, NOT_FOUND or INVALID_SIGNATURE.

    Exits with 0 only for a valid certificate. Not counted as a verification.
    """
    verdict = verify(serial, token, count=False)
    if verdict.message:
        click.secho(verdict.message, fg="red", err=True)
    click.echo(f"{verdict.serial or serial}: {verdict.state}")
    certificate = verdict.certificate
    if certificate is not None:
        click.echo(f"  {certificate.holder_name} · {certificate.programme_code} · "
                   f"issued {certificate.issued_at:%Y-%m-%d}")
        if certificate.revoked_at:
            click.echo(f"  revoked {certificate.revoked_at:%Y-%m-%d}: "
                       f"{certificate.revocation_reason}")
    raise SystemExit(0 if verdict.valid else 1)


@certificates_cli.command("revoke")
@click.argument("serial")
@click.option("--reason", required=True, type=click.Choice([str(r) for r in RevocationReason]),
              help="Why (shown translated to anyone who verifies the certificate).")
@click.option("--note", help="An internal note, never shown to the public.")
@click.option("--by", "actor_email", help="E-mail of the person revoking (for the audit log).")
@with_appcontext
@transactional_command
def revoke_command(serial: str, reason: str, note: str | None, actor_email: str | None):
    """Revoke a certificate (audit-logged); its verification page turns to REVOKED."""
    actor = _actor(actor_email)
    certificate = revoke(get_by_serial(serial), reason=reason, note=note, actor=actor)
    click.echo(f"{certificate.serial} revoked.")


# --- certify certificates issue ----------------------------------------------------------------

@certificates_cli.command("issue")
@click.option("--cohort", "cohort_id", type=int, required=True, help="The cohort's id.")
@click.option("--by", "actor_email", help="E-mail of the manager issuing (for the audit log).")
@click.option("--processes", type=click.IntRange(min=1),
              help="Processes that render PDFs (default: one per CPU, at most 4).")
@with_appcontext
def issue_command(cohort_id: int, actor_email: str | None, processes: int | None):
    """Issue the certificates of everyone eligible in a cohort, with a progress bar.

    Runs as a job (listed by `certify jobs list`); interrupted, it is resumed by
    `certify jobs resume` or by running this command again, and issues only what
    is missing.
    """
    app = current_app._get_current_object()
    try:
        cohort = get_cohort(cohort_id)
    except DomainError as error:
        raise click.BadParameter(error.message, param_hint="--cohort") from error
    actor = _actor(actor_email)
    try:
        ensure_public_base_url()
    except DomainError as error:
        raise click.UsageError(error.message) from error
    if processes:
        app.config["CERTIFICATES_RENDER_PROCESSES"] = processes
    with unit_of_work():
        job_id = enqueue("issue_cohort_certificates", started_by=actor, hand_over=False,
                         cohort_id=cohort.id, actor_id=actor.id if actor else None).id
        click.echo(f"Job #{job_id}: issuing the certificates of {cohort.name}.")
    with _ProgressBar(desc="Certificates", unit="certificate", disable=None) as bar:
        def show(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        token = progress_listener.set(show)
        try:
            run_and_deliver(app, job_id)
        finally:
            progress_listener.reset(token)
    # The job ran in a session of its own; this one has no transaction open since the commit
    # above, so it reads the job as the job left it (an older snapshot would say "queued").
    record = db.session.get(Job, job_id, populate_existing=True)
    _echo_summary(record)
    if record.status is not JobStatus.SUCCEEDED:
        raise SystemExit(1)


class _ProgressBar(tqdm):
    # No monitoring thread: a process with one thread may fork its rendering workers
    # (certificates.bulk), which start in milliseconds instead of seconds.
    monitor_interval = 0


# --- certify certificates import ---------------------------------------------------------------

@certificates_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and report the others.")
@click.option("--by", "actor_email", help="E-mail of the manager importing (for the audit log).")
@with_appcontext
def import_command(file: Path, skip_invalid: bool, actor_email: str | None):
    """Record certificates awarded before certify (pilot editions) from a CSV file.

    Columns: the people import's (email, given_names, family_names, municipality,
    country; optional position, gender, birth_year, locale), then programme (its code),
    kind (programme or participation), hours, issued_on (YYYY-MM-DD, in the past) and
    optionally original_reference. Every row is checked first: if any is invalid nothing
    is written (exit code 2) and every bad row is listed with its line number. The PDFs
    are laid out afterwards, in the foreground.
    """
    app = current_app._get_current_object()
    job_id = _import_file(file, skip_invalid, actor_email)
    if job_id is None:
        return
    run_and_deliver(app, job_id)
    record = db.session.get(Job, job_id, populate_existing=True)
    click.echo(f"PDFs created: {(record.result or {}).get('rendered', 0)}.")
    if record.status is not JobStatus.SUCCEEDED:
        click.secho(f"The job is {record.status.value}: {record.error or ''}".strip(), fg="red",
                    err=True)
        click.echo("Run `certify jobs resume` to finish it.", err=True)
        raise SystemExit(1)


@transactional_command
def _import_file(file: Path, skip_invalid: bool, actor_email: str | None) -> int | None:
    """Check and record the file's certificates in one transaction; the id of the job that
    lays out their PDFs (run by the caller once this commits), or None if none was recorded."""
    actor = _actor(actor_email)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(f"{file}: the file must be UTF-8 encoded text") from error
    try:
        report = import_certificates(text, actor=actor, skip_invalid=skip_invalid)
    except ImportRejected as error:
        echo_row_errors(file, error.row_errors)
        raise
    echo_row_errors(file, report.errors, skipped=True)
    for certificate in report.certificates:
        click.echo(f"{certificate.serial}  {certificate.holder_name}  "
                   f"{certificate.programme_code}  {certificate.issued_at:%Y-%m-%d}")
    click.echo(f"{len(report.certificates)} certificates imported "
               f"({report.people_created} people created), {len(report.errors)} skipped, "
               f"{report.rows} rows read.")
    if not report.certificates:
        return None
    return enqueue("render_certificates", started_by=actor, hand_over=False,
                   certificate_ids=[certificate.id for certificate in report.certificates]).id


def _echo_summary(record: Job) -> None:
    result = record.result or {}
    click.echo(f"Issued: {result.get('issued', 0)}. Already had one: {result.get('already', 0)}. "
               f"Not eligible: {result.get('not_eligible', 0)}. "
               f"PDFs created: {result.get('rendered', 0)}.")
    for reason, count in described_reasons(result)["reason_counts"]:
        click.echo(f"  {count} × {reason}")
    if record.status is not JobStatus.SUCCEEDED:
        click.secho(f"The job is {record.status.value}: {record.error or ''}".strip(), fg="red",
                    err=True)
        click.echo("Run `certify jobs resume` (or this command again) to finish it.", err=True)


commands: list[click.Command] = [keys_cli, certificates_cli]
