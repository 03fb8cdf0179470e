"""Manager pages with wide content at 390 and 1280 px: the LTI platforms list (long issuer
addresses and client ids) becomes one card per platform on a phone; nothing scrolls sideways."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

MANAGER = "gestora@demo.certify.example"
ISSUER = "https://campus-virtual.ministerio-de-innovacion-publica.example.gob.cl/moodle"


@pytest.fixture(scope="module")
def wide_platform(live_app):
    """A platform whose issuer and client id are long, as real ones are."""
    from certify.extensions import db
    from certify.lti.models import LtiPlatform
    from certify.lti.platforms import moodle_endpoints, save_platform
    from certify.programmes.models import Programme

    with live_app.app_context():
        platform = db.session.scalar(sa.select(LtiPlatform).where(LtiPlatform.issuer == ISSUER))
        if platform is None:
            platform = save_platform(
                name="Campus virtual del Ministerio", client_id="aBcD3fGh1JkLmN0pQrStUvWxYz0123",
                deployment_ids=["1", "17"], programme=db.session.scalar(sa.select(Programme)),
                trusted_for_email=False, active=True, **moodle_endpoints(ISSUER))
            db.session.commit()
        platform_id = platform.id
        db.session.remove()
    return platform_id


@pytest.mark.parametrize("width", [390, 1280])
def test_the_lti_platforms_page_fits(page_at, wide_platform, width):
    page = page_at(width)
    sign_in(page, MANAGER)
    page.goto("/lti/platforms")
    row = page.locator("table.stack-rows tbody tr", has_text="Campus virtual del Ministerio")
    expect(row).to_contain_text("ministerio-de-innovacion-publica")
    header = page.locator("table.stack-rows thead")
    if width < 800:
        # One card per platform: the column names are read beside each value, not above.
        expect(header).not_to_be_in_viewport()
        issuer = row.locator("td[data-label]").nth(1)
        label = issuer.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert label == '"Emisor (issuer)"'
    else:
        expect(header).to_be_visible()
    # No sideways scroll for the page, nor for the table inside its frame.
    assert page.evaluate("(() => { const box = document.querySelector('.table-wrap');"
                         " return box.scrollWidth <= box.clientWidth; })()")
    assert_accessible(page)
    page.screenshot(path=f"test-results/lti-platforms-{width}.png", full_page=True)


def test_the_issue_buttons_are_in_view_on_a_phone(phone, live_app):
    """The cohort's certificates page is one card per person on a phone: each "Issue" button
    is on screen, not in a column scrolled off to the right; it leads to the confirmation."""
    from tests.e2e.test_manager_day import demo_cohort_id

    sign_in(phone, MANAGER)
    phone.goto(f"/cohorts/{demo_cohort_id(live_app)}/certificates")
    button = phone.locator("table.stack-rows tbody form button[type=submit]").first
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert_accessible(phone)
    button.click()
    expect(phone.locator("#confirm-people")).to_have_text("1")
    assert_accessible(phone)
