"""A tutor's day on a phone (and a laptop): the grading queue as cards whose status and
action stay on screen, the grading page; nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

TUTOR = "tutora@demo.certify.example"


@pytest.mark.parametrize("width", [390, 1280])
def test_a_tutor_grades_from_the_queue(page_at, width):
    page = page_at(width)
    sign_in(page, TUTOR)
    page.goto("/grading")
    card = page.locator(".queue-card").first
    expect(card).to_be_visible()
    for part in (card.locator(".badge").first, card.locator("a.button")):
        box = part.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box  # on screen, no scrolling
    assert_accessible(page)
    page.screenshot(path=f"test-results/tutor-queue-{width}.png")
    card.locator("a.button").click()
    expect(page).to_have_url(re.compile(r"/submissions/\d+/grade$"))
    assert_accessible(page)
    # Choosing levels updates each criterion's points and the sticky total at the bottom.
    criteria = page.locator("fieldset.criterion")
    for index in range(criteria.count()):
        criteria.nth(index).locator("input[type=radio]").last.check()
    expect(criteria.first.locator(".criterion-score")).to_contain_text("de")
    expect(page.locator("#grading-result")).to_contain_text("100")
    expect(page.locator("#grading-progress")).to_contain_text(
        f"{criteria.count()} de {criteria.count()}")
    criteria.first.scroll_into_view_if_needed()
    total = page.locator("#grading-total").bounding_box()
    assert total["y"] >= 0 and total["y"] + total["height"] <= page.viewport_size["height"] + 1
    page.screenshot(path=f"test-results/tutor-grading-{width}.png")


def test_a_released_grades_disabled_buttons_look_disabled(page):
    sign_in(page, TUTOR)
    page.goto("/grading?status=released")
    page.locator(".queue-card a.button").first.click()
    release = page.locator(".grading-form button[value=release]")
    expect(release).to_be_disabled()
    colours = release.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).cursor]")
    assert colours == ["rgb(228, 231, 236)", "not-allowed"], colours
    assert_accessible(page)
