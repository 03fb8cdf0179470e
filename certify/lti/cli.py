"""``certify lti ...``: register platforms, rotate the tool's keys, sync rosters, send grades."""

from __future__ import annotations

import functools
from collections.abc import Callable

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import force_locale

from certify.cohorts.models import Cohort
from certify.core import audit
from certify.core.cli import transactional_command
from certify.core.errors import NotFound, ValidationError
from certify.extensions import db
from certify.lti import grades, platforms, roster
from certify.lti.errors import PlatformError
from certify.lti.jobs import push_pending
from certify.lti.keys import rotate_keys
from certify.lti.models import LtiContext, LtiPlatform
from certify.lti.services import sole_programme
from certify.programmes.models import Programme

lti_cli = click.Group("lti", help="Moodle and other LTI 1.3 platforms.")
# The commands' own lines are English; labels, reports and errors from the services follow,
# so an operator never reads English lines with Spanish labels (the site's default).
OPERATOR_LOCALE = "en"


def in_operator_language(command: Callable) -> Callable:
    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        with force_locale(OPERATOR_LOCALE):
            return command(*args, **kwargs)
    return wrapped


def echo_tool_values() -> None:
    values = platforms.tool_values()
    click.echo("Paste these into the platform (Moodle: Site administration > Plugins > "
               "Activity modules > External tool > Manage tools > configure a tool manually):")
    click.echo(f"  Tool name: {values.name}")
    click.echo("  LTI version: LTI 1.3")
    for label, value in values.as_rows():
        click.echo(f"  {label}: {value}")
    click.echo("  Public key type: Keyset URL")
    click.echo("  Custom parameters: (none; deep linking sets them per activity)")
    click.echo("  Supports Deep Linking (Content-Item Message): yes")
    click.echo("  Services: Assignment and Grade Services (grade sync and column management), "
               "Names and Role Provisioning (retrieve members)")
    click.echo("  Privacy: share launcher's name and e-mail with the tool: always")
    click.echo(f"  Public key (if the platform asks for one instead of the keyset URL), "
               f"kid {values.kid}:")
    click.echo(values.public_key.rstrip())


@lti_cli.command("tool-values")
@with_appcontext
@in_operator_language
def tool_values_command():
    """Print what a platform administrator pastes into the platform to add certify by hand."""
    echo_tool_values()
    db.session.commit()  # the first call generates the tool's key


def _programme(code: str | None) -> Programme | None:
    if not code:
        return None
    programme = db.session.scalar(sa.select(Programme).where(Programme.code == code))
    if programme is None:
        raise NotFound(f"There is no programme with code {code}.")
    return programme


@lti_cli.command("register-platform")
@click.option("--client-id", required=True, help="The client id the platform gave certify.")
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True,
              help="A deployment id (repeat for several).")
@click.option("--moodle-url", help="A Moodle site's address: fills the issuer and Moodle's "
                                   "login, token and key set URLs.")
@click.option("--issuer", help="The platform id (issuer).")
@click.option("--auth-login-url", help="The authentication request (OIDC) URL.")
@click.option("--token-url", help="The access token URL.")
@click.option("--key-set-url", help="The platform's public keyset URL.")
@click.option("--audience", help="The token audience, if the platform asks for one.")
@click.option("--name", help="A name for the platform (default: its address).")
@click.option("--programme", "programme_code", help="Code of the programme its courses "
                                                    "belong to (default: the only one).")
@click.option("--trusted-for-email/--not-trusted-for-email", default=False, show_default=True,
              help="Link launches to existing accounts with the same e-mail.")
@with_appcontext
@in_operator_language
@transactional_command
def register_platform(client_id, deployment_ids, moodle_url, issuer, auth_login_url, token_url,
                      key_set_url, audience, name, programme_code, trusted_for_email):
    """Register a platform (or update the one with this issuer), then print the values to
    paste into it. Exit code 2 names every missing or invalid value."""
    values = platforms.moodle_endpoints(moodle_url) if moodle_url else {}
    given = {"issuer": issuer, "auth_login_url": auth_login_url, "auth_token_url": token_url,
             "key_set_url": key_set_url}
    values.update({key: value for key, value in given.items() if value})
    values.update(client_id=client_id, deployment_ids=list(deployment_ids),
                  auth_audience=audience, trusted_for_email=trusted_for_email, active=True)
    existing = None
    if values.get("issuer"):
        existing = db.session.scalar(sa.select(LtiPlatform).where(
            LtiPlatform.issuer == values["issuer"].rstrip("/")))
    values["name"] = name or (existing.name if existing else
                              (values.get("issuer") or "").split("//")[-1][:120])
    values["programme"] = (_programme(programme_code)
                           or (existing.programme if existing else None) or sole_programme())
    try:
        platform = platforms.save_platform(existing, **values)
    except ValidationError as error:
        details = "; ".join(f"{field}: {', '.join(messages)}"
                            for field, messages in sorted(error.errors.items()))
        raise ValidationError(f"{error.message} ({details})") from error
    click.echo(f"{'Updated' if existing else 'Registered'} platform #{platform.id} "
               f"{platform.name} ({platform.issuer}, client id {platform.client_id}, "
               f"deployments {', '.join(platform.deployment_ids)}).")
    echo_tool_values()


@lti_cli.command("invite")
@with_appcontext
@in_operator_language
@transactional_command
def invite_command():
    """Print a single-use registration link for a platform's Dynamic Registration
    (Moodle: "Register a tool by URL")."""
    invite, url = platforms.create_invite(by=None)
    click.echo(f"Registration link (valid until {invite.expires_at:%Y-%m-%d %H:%M} UTC, "
               f"once): {url}")


@lti_cli.command("rotate-keys")
@with_appcontext
@in_operator_language
@transactional_command
def rotate_keys_command():
    """Make a new signing key; the previous ones stay published at /lti/jwks for a while."""
    key, retired = rotate_keys()
    audit.record_about("lti_keys.rotated", "LtiToolKey", 0, actor=None, kid=key.kid,
                       retired=list(retired))
    click.echo(f"New signing key {key.kid}.")
    if retired:
        click.echo(f"No longer published: {', '.join(retired)}.")


def _cohort(value: str) -> Cohort:
    cohort = db.session.get(Cohort, int(value)) if value.isdigit() else db.session.scalar(
        sa.select(Cohort).where(Cohort.name == value))
    if cohort is None:
        raise NotFound(f"There is no cohort {value}.")
    return cohort


@lti_cli.command("sync-roster")
@click.argument("cohort")
@with_appcontext
@in_operator_language
@transactional_command
def sync_roster_command(cohort: str):
    """Enrol the members of the platform course(s) linked to COHORT (id or name), and mark
    inactive those gone from the course."""
    target = _cohort(cohort)
    contexts = db.session.scalars(sa.select(LtiContext).where(
        LtiContext.cohort_id == target.id)).all()
    if not contexts:
        raise NotFound(f"No platform course is linked to the cohort {target.name}.")
    for context in contexts:
        try:
            report = roster.sync_roster(context)
        except PlatformError as error:
            raise PlatformError(f"{context.title or context.context_id}: {error.message} "
                                f"{error.answer}".strip()) from error
        click.echo(f"{context.title or context.context_id}: {report.summary()}")


@lti_cli.command("push-grades")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(min=1))
@with_appcontext
@in_operator_language
def push_grades_command(limit: int):
    """Send the scores that are due now (the jobs do this; run it from cron as a safety net).
    Exits with 1 if some are still waiting or failed."""
    ids = grades.due_grade_syncs(limit=limit)
    counts = push_pending(ids)
    click.echo(f"{counts['sent']} sent, {counts['pending']} to retry later, "
               f"{counts['failed']} failed (see /lti/grades).")
    if counts["pending"] or counts["failed"]:
        raise SystemExit(1)


commands = [lti_cli]
