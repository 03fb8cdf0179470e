"""A manager's day at 390 and 1280 px: the cohort overview, one person's progress, the
certificates page and its confirmation before issuing, a certificate's revoke and reissue
forms; no page scrolls sideways."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

MANAGER = "gestora@demo.certify.example"


def fits(page) -> None:
    """Nothing scrolls sideways, and axe finds no serious or critical violation."""
    assert_accessible(page)


def demo_cohort_id(live_app) -> int:
    from certify.cohorts.models import Cohort
    from certify.demo.world import COHORT_NAME
    from certify.extensions import db

    with live_app.app_context():
        return db.session.scalar(sa.select(Cohort.id).where(Cohort.name == COHORT_NAME))


@pytest.mark.parametrize("width", [390, 1280])
def test_a_managers_day(page_at, live_app, width):
    page = page_at(width)
    sign_in(page, MANAGER)
    cohort_id = demo_cohort_id(live_app)

    page.goto(f"/cohorts/{cohort_id}/overview")
    fits(page)
    missing = page.locator("details.not-eligible").first
    missing.locator("summary").click()
    expect(missing.locator("ul.missing li").first).to_be_visible()
    page.screenshot(path=f"test-results/manager-overview-{width}.png")
    name = page.locator("table.overview tbody tr").first.locator("td a").first
    person_name = name.inner_text()
    name.click()
    expect(page).to_have_url(re.compile(r"/people/\d+/progress$"))
    expect(page.locator("h1")).to_be_visible()
    fits(page)
    page.screenshot(path=f"test-results/manager-person-progress-{width}.png", full_page=True)
    assert person_name.split(",")[0] in page.locator("h1").inner_text()

    page.goto(f"/cohorts/{cohort_id}/certificates")
    fits(page)
    page.locator("#issue-all").click()
    expect(page.locator("#confirm-people")).to_be_visible()
    fits(page)
    page.screenshot(path=f"test-results/manager-issue-confirm-{width}.png", full_page=True)
    page.get_by_role("link", name="Cancelar y volver").click()
    expect(page).to_have_url(re.compile(rf"/cohorts/{cohort_id}/certificates$"))

    page.goto("/certificates?status=live")  # other browser tests may have revoked the first
    page.locator("table a[href^='/certificates/']").first.click()
    expect(page.locator("#revoke-reason")).to_be_visible()
    # Each label focuses its own box.
    page.locator("label[for=reissue-reason]").click()
    expect(page.locator("#reissue-reason")).to_be_focused()
    fits(page)
    page.screenshot(path=f"test-results/manager-certificate-{width}.png", full_page=True)
