"""An official registers and gets a QR ticket; a tutor on a phone checks people in.

The camera cannot be driven headless, so the ticket's QR is decoded in the page
with the vendored jsQR and its token goes through the same function the scanner
calls after reading a code (``window.certifyCheckIn.submitToken``): the JSON
check-in endpoint, with the page's CSRF token.
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

TUTOR = "tutora@demo.certify.example"

DECODE_TICKET_QR = """async () => {
  const svg = document.querySelector(".ticket-qr svg");
  const xml = new XMLSerializer().serializeToString(svg);
  const image = new Image(480, 480);
  await new Promise((resolve, reject) => {
    image.onload = resolve; image.onerror = reject;
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(xml);
  });
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 480;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0, 480, 480);
  const pixels = context.getImageData(0, 0, 480, 480);
  const code = jsQR(pixels.data, 480, 480);
  return code ? code.data : null;
}"""


@pytest.fixture(scope="module")
def world(live_app):
    """A session of the demo cohort's in-person module, two days ahead, and who takes part."""
    from certify.accounts.models import Municipality, Person
    from certify.attendance import services
    from certify.cohorts.models import Cohort, Enrolment
    from certify.core.clock import utcnow
    from certify.demo.world import COHORT_NAME
    from certify.extensions import db

    with live_app.app_context():
        cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == COHORT_NAME))
        module = services.in_person_modules(cohort.programme)[0]
        starts_at = utcnow().replace(second=0, microsecond=0) + timedelta(days=2)
        session = services.create_session(
            cohort=cohort, module=module, title="Encuentro en Santiago (prueba de acceso)",
            starts_at=starts_at, ends_at=starts_at + timedelta(hours=8),
            venue="Centro Cultural Gabriela Mistral", capacity=30)
        # Not the first official: other journeys sign in as that one.
        official = db.session.scalars(
            sa.select(Person).join(Enrolment, Enrolment.person_id == Person.id)
            .where(Enrolment.cohort_id == cohort.id).order_by(Person.id).offset(3).limit(1)).one()
        municipality = db.session.scalar(sa.select(Municipality).where(
            Municipality.name == "Curarrehue"))
        db.session.commit()
        return SimpleNamespace(session_id=session.id, official_id=official.id,
                               official_email=official.email, official_name=official.full_name,
                               family_names=official.family_names,
                               municipality_id=municipality.id)


def figures(page) -> dict[str, str]:
    return {name: page.locator(f'[data-figure="{name}"]').text_content().strip()
            for name in ("registered", "attended", "walk_ins", "rate")}


def test_an_official_registers_and_a_tutor_checks_in_on_a_phone(page, phone, live_app, world):
    from certify.attendance import services
    from certify.extensions import db

    # The official registers and sees the ticket's QR code.
    sign_in(page, world.official_email)
    page.goto(f"/sessions/{world.session_id}")
    page.locator(f'form[action="/sessions/{world.session_id}/register"] button').click()
    expect(page).to_have_url(re.compile(r"/registrations/\d+/ticket$"))
    qr = page.locator(".ticket-qr svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 200
    expect(page.locator(".ticket-holder")).to_have_text(world.official_name)
    page.add_script_tag(url="/static/vendor/jsqr/jsQR.js")
    token = page.evaluate(DECODE_TICKET_QR)
    assert token
    with live_app.app_context():
        registration = services.read_ticket(token, services.get_session(world.session_id))
        assert registration.person_id == world.official_id
        db.session.remove()
    page.screenshot(path="test-results/attendance-ticket.png", full_page=True)

    # The tutor, on a phone, finds the official by name and taps "present".
    sign_in(phone, TUTOR)
    phone.goto(f"/sessions/{world.session_id}/check-in")
    expect(phone.locator("#scanner")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    # Phone first: the scanner comes before the figures, which wait closed behind a tap.
    assert phone.evaluate("document.getElementById('scanner').compareDocumentPosition("
                          "document.getElementById('figures')) & Node.DOCUMENT_POSITION_FOLLOWING")
    assert phone.evaluate("document.getElementById('figures').open") is False
    assert phone.locator("#scanner").bounding_box()["y"] < 844  # on the first screen
    # No camera here: a calm hint that hands over to the search by name, not a red error.
    phone.evaluate("Object.defineProperty(navigator, 'mediaDevices', {value: undefined})")
    phone.locator("#scanner-start").click()
    hint = phone.locator("#scan-result")
    expect(hint).to_have_class(re.compile(r"\binfo\b"))
    expect(hint).to_have_text("Cámara no disponible: busque por nombre.")
    expect(phone.locator("#q")).to_be_focused()
    phone.fill("#q", world.family_names)
    phone.locator("#registered form.filters button[type=submit]").click()
    row = phone.locator(f'li.attendee[data-person-id="{world.official_id}"]')
    expect(row).to_have_count(1)
    present = row.locator('button[name=status][value=present]')
    assert present.bounding_box()["height"] >= 44  # big enough for a thumb
    present.click()
    row = phone.locator(f'li.attendee[data-person-id="{world.official_id}"]')
    expect(row.locator('button[value=present]')).to_have_attribute("aria-pressed", "true")

    # The ticket scanned now is reported, not counted twice (the scanner's own code path).
    outcome = phone.evaluate("token => window.certifyCheckIn.submitToken(token)", token)
    assert outcome["outcome"] == "already_checked_in"
    result = phone.locator("#scan-result")
    expect(result).to_be_visible()
    expect(result).to_have_class(re.compile(r"\bwarn\b"))
    expect(result).to_contain_text(world.official_name)
    expect(result).to_contain_text(re.compile(r"\d{1,2}:\d{2}"))  # "already checked in at 10:32"

    # Someone who never registered is added on the spot.
    phone.locator("#new-walk-in summary").click()
    phone.fill("#new-walk-in input[name=given_names]", "Rosa")
    phone.fill("#new-walk-in input[name=family_names]", "Millán Huenchumán")
    phone.fill("#new-walk-in input[name=email]", "rosa.millan@curarrehue.example.org")
    phone.select_option("#new-walk-in select[name=municipality_id]",
                        str(world.municipality_id))
    phone.locator("#new-walk-in button[type=submit]").click()
    phone.wait_for_load_state("networkidle")

    # 1 registered person attended + 1 walk-in: 2 in the room, 100% of the registered.
    assert figures(phone) == {"registered": "1", "attended": "2", "walk_ins": "1",
                              "rate": "100%"}
    phone.screenshot(path="test-results/attendance-check-in-phone.png", full_page=True)
    with live_app.app_context():
        counted = services.session_figures([services.get_session(world.session_id)])
        assert counted[world.session_id].attended_registered == 1
        assert counted[world.session_id].walk_ins == 1
        db.session.remove()


def test_a_ticket_of_another_session_is_refused_at_the_door(phone, live_app, world):
    from certify.accounts.models import Person
    from certify.attendance import services
    from certify.extensions import db

    with live_app.app_context():
        original = services.get_session(world.session_id)
        registration = services.register(original, db.session.get(Person, world.official_id))
        other = services.create_session(
            cohort=original.cohort, module=original.module, title="Otra sesión (prueba)",
            starts_at=original.starts_at + timedelta(days=1),
            ends_at=original.ends_at + timedelta(days=1), venue="GAM", capacity=5)
        db.session.commit()
        token, other_id = services.ticket_token(registration), other.id
        db.session.remove()
    sign_in(phone, TUTOR)
    phone.goto(f"/sessions/{other_id}/check-in")
    outcome = phone.evaluate("token => window.certifyCheckIn.submitToken(token)", token)
    assert outcome["code"] == "invalid_ticket" and outcome["errors"]["token"]
    result = phone.locator("#scan-result")
    expect(result).to_have_class(re.compile(r"\bbad\b"))
    expect(result).to_have_text(outcome["message"])
    with live_app.app_context():
        assert services.session_figures([services.get_session(other_id)])[other_id].attended == 0
        db.session.remove()
