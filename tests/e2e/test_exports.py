"""Personal-data CSV files download by a button that posts (CSRF on) and are audit-logged;
a GET of their address shows the button (issue 17)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_foundation_journeys import MANAGER

pytestmark = pytest.mark.e2e


def first_cohort_id(live_app) -> int:
    import sqlalchemy as sa

    from certify.cohorts.models import Cohort
    from certify.extensions import db

    with live_app.app_context():
        return db.session.scalar(sa.select(Cohort.id).order_by(Cohort.id))


@pytest.mark.parametrize("device", ["page", "phone"])
def test_the_register_and_the_overview_download_by_post(device, request, live_app, tmp_path):
    browser_page = request.getfixturevalue(device)
    sign_in(browser_page, MANAGER)
    browser_page.goto("/reports")
    button = browser_page.get_by_role("button", name="Registro de agentes certificados (CSV)")
    button.scroll_into_view_if_needed()
    browser_page.screenshot(path=f"test-results/reports-downloads-{device}.png", full_page=True)
    with browser_page.expect_download() as download:
        button.click()
    download.value.save_as(tmp_path / "register.csv")
    assert "serial" in (tmp_path / "register.csv").read_text(encoding="utf-8-sig")

    browser_page.goto("/reports/register.csv")
    expect(browser_page.locator("main")).to_contain_text("registrada en la auditoría")
    browser_page.screenshot(path=f"test-results/export-offer-{device}.png", full_page=True)
    with browser_page.expect_download() as download:
        browser_page.get_by_role("button", name="Descargar (CSV)").click()
    assert download.value.suggested_filename.endswith("-register-" + download.value
                                                      .suggested_filename[-14:])

    browser_page.goto(f"/cohorts/{first_cohort_id(live_app)}/overview")
    browser_page.screenshot(path=f"test-results/overview-export-{device}.png")
    with browser_page.expect_download() as download:
        browser_page.get_by_role("button", name="Exportar CSV").click()
    assert download.value.suggested_filename.endswith("-overview.csv")

    browser_page.goto("/audit")
    browser_page.select_option("select[name=action]", "register.exported")
    browser_page.get_by_role("button", name="Filtrar").click()
    expect(browser_page.locator("tbody tr").first).to_contain_text(
        "Registro de agentes certificados exportado")
