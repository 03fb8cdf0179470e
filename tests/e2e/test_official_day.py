"""An official's day at 390 and 1280 px: my programme, a module, my certificates and the PDF;
axe finds no serious or critical violation and nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def certified_official(live_app) -> str:
    """The e-mail of an official of the demo who holds a live certificate."""
    from certify.accounts.models import Person
    from certify.certificates.models import Certificate
    from certify.extensions import db

    with live_app.app_context():
        return db.session.scalar(
            sa.select(Person.email).join(Certificate, Certificate.person_id == Person.id)
            .where(Certificate.revoked_at.is_(None)).order_by(Person.id).limit(1))


@pytest.mark.parametrize("width", [390, 1280])
def test_an_officials_day(page_at, live_app, width):
    page = page_at(width, accept_downloads=True, timeout=15_000)
    sign_in(page, certified_official(live_app))

    page.goto("/my-programme")
    assert_accessible(page)
    page.screenshot(path=f"test-results/official-programme-{width}.png", full_page=True)
    # Module pages only: missing items link to their quizzes and surveys under the same address.
    hrefs = page.locator("a[href*='/modules/M']").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))")
    modules = [href for href in hrefs if re.search(r"/modules/M\d$", href)]
    if modules:
        page.locator(f"a[href='{modules[0]}']").first.click()
        expect(page).to_have_url(re.compile(r"/modules/M\d$"))
        assert_accessible(page)

    page.goto("/my-certificates")
    assert_accessible(page)
    page.screenshot(path=f"test-results/official-certificates-{width}.png", full_page=True)
    with page.expect_download() as download:
        page.locator("a[href$='.pdf']").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
