"""The national dashboard on a phone, on the demo data: the target, the pace needed, the
forecast, the regional table and the equity comparison (the demo's national plan and
its certified pilot cohort, certify.demo.national)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

MANAGER = "gestora@demo.certify.example"


@pytest.fixture
def national_plan(live_app):
    """The programme certificates on the shared server now: the demo pilot's, and any other
    browser tests issued."""
    from certify.certificates.models import Certificate, CertificateKind
    from certify.demo.national import PILOT_SIZE
    from certify.extensions import db

    with live_app.app_context():
        programme_certificates = sa.select(sa.func.count()).select_from(Certificate).where(
            Certificate.kind == CertificateKind.PROGRAMME)
        live = programme_certificates.where(Certificate.revoked_at.is_(None))
        counts = {"live": db.session.scalar(live),
                  "register": db.session.scalar(programme_certificates)}
        db.session.remove()
    assert counts["live"] >= PILOT_SIZE
    return counts


def in_english(page, live_server) -> None:
    page.context.add_cookies([{"name": "certify_locale", "value": "en", "url": live_server}])


def test_the_dashboard_on_a_phone_shows_target_pace_and_forecast(phone, live_server,
                                                                  national_plan):
    sign_in(phone, MANAGER)
    in_english(phone, live_server)
    phone.goto("/reports")
    expect(phone.locator("h1")).to_have_text("National programme tracking")
    certified = phone.locator("#certified")
    expect(certified).to_contain_text(str(national_plan["live"]))
    expect(certified).to_contain_text("certified of a target of 5,000")
    expect(phone.locator("#standing")).to_contain_text("Behind the target path")
    expect(phone.locator("#needed")).to_contain_text("needed per month from now")
    expect(phone.locator("#pace-3")).to_contain_text("at this pace, the target is reached on")
    expect(phone.locator("#pace-12")).to_contain_text("per month over the last 12 months")
    chart = phone.locator("figure.report-chart svg.chart-phone")
    expect(chart).to_be_visible()
    expect(phone.locator("figure.report-chart svg.chart:not(.chart-phone)")).to_be_hidden()
    expect(chart.locator("title")).to_have_text("Certified agents against the target path")
    # The phone drawing fits whole, up to the due date: neither the page nor the chart scrolls.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone.evaluate("(() => { const box = document.querySelector('figure.report-chart');"
                          " return box.scrollWidth <= box.clientWidth; })()")
    phone.screenshot(path="test-results/dashboard-phone.png", full_page=True)

    phone.locator(".report-tabs").get_by_role("link", name="Regions and municipalities").click()
    expect(phone.locator("table.places tbody tr").first).to_be_visible()
    expect(phone.locator("table.places tfoot")).to_contain_text("5,000")
    phone.locator(".report-tabs").get_by_role("link", name="Equity").click()
    expect(phone.locator("#gender")).to_contain_text("Women")
    expect(phone.locator("#gender")).to_contain_text("Illustrative shares of a national "
                                                     "civil service")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_manager_filters_the_regions_and_downloads_the_register(page, live_server,
                                                                  national_plan):
    sign_in(page, MANAGER)
    in_english(page, live_server)
    page.goto("/reports/places?level=municipality")
    page.locator(".report-filters summary").click()
    page.select_option("#f-country", "UY")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("table.places tbody")).to_contain_text("Río Branco")
    expect(page.locator("table.places tbody")).not_to_contain_text("Melipeuco")
    page.goto("/reports")
    with page.expect_download() as download:
        # A POST that records the download in the audit log (it holds personal data).
        page.get_by_role("button", name="Register of certified agents (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("serial,name,municipality,region,country,programme")
    assert len(lines) == national_plan["register"] + 1


def test_milestones_and_the_funnel_fit_a_phone(phone, live_server, national_plan):
    sign_in(phone, MANAGER)
    in_english(phone, live_server)
    phone.goto("/reports")
    # The milestones are one card per year: every figure in view, none off to the right.
    milestones = phone.locator("table.milestones")
    expect(milestones.locator("thead")).not_to_be_in_viewport()
    difference = milestones.locator("tr[data-milestone=past] td[data-label]").last
    assert difference.evaluate("cell => getComputedStyle(cell, '::before').content") == \
        '"Difference"'
    box = difference.bounding_box()
    assert box["x"] + box["width"] <= 390
    # Both legend entries of the phone drawing are inside it.
    legend = phone.locator("svg.chart-phone text", has_text="Target path")
    chart = phone.locator("svg.chart-phone").bounding_box()
    label = legend.bounding_box()
    assert label["x"] + label["width"] <= chart["x"] + chart["width"]
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path="test-results/dashboard-milestones-phone.png", full_page=True)

    # The funnel opens on the current period's cohorts, says which, and can show every year.
    phone.locator(".report-tabs").get_by_role("link", name="Funnel").click()
    expect(phone.locator("#funnel-cohorts")).to_contain_text("This is the current period")
    year = phone.locator("#f-year").input_value()
    assert year and f"starting in {year}" in phone.locator("#funnel-cohorts").inner_text()
    expect(phone.locator("svg.chart-phone")).to_be_visible()
    assert phone.evaluate("(() => { const box = document.querySelector('figure.report-chart');"
                          " return box.scrollWidth <= box.clientWidth; })()")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path="test-results/funnel-phone.png", full_page=True)
    phone.select_option("#f-year", "")
    phone.get_by_role("button", name="Apply").click()
    expect(phone.locator("#funnel-cohorts")).to_contain_text("every year")
    assert "year=" in phone.url  # the choice is in the address: it can be bookmarked
    expect(phone.locator("#certified-apart")).to_be_visible()  # the pilot, counted apart
