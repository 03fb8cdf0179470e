"""A manager issues a certificate; its QR opens VALID on a phone; revoked, it says REVOKED.

The holder's page shows the same QR code as the PDF; it is decoded in the page
with the vendored jsQR, and the phone opens the address it holds (on the live
server instead of CERTIFY_BASE_URL).
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

MANAGER = "gestora@demo.certify.example"
BASE_URL = "https://certify.test"  # what tests/conftest.make_app sets

DECODE_QR = """async (selector) => {
  const svg = document.querySelector(selector);
  const xml = new XMLSerializer().serializeToString(svg);
  const image = new Image(600, 600);
  await new Promise((resolve, reject) => {
    image.onload = resolve; image.onerror = reject;
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(xml);
  });
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 600;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0, 600, 600);
  const code = jsQR(context.getImageData(0, 0, 600, 600).data, 600, 600);
  return code ? code.data : null;
}"""


@pytest.fixture(scope="module")
def certificate_world(live_app):
    """Two eligible officials of the demo cohort, neither holding a certificate yet."""
    from certify.cohorts.models import Cohort
    from certify.demo.world import COHORT_NAME
    from certify.extensions import db
    from certify.progress.services import cohort_progress

    with live_app.app_context():
        cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == COHORT_NAME))
        # From the end of the list: other journeys sign in as the first eligible official.
        eligible = [row.person for row in cohort_progress(cohort) if row.eligibility.eligible]
        first, second = eligible[-1], eligible[-2]
        world = SimpleNamespace(cohort_id=cohort.id, holder_id=first.id, holder_email=first.email,
                                holder_name=first.full_name, other_id=second.id,
                                other_email=second.email)
        db.session.remove()
    return world


def live(url: str, live_server: str) -> str:
    assert url.startswith(BASE_URL)
    return live_server + url.removeprefix(BASE_URL)


def test_issue_scan_on_a_phone_revoke(page, phone, live_server, certificate_world):
    world = certificate_world
    # The manager issues the certificate from the cohort's certificates page.
    sign_in(page, MANAGER)
    page.goto(f"/cohorts/{world.cohort_id}/certificates")
    row = page.locator(f"#person-{world.holder_id}")
    row.locator("button[type=submit]").click()
    # A confirmation page first, served like any page: no JavaScript dialog to dismiss.
    expect(page.locator("#confirm-people")).to_have_text("1")
    page.locator("#confirm-button").click()
    page.wait_for_load_state("networkidle")
    serial = page.locator(f"#person-{world.holder_id} code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", serial)
    page.screenshot(path="test-results/certificates-cohort.png", full_page=True)

    # The holder sees it with its QR code, copies the link, and the QR holds that address.
    holder = page.context.browser.new_context(base_url=live_server, locale="es-CL")
    holder.grant_permissions(["clipboard-read", "clipboard-write"])
    mine = holder.new_page()
    sign_in(mine, world.holder_email)
    mine.goto("/my-certificates")
    card = mine.locator(f"#certificate-{serial}")
    expect(card).to_be_visible()
    expect(card.locator("a[href*='linkedin.com/profile/add']")).to_have_attribute(
        "href", re.compile(rf"certId={serial}"))
    card.locator("button[data-copy]").click()  # the badge page, which previews the badge
    assert mine.evaluate("navigator.clipboard.readText()") == f"{BASE_URL}/badges/{serial}"
    mine.add_script_tag(url="/static/vendor/jsqr/jsQR.js")
    link = mine.evaluate(DECODE_QR, f"#certificate-{serial} svg.qr")
    assert re.fullmatch(rf"{re.escape(BASE_URL)}/v/[0-9]{{300,500}}", link)  # the short token
    with mine.expect_download() as download:
        card.locator("a[href$='/credential']").click()
    assert download.value.suggested_filename == f"open-badge-{serial}.jwt"
    with mine.expect_download() as download:  # the baked badge: the emblem with the credential
        card.locator("a[href$='/badge']").click()
    assert download.value.suggested_filename == f"badge-{serial}.svg"
    mine.screenshot(path="test-results/certificates-mine.png", full_page=True)
    mine.set_viewport_size({"width": 390, "height": 844})
    mine.screenshot(path="test-results/certificates-mine-phone.png", full_page=True)
    holder.close()

    # Scanned with a phone: the page says VALID, in big letters, with the holder's name.
    phone.goto(live(link, live_server))
    verdict = phone.locator(".verdict")
    expect(verdict).to_have_class(re.compile(r"verdict-valid"))
    expect(phone.locator(".certificate-facts .holder")).to_have_text(world.holder_name)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert verdict.locator(".verdict-word").bounding_box()["height"] >= 35
    phone.screenshot(path="test-results/certificates-valid-phone.png", full_page=True)

    # The manager revokes it with a reason; the same scan now says REVOKED.
    page.goto(f"/certificates/{serial}")
    page.select_option("#revoke select[name=reason]", "issued_in_error")
    page.fill("#revoke textarea[name=note]", "Emitido a la persona equivocada")
    page.screenshot(path="test-results/certificates-revoke-form-desktop.png", full_page=True)
    page.locator("#revoke button[type=submit]").click()
    # A confirmation page says what happens and that it cannot be undone; nothing yet.
    expect(page.locator("h1")).to_contain_text(serial)
    expect(page.locator("blockquote.quoted")).to_have_text("Emitido por error")
    page.screenshot(path="test-results/certificates-revoke-confirm-desktop.png", full_page=True)
    page.locator("#confirm-button").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".flash-success")).to_contain_text(serial)
    phone.reload()
    expect(phone.locator(".verdict")).to_have_class(re.compile(r"verdict-revoked"))
    expect(phone.locator(".verdict")).to_contain_text("Emitido por error")  # the reason's label
    expect(phone.locator("main")).not_to_contain_text("persona equivocada")  # the note is internal
    phone.screenshot(path="test-results/certificates-revoked-phone.png", full_page=True)


def test_a_visitor_types_a_code_with_a_typo_then_the_right_one(page, live_app,
                                                               certificate_world):
    from certify.accounts.models import Person
    from certify.certificates.issuing import issue_programme_certificate
    from certify.cohorts.models import Cohort
    from certify.extensions import db

    with live_app.app_context():
        certificate = issue_programme_certificate(
            db.session.get(Person, certificate_world.other_id),
            db.session.get(Cohort, certificate_world.cohort_id), actor=None)
        db.session.commit()
        serial = certificate.serial
        db.session.remove()

    typed = serial.lower().replace("-", " ")
    mistyped = typed[1] + typed[0] + typed[2:] if typed[0] != typed[1] else typed[:-1] + (
        "0" if typed[-1] != "0" else "1")
    page.goto("/v")
    page.fill("input[name=serial]", mistyped)
    page.locator("form button[type=submit]").click()
    expect(page.locator(".field-error")).to_be_visible()
    page.fill("input[name=serial]", typed)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/v/{serial}$"))
    expect(page.locator(".verdict")).to_have_class(re.compile(r"verdict-valid"))
