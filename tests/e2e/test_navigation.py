"""The header fits: a manager's menu is one row at 1280 px in Spanish, and on a phone it
opens as a list with the grouped pages inside; no page scrolls sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

MANAGER = "gestora@demo.certify.example"


def test_the_managers_menu_is_one_row_on_a_laptop(page):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, MANAGER)
    page.goto("/cohorts")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 70, header  # one row: brand, links, menus and language
    administration = page.locator(".nav-group").first
    expect(administration.locator(".nav-menu")).to_be_hidden()
    administration.locator("summary").click()
    expect(administration.get_by_role("link", name="Personas")).to_be_visible()
    page.screenshot(path="test-results/navigation-manager-1280.png")
    assert_accessible(page)
    administration.get_by_role("link", name="Personas").click()
    expect(page).to_have_url(re.compile(r"/people$"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_managers_menu_on_a_phone(phone):
    sign_in(phone, MANAGER)
    phone.goto("/cohorts")
    phone.locator(".nav-toggle-label").click()
    account = phone.locator(".nav-account")
    account.locator("summary").click()
    expect(account.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    phone.locator(".nav-group").first.locator("summary").click()
    expect(phone.get_by_role("link", name="Municipios")).to_be_visible()
    assert_accessible(phone)
    phone.screenshot(path="test-results/navigation-manager-390.png", full_page=True)
