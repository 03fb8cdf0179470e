"""A manager deactivates a person after a confirmation page, then reactivates them (issue 17),
with CSRF on and no JavaScript dialog, on a desktop and a phone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_foundation_journeys import MANAGER

pytestmark = pytest.mark.e2e


def last_official_id(live_app) -> int:
    from certify.accounts.models import Person, Role, RoleGrant
    from certify.extensions import db

    with live_app.app_context():
        return db.session.scalar(sa.select(Person.id).where(
            Person.role_grants.any(RoleGrant.role == Role.OFFICIAL)).order_by(Person.id.desc()))


@pytest.mark.parametrize("device", ["page", "phone"])
def test_a_manager_deactivates_and_reactivates_a_person(device, request, live_app):
    browser_page = request.getfixturevalue(device)
    person_id = last_official_id(live_app)
    sign_in(browser_page, MANAGER)
    browser_page.goto(f"/people/{person_id}")
    browser_page.get_by_role("button", name="Desactivar la cuenta").click()
    expect(browser_page.locator("h1")).to_contain_text("¿Desactivar la cuenta de")
    expect(browser_page.locator(".consequences")).to_contain_text("ya no podrá iniciar sesión")
    browser_page.screenshot(path=f"test-results/deactivate-confirm-{device}.png", full_page=True)
    browser_page.get_by_role("button", name="Sí, desactivar la cuenta").click()
    expect(browser_page.locator("#account-status")).to_contain_text("Desactivada")
    browser_page.screenshot(path=f"test-results/deactivated-person-{device}.png", full_page=True)
    browser_page.get_by_role("button", name="Reactivar la cuenta").click()
    expect(browser_page.get_by_role("button", name="Desactivar la cuenta")).to_be_visible()
