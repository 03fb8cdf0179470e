"""Managers and officials find their way through the real pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_menu, sign_in

pytestmark = pytest.mark.e2e

MANAGER = "gestora@demo.certify.example"


def first_official(live_app) -> str:
    import sqlalchemy as sa

    from certify.accounts.models import Person, Role, RoleGrant
    from certify.extensions import db

    with live_app.app_context():
        return db.session.scalar(sa.select(Person.email).where(
            Person.role_grants.any(RoleGrant.role == Role.OFFICIAL)).order_by(Person.id))


def test_a_manager_sees_cohorts_people_and_municipalities(page):
    sign_in(page, MANAGER)
    expect(page.locator("h1")).to_contain_text("Cohortes")
    page.get_by_role("link", name="Cohorte 2026 · Cono Sur").first.click()
    expect(page.locator("body")).to_contain_text("Marcela")
    open_menu(page, "Administración", "Personas")
    page.fill("input[name=q]", "melipeuco")
    page.get_by_role("button", name="Filtrar").click()
    # Four in the demo cohort, one in the new cohort, one in the pilot.
    expect(page.locator("tbody tr")).to_have_count(6)
    open_menu(page, "Administración", "Municipios")
    expect(page.locator("body")).to_contain_text("Peñalolén")
    page.screenshot(path="test-results/manager-municipalities.png", full_page=True)


def test_an_official_reads_a_module_and_switches_language(page, live_app):
    sign_in(page, first_official(live_app))
    expect(page.locator("h1")).to_contain_text("Mi programa")
    page.get_by_role("link", name=re.compile("M1 · Innovación pública")).click()
    expect(page.locator("article")).to_contain_text("valor público")
    page.select_option("#locale-select", "en")
    expect(page.locator("h1")).to_contain_text("Public innovation and public value")
    page.screenshot(path="test-results/official-module.png", full_page=True)


def test_the_menu_works_on_a_phone(phone):
    sign_in(phone, MANAGER)
    phone.click("label.nav-toggle-label")
    phone.locator("nav.site-nav summary", has_text="Administración").click()
    expect(phone.get_by_role("link", name="Personas")).to_be_visible()
