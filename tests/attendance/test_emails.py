"""The e-mails of the attendance area: in the recipient's language, with the ticket's QR."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from certify.attendance import services
from certify.extensions import db
from tests.attendance.conftest import make_session, outbox

TUESDAY = datetime(2026, 10, 6, 12, 0, tzinfo=UTC)  # 9:00 in Santiago


def test_the_ticket_e_mail_is_in_the_recipient_s_language(cohort, officials):
    session = make_session(cohort)
    services.update_session(session, starts_at=TUESDAY, ends_at=TUESDAY + timedelta(hours=8))
    english, = officials(1, preferred_locale="en")
    portuguese, = officials(1, preferred_locale="pt_BR")
    spanish, = officials(1, preferred_locale="es")
    for person in (english, portuguese, spanish):
        services.register(session, person, now=TUESDAY - timedelta(days=7))
    db.session.commit()

    [to_english] = outbox(english.email)
    assert to_english.locale == "en"
    assert to_english.subject == f"Your ticket for {session.title}"
    assert "Tuesday, October 6, 2026" in to_english.text_body
    assert "Hello " + english.given_names in to_english.text_body
    assert "terça-feira" in outbox(portuguese.email)[0].text_body
    assert "martes, 6 de octubre de 2026" in outbox(spanish.email)[0].text_body
    assert 'lang="pt-BR"' in outbox(portuguese.email)[0].html_body


def test_the_attached_qr_is_a_png_of_the_ticket(session, enrolled):
    registration = services.register(session, enrolled)
    db.session.commit()
    [message] = outbox(enrolled.email)
    [attachment] = message.attachments
    assert attachment["content_type"] == "image/png" and attachment["content_id"] == "ticket-qr"
    image = Image.open(io.BytesIO(base64.b64decode(attachment["data"])))
    assert image.format == "PNG" and image.width == image.height >= 200
    assert registration.ticket_code not in message.text_body  # the code travels signed only


def test_a_failed_registration_sends_nothing(session, enrolled):
    services.register(session, enrolled)
    assert len(outbox(enrolled.email)) == 1
    db.session.rollback()
    assert outbox(enrolled.email) == [] and services.find_registration(session, enrolled) is None
