"""Issuing refuses a CERTIFY_BASE_URL that only this machine or network reaches: every QR code
and link printed on the certificates would lead nowhere (except on a developer's machine)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.certificates import bulk
from certify.certificates.issuing import issue_programme_certificate
from certify.certificates.links import ensure_public_base_url
from certify.certificates.models import Certificate
from certify.core.errors import Conflict
from certify.core.jobs import Job
from certify.extensions import db

LOCAL = ["http://127.0.0.1:5000", "http://localhost:5000", "https://10.1.2.3", "http://[::1]",
         "https://192.168.0.10/certify", "http://certify", "https://certify.local",
         "https://certify.internal", "http://169.254.1.1", ""]
PUBLIC = ["https://certify.test", "https://certificados.gob.example", "https://8.8.8.8"]


@pytest.fixture
def local_base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:5000")
    monkeypatch.setitem(app.config, "DEVELOPMENT", False)


@pytest.mark.parametrize("address", LOCAL)
def test_local_addresses_are_refused(app, monkeypatch, address):
    monkeypatch.setitem(app.config, "BASE_URL", address)
    monkeypatch.setitem(app.config, "DEVELOPMENT", False)
    with pytest.raises(Conflict, match="CERTIFY_BASE_URL"):
        ensure_public_base_url()
    monkeypatch.setitem(app.config, "DEVELOPMENT", True)  # a developer's machine
    ensure_public_base_url()


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_accepted(app, monkeypatch, address):
    monkeypatch.setitem(app.config, "BASE_URL", address)
    monkeypatch.setitem(app.config, "DEVELOPMENT", False)
    ensure_public_base_url()


def test_the_service_issues_nothing(world, local_base_url):
    with pytest.raises(Conflict):
        issue_programme_certificate(world.holder, world.cohort, actor=world.manager)
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_the_job_refuses_before_issuing_anything(world, local_base_url):
    with pytest.raises(Conflict):
        bulk.issue_cohort(world.cohort, actor=world.manager)
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_the_page_says_why_and_starts_no_job(client, login_as, world, local_base_url):
    login_as(world.manager)
    response = client.post(f"/cohorts/{world.cohort.id}/certificates/issue-all?lang=en",
                           follow_redirects=True)
    assert "CERTIFY_BASE_URL is “http://127.0.0.1:5000”" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0
    response = client.post(f"/cohorts/{world.cohort.id}/certificates?lang=en",
                           data={"person_id": world.holder.id}, follow_redirects=True)
    assert "CERTIFY_BASE_URL" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_the_command_exits_2_and_says_why(app, world, local_base_url):
    result = app.test_cli_runner().invoke(args=[
        "certificates", "issue", "--cohort", str(world.cohort.id)])
    assert result.exit_code == 2 and "CERTIFY_BASE_URL" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0
