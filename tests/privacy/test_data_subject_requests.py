"""Data-subject requests: a person's export holds all their data; erasure anonymises them
while their certificates stay verifiable (issue 17)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from certify.accounts.models import ApiToken, Person
from certify.accounts.services import authenticate, issue_api_token
from certify.certificates.bulk import record_pdf_files, render_and_store
from certify.certificates.issuing import issue_programme_certificate
from certify.certificates.models import Certificate
from certify.certificates.rendering import certificate_pdf
from certify.certificates.verification import VerificationState, verify
from certify.cohorts.models import GroupMembership
from certify.core.audit import AuditEvent
from certify.core.errors import Conflict, ValidationError
from certify.core.mail import OutboxMessage, queue_email
from certify.demo.builder import build_demo
from certify.extensions import db
from certify.privacy.erasure import erase_person
from certify.privacy.export import export_person, personal_data
from certify.surveys.models import SurveyAnswer, SurveyResponse
from tests.factories import make_person


@pytest.fixture
def world(app):
    """The demo world and one eligible official with a certificate, a token and an e-mail."""
    report = build_demo(app.config["CONTENT_DIR"])
    manager = db.session.scalar(sa.select(Person).where(
        Person.email == "gestora@demo.certify.example"))
    holder = next(db.session.get(Person, enrolment.person_id)
                  for enrolment in report.cohort.enrolments
                  if db.session.scalar(sa.select(sa.func.count(GroupMembership.person_id)).where(
                      GroupMembership.person_id == enrolment.person_id))
                  and db.session.scalar(sa.select(sa.func.count(SurveyResponse.id)).where(
                      SurveyResponse.person_id == enrolment.person_id))
                  and enrolment.person.email == report.logins[-2][0])
    certificate = issue_programme_certificate(holder, report.cohort, actor=manager)
    record_pdf_files(render_and_store([certificate]))  # as issuance's render job does
    issue_api_token(holder, "laptop")
    queue_email(holder.email, "Su certificado", "Hola")
    db.session.commit()
    return manager, holder, certificate


def _person_rows(person: Person) -> dict[str, int]:
    """How many rows of each table point at ``person`` through a ``person_id`` column."""
    counts = {}
    for table in db.metadata.sorted_tables:
        if "person_id" in table.c and any(fk.column.table.name == "person"
                                          for fk in table.c.person_id.foreign_keys):
            n = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                  .where(table.c.person_id == person.id))
            if n:
                counts[table.name] = n
    return counts


def test_an_export_holds_every_row_about_the_person_and_their_files(world):
    manager, holder, certificate = world
    document = personal_data(holder)
    assert document["person"]["email"] == holder.email
    assert "password_hash" not in document["person"]
    for table, count in _person_rows(holder).items():
        assert len(document["records"][table]) == count, table
    assert {"enrolment", "quiz_attempt", "registration", "survey_response", "survey_answer",
            "group_membership", "certificate", "api_token"} <= set(document["records"])
    assert all("token_hash" not in row for row in document["records"]["api_token"])

    archive = export_person(holder, actor=manager)
    with zipfile.ZipFile(io.BytesIO(archive.data)) as opened:
        names = opened.namelist()
        assert f"files/certificates/{certificate.serial}.pdf" in names
        assert opened.read(f"files/certificates/{certificate.serial}.pdf") == certificate_pdf(
            certificate)
        exported = json.loads(opened.read("personal-data.json"))
    assert exported["records"].keys() == document["records"].keys()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "person.exported"))
    assert event.subject_id == holder.id and event.actor_id == manager.id
    assert [e["action"] for e in personal_data(holder)["audit_events"]] == [
        "person.created", "api_token.created", "person.exported"]

    # The manager's own export tells what they recorded about others, never those records.
    document = personal_data(manager)
    assert "certificate" not in document["records"]  # the manager issued it: only a count
    assert document["recorded_by_them"].get("certificate.issued_by_id", 0) >= 1
    assert holder.email not in json.dumps(document)


def test_erasure_anonymises_the_person_and_keeps_the_certificate_valid(world):
    manager, holder, certificate = world
    email, name, folded = holder.email, certificate.holder_name, holder.search_name
    stamp = holder.session_stamp
    texts = sa.select(sa.func.count(SurveyAnswer.id)).join(SurveyResponse).where(
        SurveyResponse.person_id == holder.id)
    scores_before = db.session.scalar(texts.where(SurveyAnswer.score.is_not(None)))
    erase_person(holder, actor=manager, revoke_certificates=False, reason="Request of 3 May")
    db.session.commit()

    assert holder.email != email and email.split("@")[0] not in holder.email
    assert holder.given_names != name and not holder.active and holder.password_hash is None
    assert holder.roles == set() and authenticate(email, "innovacion-2026") is None
    assert holder.session_stamp != stamp  # signed out everywhere
    assert not db.session.scalar(sa.select(sa.func.count(ApiToken.id)).where(
        ApiToken.person_id == holder.id))
    assert db.session.scalar(texts.where(SurveyAnswer.text.is_not(None))) == 0
    assert db.session.scalar(texts.where(SurveyAnswer.score.is_not(None))) == scores_before
    assert not db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.to_address == email))
    after = json.dumps(personal_data(holder), ensure_ascii=False)
    assert email not in after and folded not in after and holder.family_names not in name

    verdict = verify(certificate.serial, certificate.token, count=False)
    assert verdict.state is VerificationState.VALID
    assert db.session.get(Certificate, certificate.id).holder_name == name
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "person.erased"))
    assert event.actor_id == manager.id and event.reason == "Request of 3 May"
    assert event.details["certificates_kept"] == [certificate.serial]
    with pytest.raises(Conflict):
        erase_person(holder, actor=manager, revoke_certificates=False, reason="again")


    # The manager may instead revoke what the register holds, for a reason.
    other = make_person()
    with pytest.raises(ValidationError):
        erase_person(other, actor=manager, revoke_certificates=True, reason=" ")
    with pytest.raises(Conflict):
        erase_person(manager, actor=manager, revoke_certificates=False, reason="me")
    pilot = db.session.scalar(sa.select(Certificate).where(
        Certificate.person_id.is_not(None), Certificate.revoked_at.is_(None),
        Certificate.id != certificate.id).order_by(Certificate.id))
    erase_person(db.session.get(Person, pilot.person_id), actor=manager,
                 revoke_certificates=True, reason="Holder asked")
    assert verify(pilot.serial, pilot.token, count=False).state is VerificationState.REVOKED
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "person.erased", AuditEvent.reason == "Holder asked"))
    assert event.details["certificates_revoked"] == [pilot.serial]


def test_the_pages_and_the_command_line(world, app, client, login_as, tmp_path):
    manager, holder, certificate = world
    login_as(holder)
    assert client.get(f"/people/{holder.id}/privacy").status_code == 403
    own = client.post("/account/data")
    assert own.status_code == 200 and own.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(own.data)) as opened:
        assert json.loads(opened.read("personal-data.json"))["person"]["id"] == holder.id
    assert "/account/data" in client.get("/account").text

    login_as(manager)
    page = client.get(f"/people/{holder.id}/privacy")
    assert page.status_code == 200 and holder.full_name in page.text
    exported = client.post(f"/people/{holder.id}/privacy/export")
    assert exported.status_code == 200 and exported.headers["Cache-Control"] == "no-store"
    wrong = client.post(f"/people/{holder.id}/privacy/erase", data={
        "confirm_email": "someone@else.org", "certificates": "keep", "reason": "asked"})
    assert wrong.status_code == 422 and holder.active
    done = client.post(f"/people/{holder.id}/privacy/erase", data={
        "confirm_email": holder.email, "certificates": "keep", "reason": "asked"})
    assert done.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Person, holder.id).active

    # The same from the command line, for a pilot holder.
    holder = db.session.scalar(sa.select(Person).join(
        Certificate, Certificate.person_id == Person.id).where(Certificate.id != certificate.id)
        .order_by(Person.id))
    runner = app.test_cli_runner()
    target = tmp_path / "export.zip"
    result = runner.invoke(args=["people", "export", holder.email, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(target)
    missing = runner.invoke(args=["people", "export", "nobody@example.org"])
    assert missing.exit_code == 2
    result = runner.invoke(args=["people", "erase", holder.email, "--certificates", "keep",
                                 "--reason", "Request by letter"])
    assert result.exit_code == 0, result.output
    assert db.session.get(Person, holder.id).active is False


def test_an_official_cannot_erase_anyone(client, login_as):
    official = login_as(make_person())
    other = make_person()
    response = client.post(f"/people/{other.id}/privacy/erase", data={
        "confirm_email": other.email, "certificates": "keep", "reason": "x"})
    assert response.status_code == 403 and official.active
