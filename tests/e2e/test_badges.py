"""A holder's public badge page, as a visitor opens it from a shared link, at phone and
desktop widths: the share card loads as a raster image, nothing scrolls sideways, axe finds
nothing serious."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pilot_serial(live_app) -> str:
    """A certificate of the demo's pilot cohort (imported, so no test issues or revokes it)."""
    from certify.certificates.models import Certificate
    from certify.extensions import db

    with live_app.app_context():
        serial = db.session.scalar(sa.select(Certificate.serial).where(
            Certificate.imported, Certificate.revoked_at.is_(None)).order_by(Certificate.id))
        db.session.remove()
    assert serial
    return serial


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_a_visitor_opens_a_shared_badge(page, pilot_serial, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"/badges/{pilot_serial}")
    card = page.locator(".badge-card img")
    expect(card).to_be_visible()
    page.wait_for_function("document.querySelector('.badge-card img').complete")
    assert card.evaluate("image => [image.naturalWidth, image.naturalHeight]") == [1200, 630]
    expect(page.locator(".badge-verdict")).to_contain_text("Válido")
    expect(page.locator("meta[property='og:image']")).to_have_attribute(
        "content", f"https://certify.test/badges/{pilot_serial}.png?state=valid&lang=es")
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    assert_accessible(page)
    page.screenshot(path=f"test-results/badge-{size[0]}.png", full_page=True)
