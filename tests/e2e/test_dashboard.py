"""The national dashboard on a phone: the target, the pace needed, the forecast, the charts.

The demo programme gets a target and a pilot cohort certified over the last two years, in
a cohort and among people of its own, so the demo cohort the other journeys use is left
as it is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

MANAGER = "gestora@demo.certify.example"
PILOT = 24


@pytest.fixture(scope="module")
def national_plan(live_app):
    from certify.accounts import services as accounts
    from certify.accounts.models import Municipality, Role
    from certify.certificates.issuing import prepare_certificate
    from certify.certificates.models import Certificate, CertificateKind
    from certify.cohorts.enrolments import enrol
    from certify.cohorts.services import create_cohort
    from certify.extensions import db
    from certify.programmes.models import Programme
    from certify.reports.allocations import distribute_target
    from certify.reports.models import AllocationLevel
    from certify.reports.targets import set_milestone, set_target

    with live_app.app_context():
        programme = db.session.scalar(sa.select(Programme).where(Programme.code == "IHBG"))
        municipalities = db.session.scalars(sa.select(Municipality).order_by(Municipality.id)).all()
        cohort = create_cohort(programme, name="Cohorte 2025 · Piloto",
                               starts_on=date(2025, 3, 3), ends_on=date(2025, 8, 29))
        issued = datetime(2026, 11, 20, 15, tzinfo=UTC)
        for n in range(PILOT):
            person = accounts.create_person(
                email=f"piloto{n}@e2e.example.org", given_names="Piloto", family_names=f"N{n}",
                municipality=municipalities[n % len(municipalities)], roles=[Role.OFFICIAL],
                gender="female" if n % 3 else "male", birth_year=1970 + n)
            enrol(cohort, person)
            # One every three weeks, going back from last month.
            db.session.add(prepare_certificate(
                kind=CertificateKind.PROGRAMME, person=person, programme=programme,
                modules=list(programme.modules), place="Santiago, Chile",
                certificate_title=programme.certificate_title, cohort=cohort,
                issued_at=issued - timedelta(weeks=3 * n)))
        target = set_target(programme, certified=5000, starts_on=date(2025, 1, 1),
                            due_on=date(2028, 12, 31), actor=None)
        for year, certified in ((2025, 100), (2026, 1200), (2027, 3000)):
            set_milestone(target, year=year, certified=certified)
        distribute_target(target, AllocationLevel.MUNICIPALITY)
        distribute_target(target, AllocationLevel.REGION)
        db.session.commit()
        # Other browser tests share this server and may have issued certificates too.
        programme_certificates = sa.select(sa.func.count()).select_from(Certificate).where(
            Certificate.kind == CertificateKind.PROGRAMME)
        live = programme_certificates.where(Certificate.revoked_at.is_(None))
        counts = {"live": db.session.scalar(live),
                  "register": db.session.scalar(programme_certificates)}
        db.session.remove()
    assert counts["live"] >= PILOT
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
    chart = phone.locator("figure.report-chart svg.chart").first
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_have_text("Certified agents against the target path")
    # The page itself never scrolls sideways; a chart too wide for the phone scrolls in its box.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
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
        page.get_by_role("link", name="Register of certified agents (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("serial,name,municipality,region,country,programme")
    assert len(lines) == national_plan["register"] + 1
