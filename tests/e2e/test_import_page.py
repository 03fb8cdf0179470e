"""A manager imports past certificates from the register: a bad row is refused with its line,
skipped on request, summarised, then recorded; and a holder's share block, at phone and
desktop widths."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e
MANAGER = "gestora@demo.certify.example"
HEADER = "email,given_names,family_names,municipality,country,programme,kind,hours,issued_on\n"
ROWS = ("piloto.e2e@example.org,Rosa,Quintana Ñirre,Melipeuco,CL,IHBG,participation,8,"
        "2025-03-14\n"
        "bad,,Soto,Atlantis,CL,NOPE,diploma,-3,2024-02-30\n")


def test_a_manager_imports_past_certificates(page, tmp_path):
    csv = tmp_path / "piloto.csv"
    csv.write_text(HEADER + ROWS, encoding="utf-8")
    sign_in(page, MANAGER)
    page.goto("/certificates")
    page.get_by_role("link", name="Importar certificados anteriores").click()
    page.set_input_files("input[type=file]", str(csv))
    page.get_by_role("button", name="Revisar el archivo").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("No se importó nada")
    expect(alert).to_contain_text("Línea 3")
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=f"test-results/import-rejected-{width}.png", full_page=True)
    assert_accessible(page)

    page.set_input_files("input[type=file]", str(csv))
    page.check("input[name=skip_invalid]")
    page.get_by_role("button", name="Revisar el archivo").click()
    expect(page.locator("h1")).to_have_text("¿Importar 1 certificado?")
    expect(page.locator(".consequences")).to_contain_text("Se omitirá 1 fila con problemas")
    expect(page.locator("#confirm-people")).to_have_text("1")
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=f"test-results/import-confirm-{width}.png", full_page=True)
    assert_accessible(page)
    page.locator("#confirm-button").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".flash-success")).to_contain_text("1 certificados importados")


def test_a_holder_shares_her_badge(page, live_app):
    from certify.accounts.models import Person
    from certify.certificates.models import Certificate
    from certify.extensions import db

    with live_app.app_context():
        email = db.session.scalar(sa.select(Person.email).join(
            Certificate, Certificate.person_id == Person.id).where(
            Certificate.revoked_at.is_(None), Certificate.kind == "programme",
            Person.password_hash.is_not(None)).order_by(Certificate.id))
        db.session.remove()
    assert email, "the demo has a holder who signs in"
    sign_in(page, email)
    page.goto("/my-certificates")
    share = page.locator("section.share").first
    # In the holder's language, whichever it is: the links are checked by where they go.
    expect(share.locator("a[href^='https://wa.me/?text=']")).to_have_count(1)
    expect(share.locator("input[readonly]")).to_have_value(re.compile(r"/badges/[0-9A-Z-]{14}"))
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        share.scroll_into_view_if_needed()
        page.screenshot(path=f"test-results/share-{width}.png", full_page=True)
    assert_accessible(page)
