"""A manager exports a person's data and finds the export in the audit log; an official
downloads their own data (issue 17)."""

from __future__ import annotations

import json
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_menu, sign_in
from tests.e2e.test_foundation_journeys import MANAGER, first_official

pytestmark = pytest.mark.e2e


def test_a_manager_exports_a_persons_data_and_sees_it_in_the_audit_log(page, live_app, tmp_path):
    official = first_official(live_app)
    sign_in(page, MANAGER)
    open_menu(page, "Administración", "Personas")
    page.fill("input[name=q]", official)
    page.get_by_role("button", name="Filtrar").click()
    page.locator("tbody tr a").first.click()
    page.get_by_role("link", name="Datos personales: exportar o eliminar").click()
    expect(page.locator("h1")).to_contain_text("Datos personales")
    with page.expect_download() as download:
        page.get_by_role("button", name="Descargar sus datos").click()
    archive = tmp_path / "export.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as opened:
        assert json.loads(opened.read("personal-data.json"))["person"]["email"] == official

    page.goto("/people")
    page.get_by_role("link", name="Auditoría").click()
    page.select_option("select[name=action]", "person.exported")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("tbody tr").first).to_contain_text("Datos personales exportados")
    page.screenshot(path="test-results/audit-log.png", full_page=True)


def test_an_official_downloads_their_own_data(phone, live_app, tmp_path):
    official = first_official(live_app)
    sign_in(phone, official)
    phone.goto("/account")
    with phone.expect_download() as download:
        # Another browser test may have switched this person's language: find the form by address.
        phone.locator("form[action$='/account/data'] button[type=submit]").click()
    archive = tmp_path / "mine.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as opened:
        assert json.loads(opened.read("personal-data.json"))["person"]["email"] == official
