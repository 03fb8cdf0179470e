"""My programme and My certificates say where the official stands, at phone and desktop widths."""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewer", ["page", "phone"])
def test_the_status_fits_and_reads(request, viewer, sqlite_demo_world):
    browser_page = request.getfixturevalue(viewer)
    for email, label in sqlite_demo_world.logins:
        if not label.startswith("official"):
            continue
        sign_in(browser_page, email)
        for path in ("/my-programme", "/my-certificates"):
            browser_page.goto(path)
            assert browser_page.evaluate(
                "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
            if path == "/my-programme":
                assert browser_page.locator(".flash[role=status]").count() >= 1
            shots = os.environ.get("CERTIFY_SCREENSHOTS")
            if shots:
                name = f"{label.split('(')[1].rstrip(')')}-{path.strip('/')}-{viewer}.png"
                browser_page.screenshot(path=os.path.join(shots, name), full_page=True)
        browser_page.context.clear_cookies()


@pytest.mark.parametrize("viewer", ["page", "phone"])
def test_a_module_page_ends_with_its_quiz_and_the_next_module(request, viewer, sqlite_demo_world):
    browser_page = request.getfixturevalue(viewer)
    email = next(email for email, label in sqlite_demo_world.logins if label == "official (starting)")
    sign_in(browser_page, email)
    browser_page.goto("/my-programme")
    browser_page.locator(".module-list strong a").nth(1).click()
    browser_page.wait_for_load_state("networkidle")
    assert browser_page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert browser_page.locator("a[rel=next]").count() == 1
    shots = os.environ.get("CERTIFY_SCREENSHOTS")
    if shots:
        browser_page.screenshot(path=os.path.join(shots, f"module-{viewer}.png"), full_page=True)


@pytest.mark.parametrize("viewer", ["page", "phone"])
def test_the_group_page_links_the_prototype_and_shows_the_rubric(request, viewer, sqlite_demo_world):
    browser_page = request.getfixturevalue(viewer)
    email = next(email for email, label in sqlite_demo_world.logins if label == "official (eligible)")
    sign_in(browser_page, email)
    browser_page.goto(f"/my-programme/{sqlite_demo_world.cohort_id}/group")
    assert browser_page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert browser_page.locator("#rubric h3").count() >= 1
    assert browser_page.locator("a[href$='/prototype']").count() == 1
    shots = os.environ.get("CERTIFY_SCREENSHOTS")
    if shots:
        browser_page.screenshot(path=os.path.join(shots, f"group-{viewer}.png"), full_page=True)
