"""The holder is told by e-mail, in their language, when a certificate is revoked or reissued."""

from __future__ import annotations

import sqlalchemy as sa

from certify.certificates.issuing import issue_programme_certificate, reissue, revoke
from certify.core.mail import OutboxMessage
from certify.extensions import db
from tests.certificates.conftest import T0, enrolled
from tests.factories import make_municipality


def mails_to(person) -> list[OutboxMessage]:
    return db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.to_address == person.email).order_by(OutboxMessage.id)).all()


def test_revoking_tells_the_holder_why_in_their_language(world):
    holder = enrolled(world.cohort, given_names="João", family_names="Araújo",
                      preferred_locale="pt_BR")
    certificate = issue_programme_certificate(holder, world.cohort, actor=world.manager, now=T0)
    revoke(certificate, reason="issued_in_error", note="Conta errada", actor=world.manager)
    db.session.commit()
    issued, revoked = mails_to(holder)
    assert revoked.locale == "pt_BR"
    assert revoked.subject == f"Seu certificado {certificate.serial} foi revogado"
    assert "Motivo: Emitido por engano" in revoked.text_body  # the reason, in Portuguese
    assert "Conta errada" not in revoked.text_body  # the note is the managers' own
    assert "Olá, João" in revoked.text_body and "não é mais válido" in revoked.text_body
    assert f"https://certify.test/v/{certificate.qr_token}" in revoked.text_body


def test_reissuing_sends_one_message_with_the_new_link(world, issued):
    replacement = reissue(issued, actor=world.manager, reason="replaced",
                          note="Nombre mal escrito")
    db.session.commit()
    issued_mail, reissued = mails_to(world.holder)
    assert reissued.locale == "es" and replacement.serial in reissued.subject + reissued.text_body
    assert issued.serial in reissued.text_body and "Motivo: Reemplazado por un certificado corregido" in (
        reissued.text_body)
    assert f"https://certify.test/v/{replacement.qr_token}" in reissued.text_body
    assert f"/certificates/{replacement.serial}.pdf" in reissued.text_body
    assert "revocado" not in reissued.subject


def test_no_message_when_the_holder_has_no_account_any_more(world, issued):
    issued.person_id = None
    db.session.commit()
    revoke(issued, reason="Registro duplicado", actor=world.manager)
    db.session.commit()
    assert len(mails_to(world.holder)) == 1  # the one that said it was issued


def test_the_issued_e_mail_gives_the_moment_in_the_recipients_zone(world):
    # T0 is 18:30 UTC: 15:30 in Santiago (summer time), 14:30 in Manaus.
    amazonas = make_municipality(country="BR", region="Amazonas")
    holder = enrolled(world.cohort, preferred_locale="pt_BR", municipality=amazonas)
    issue_programme_certificate(holder, world.cohort, actor=world.manager, now=T0)
    chilean = enrolled(world.cohort, preferred_locale="en")
    chilean.time_zone = "America/Santiago"
    issue_programme_certificate(chilean, world.cohort, actor=world.manager, now=T0)
    db.session.commit()
    [issued] = mails_to(holder)
    assert "Emitido em 11 de dez. de 2026 14:30:00 (Horário do Amazonas)" in issued.text_body
    assert "14:30:00 (Horário do Amazonas)" in issued.html_body
    [issued] = mails_to(chilean)
    assert "Issued on Dec 11, 2026, 3:30:00\u202fPM (Chile Time)" in issued.text_body
