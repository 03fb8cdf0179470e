"""``certify demo``: a ready-to-explore programme with its people."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from certify.core.cli import transactional_command
from certify.demo import national, world
from certify.demo.builder import build_demo


@click.command("demo")
@with_appcontext
@transactional_command
def demo_command():
    """Load the programme and create demo municipalities, people, a cohort and the national
    plan with a certified pilot cohort (idempotent)."""
    report = build_demo(current_app.config["CONTENT_DIR"])
    base_url = current_app.config["BASE_URL"]
    click.echo(f"Demo ready: {report.created_people} people created; cohort "
               f"'{report.cohort.name}' with {len(report.cohort.enrolments)} officials, "
               f"{report.eligible} of them eligible for certification.")
    click.echo(f"National plan: {national.CERTIFIED:,} certified agents by {national.DUE_ON}, "
               f"with yearly milestones and quotas per region and municipality; the pilot "
               f"cohort '{national.PILOT_NAME}' holds {national.PILOT_SIZE} certificates.")
    click.echo(f"\nSign in at {base_url}/login with password '{world.DEMO_PASSWORD}':")
    for email, role in report.logins:
        click.echo(f"  {role:<20} {email}")
commands = [demo_command]
