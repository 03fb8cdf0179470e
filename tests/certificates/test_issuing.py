"""Issuing, revoking and reissuing: the snapshot, the signature, one live certificate, audit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from certify.accounts.models import Person
from certify.attendance import services as attendance
from certify.certificates import issuing
from certify.certificates.issuing import (
    issue_participation_certificate,
    issue_programme_certificate,
    prepare_certificate,
    reissue,
    revoke,
    verify,
)
from certify.certificates.models import Certificate, CertificateKind
from certify.certificates.serials import normalise_serial
from certify.certificates.status_list import LIST_SIZE
from certify.certificates.tokens import signed_claims
from certify.cohorts.models import Cohort
from certify.cohorts.services import create_cohort
from certify.core.audit import history
from certify.core.errors import Conflict, ValidationError
from certify.core.mail import OutboxMessage
from certify.core.signing import verify_compact
from certify.extensions import db
from tests.certificates.conftest import T0, enrolled


def test_a_programme_certificate_keeps_a_snapshot_of_what_it_states(world, issued):
    c = issued
    assert c.kind is CertificateKind.PROGRAMME and c.person_id == world.holder.id
    assert normalise_serial(c.serial) == c.serial
    assert c.holder_name == "María José Ñancupil Huenchumán" and c.holder_locale == "es"
    assert c.programme_code == "CRT" and c.programme_title["pt"] == "Inovação Pública"
    assert c.certificate_title["es"] == "Agente de Innovación Pública"
    assert c.modules == [
        {"code": "M1", "title": {"es": "Valor público", "pt": "Valor público",
                                 "en": "Public value"}, "hours": "24"},
        {"code": "M2", "title": {"es": "Encuentro", "pt": "Encontro", "en": "Encounter"},
         "hours": "16.5"}]
    assert c.hours == Decimal("40.5")
    assert c.place == "Santiago, Chile"
    assert c.issuer_name == "Red de Laboratorios" and c.issuer_url == "https://example.org/red"
    assert c.authorities == [{"name": "Carolina Fuentes",
                              "title": {"es": "Directora", "en": "Director"}}]
    assert c.criteria == {"virtual_quizzes": "all"}
    assert (c.programme_id, c.cohort_id, c.session_id) == (world.programme.id, world.cohort.id,
                                                           None)
    assert c.issued_at == T0 and c.expires_at is None and c.issued_by_id == world.manager.id
    assert 0 <= c.status_list_index < LIST_SIZE
    assert [event.action for event in history(c)] == ["certificate_issued"]


def test_the_token_signs_the_essential_claims(issued):
    header, claims = verify_compact(issued.token)
    assert header["alg"] == "EdDSA" and header["kid"] == issued.kid
    assert claims == signed_claims(issued) == {
        "v": 1, "sn": issued.serial, "kind": "programme", "name": "María José Ñancupil Huenchumán",
        "prog": "CRT", "hours": "40.5", "issued": "2026-12-11", "issuer": "Red de Laboratorios",
        "sl": issued.status_list_index}


def test_issuing_twice_returns_the_live_certificate(world, issued):
    again = issue_programme_certificate(world.holder, world.cohort, actor=world.manager)
    assert again.id == issued.id
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1


def test_someone_not_eligible_is_refused_with_every_reason(app, programme, manager):
    cohort = create_cohort(programme, name="Cohorte real")
    db.session.commit()
    person = enrolled(cohort)
    with force_locale("en"), pytest.raises(ValidationError) as caught:
        issue_programme_certificate(person, cohort, actor=manager)
    reasons = caught.value.errors["person_id"]
    assert reasons == ["Module 1 quiz not taken yet", "Module 2 quiz not taken yet",
                       "Module 3 quiz not taken yet", "Module 4 quiz not taken yet",
                       "In-person session not attended yet", "Group prototype not graded yet",
                       "Final survey not answered yet"]
    assert "cannot be certified yet" in caught.value.message and reasons[0] in caught.value.message
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_someone_not_enrolled_is_refused(world):
    outsider = Person(email="fuera@example.org", given_names="Fuera", family_names="Del Curso")
    db.session.add(outsider)
    db.session.commit()
    with force_locale("en"), pytest.raises(ValidationError) as caught:
        issue_programme_certificate(outsider, world.cohort, actor=world.manager)
    assert "is not enrolled" in caught.value.message


def test_the_database_allows_one_live_certificate_per_person_and_programme(world, issued):
    duplicate = prepare_certificate(
        kind=CertificateKind.PROGRAMME, person=world.holder, programme=world.programme,
        modules=list(world.programme.modules), place="", certificate_title={"es": "Otro"},
        cohort=world.cohort)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(duplicate)
    # Revoked certificates do not count: after a revocation a new one may be issued.
    revoke(issued, reason="Emitido por error", actor=world.manager)
    again = issue_programme_certificate(world.holder, world.cohort, actor=world.manager)
    assert again.id != issued.id and again.is_live


def test_a_lost_race_returns_the_winner(world, issued, monkeypatch):
    # As if a concurrent request inserted ``issued`` between our check and our insert.
    monkeypatch.setattr(issuing, "live_programme_certificate", lambda *_args: None)
    winner = issue_programme_certificate(world.holder, world.cohort, actor=world.manager)
    assert winner.id == issued.id
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1


def test_revoking_needs_a_reason_and_is_audited(world, issued):
    with pytest.raises(ValidationError) as caught:
        revoke(issued, reason="   ", actor=world.manager)
    assert caught.value.errors["reason"]
    with pytest.raises(ValidationError):
        revoke(issued, reason="x" * 501, actor=world.manager)
    revoke(issued, reason="issued_in_error", note="Datos incorrectos", actor=world.manager,
           now=T0 + timedelta(days=3))
    db.session.commit()
    assert issued.revoked_at == T0 + timedelta(days=3)
    assert (issued.revocation_reason, issued.revocation_note) == ("issued_in_error",
                                                                  "Datos incorrectos")
    assert issued.revoked_by_id == world.manager.id
    event = history(issued)[-1]
    assert (event.action, event.reason, event.actor_id) == ("certificate_revoked",
                                                            "issued_in_error", world.manager.id)
    with pytest.raises(Conflict):
        revoke(issued, reason="Otra vez", actor=world.manager)


def test_reissuing_replaces_the_certificate_with_a_new_serial(world, issued):
    world.holder.given_names = "María Josefa"
    db.session.commit()
    replacement = reissue(issued, actor=world.manager, reason="replaced",
                          note="Nombre mal escrito")
    db.session.commit()
    assert replacement.serial != issued.serial and replacement.is_live
    assert replacement.holder_name == "María Josefa Ñancupil Huenchumán"
    assert replacement.modules == issued.modules and replacement.hours == issued.hours
    assert issued.is_revoked and issued.replaced_by_id == replacement.id
    assert (issued.revocation_reason, issued.revocation_note) == ("replaced",
                                                                  "Nombre mal escrito")
    assert replacement.status_list_index != issued.status_list_index
    assert verify_compact(replacement.token)[1]["name"] == "María Josefa Ñancupil Huenchumán"
    assert [event.action for event in history(issued)] == [
        "certificate_issued", "certificate_revoked", "certificate_reissued"]
    with pytest.raises(Conflict):
        reissue(issued, actor=world.manager, reason="Otra vez")


def test_certificates_outlive_the_account_and_the_cohort(world, issued):
    serial = issued.serial
    db.session.execute(sa.delete(Person).where(Person.id == world.holder.id))
    db.session.execute(sa.delete(Cohort).where(Cohort.id == world.cohort.id))
    db.session.commit()
    db.session.expire_all()
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.serial == serial))
    assert certificate.person_id is None and certificate.cohort_id is None
    assert certificate.holder_name == "María José Ñancupil Huenchumán"
    assert verify(serial, certificate.token).valid


def _session_with(world, person, status: str | None, *, ended: bool = True):
    start = T0 - timedelta(days=2) if ended else T0 + timedelta(days=2)
    module = world.programme.modules[1]
    session = attendance.create_session(
        cohort=world.cohort, module=module, title="Encuentro Santiago", starts_at=start,
        ends_at=start + timedelta(hours=8), venue="GAM, Santiago", capacity=30)
    db.session.flush()
    registration = attendance.register(session, person, now=start - timedelta(days=5))
    if status:
        attendance.set_attendance(registration, status, by=world.manager)
    db.session.commit()
    return session


def test_a_certificate_of_participation_for_someone_present(world):
    session = _session_with(world, world.holder, "late")
    certificate = issue_participation_certificate(world.holder, session, actor=world.manager,
                                                  now=T0)
    db.session.commit()
    assert certificate.kind is CertificateKind.PARTICIPATION
    assert certificate.session_id == session.id and certificate.programme_id == world.programme.id
    assert certificate.modules == [{"code": "M2", "title": {"es": "Encuentro", "pt": "Encontro",
                                                            "en": "Encounter"}, "hours": "16.5"}]
    assert certificate.hours == Decimal("16.5") and certificate.place == "GAM, Santiago"
    assert set(certificate.certificate_title) == {"es", "pt", "en"}
    assert certificate.criteria == {}
    again = issue_participation_certificate(world.holder, session, actor=world.manager, now=T0)
    assert again.id == certificate.id
    # A programme certificate is another kind: both may be live at once.
    programme_certificate = issue_programme_certificate(world.holder, world.cohort,
                                                        actor=world.manager)
    assert programme_certificate.id != certificate.id


@pytest.mark.parametrize("status", [None, "absent", "excused"])
def test_no_certificate_of_participation_without_attendance(world, status):
    session = _session_with(world, world.holder, status)
    with force_locale("en"), pytest.raises(ValidationError) as caught:
        issue_participation_certificate(world.holder, session, actor=world.manager, now=T0)
    assert "was not checked in as present or late" in caught.value.message


def test_no_certificate_of_participation_before_the_session_ends(world):
    session = _session_with(world, world.holder, None, ended=False)
    with force_locale("en"), pytest.raises(ValidationError) as caught:
        issue_participation_certificate(world.holder, session, actor=world.manager, now=T0)
    assert "once the session has ended" in caught.value.message


def test_the_holder_is_told_once_in_their_language(world, issued):
    def mails():
        return db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.to_address == world.holder.email).order_by(OutboxMessage.id)).all()

    [told] = mails()
    assert told.locale == "es" and issued.serial in told.text_body
    assert f"/v/{issued.qr_token}" in told.text_body
    issue_programme_certificate(world.holder, world.cohort, actor=world.manager)  # the live one
    assert len(mails()) == 1
    replacement = reissue(issued, actor=world.manager, reason="replaced",
                          note="Nombre mal escrito")
    assert len(mails()) == 2 and replacement.serial in mails()[-1].text_body


def test_revocation_reasons_are_codes_shown_translated_and_the_note_stays_internal(
        client, world, issued):
    from certify.certificates.issuing import reason_label

    with force_locale("pt_BR"):
        assert reason_label("requirement_unmet") == "Um requisito foi depois considerado não cumprido"
    revoke(issued, reason="requirement_unmet", note="Asistencia mal registrada",
           actor=world.manager)
    db.session.commit()
    for language, label in (("es", "Un requisito resultó no cumplido"),
                            ("en", "A requirement was later found unmet")):
        page = client.get(f"/v/{issued.serial}?lang={language}").text
        assert label in page and "Asistencia mal registrada" not in page
    with pytest.raises(ValidationError):
        revoke(issued, reason="", actor=world.manager)
