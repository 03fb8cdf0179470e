"""An official answers a survey on a phone and edits it; a manager reads the results."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

MANAGER = "gestora@demo.certify.example"
SCALE_ITEMS = ("overall", "content_relevance", "facilitators", "applicability", "organisation",
               "recommend")


@pytest.fixture
def survey_world(live_app):
    """A cohort running now with two officials; one of them already answered the M1 survey."""
    from certify.accounts import services as accounts
    from certify.accounts.models import Role
    from certify.cohorts import enrolments
    from certify.cohorts import services as cohorts
    from certify.core.clock import today
    from certify.demo.world import DEMO_PASSWORD
    from certify.extensions import db
    from certify.programmes.models import Programme
    from certify.surveys import giving, services

    with live_app.app_context():
        programme = db.session.scalar(sa.select(Programme).where(Programme.code == "IHBG"))
        cohort = cohorts.create_cohort(programme, name="Cohorte encuestas (e2e)",
                                       starts_on=today() - timedelta(days=20),
                                       ends_on=today() + timedelta(days=20))
        people = [accounts.create_person(
            email=f"encuesta{n}@e2e.example.org", given_names=f"Encuestada{n}",
            family_names="Prueba", password=DEMO_PASSWORD, preferred_locale="es",
            roles=[Role.OFFICIAL]) for n in (1, 2)]
        for person in people:
            enrolments.enrol(cohort, person)
        m1 = next(survey for survey in giving.ensure_cohort_surveys(cohort)
                  if survey.module and survey.module.code == "M1")
        services.save_response(m1, people[1], dict.fromkeys(SCALE_ITEMS, 5))
        db.session.commit()
        return SimpleNamespace(cohort_id=cohort.id, survey_id=m1.id, email=people[0].email)


def test_an_official_answers_on_a_phone_edits_and_a_manager_sees_the_results(
        phone, page, survey_world):
    sign_in(phone, survey_world.email)
    phone.goto("/my-surveys")
    entry = phone.locator(f"#survey-{survey_world.survey_id}")
    expect(entry.locator(".survey-status")).to_have_attribute("data-status", "open")
    entry.get_by_role("link").click()
    expect(phone.locator("h1")).to_contain_text("Encuesta de satisfacción")

    # Large tap targets, and nothing wider than the phone.
    tile = phone.locator("#item_overall label.scale-option").first
    box = tile.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 48
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.locator("#item_overall label.scale-option").nth(2).click()  # tapping the tile: 3
    for key in SCALE_ITEMS[1:]:
        phone.check(f"input[name=item_{key}][value='4']")
    phone.fill("textarea[name=item_improve]", "Más ejemplos de municipios rurales.")
    phone.screenshot(path="test-results/surveys-form-phone.png", full_page=True)
    phone.locator("button.survey-submit").click()
    expect(phone).to_have_url(re.compile(r"/my-surveys$"))
    expect(phone.locator(f"#survey-{survey_world.survey_id} .survey-status")).to_have_attribute(
        "data-status", "open-answered")
    phone.screenshot(path="test-results/surveys-answered-phone.png", full_page=True)

    # Editing: the page shows the stored answers; change the first one.
    phone.goto(f"/surveys/{survey_world.survey_id}")
    expect(phone.locator("input[name=item_overall][value='3']")).to_be_checked()
    expect(phone.locator("textarea[name=item_improve]")).to_have_value(
        "Más ejemplos de municipios rurales.")
    phone.check("input[name=item_overall][value='4']")
    phone.locator("button.survey-submit").click()
    expect(phone).to_have_url(re.compile(r"/my-surveys$"))

    sign_in(page, MANAGER)
    page.goto(f"/cohorts/{survey_world.cohort_id}/surveys")
    summary = page.locator(f"#survey-{survey_world.survey_id}")
    expect(summary.locator("[data-stat=responses]")).to_have_text("2")
    expect(summary.locator("[data-stat=response-rate]")).to_contain_text("100")
    overall = summary.locator("[data-item=overall]")
    expect(overall).to_contain_text("4,5 / 5")  # one 4 (edited from 3) and one 5, in Spanish
    for score, width in ((5, "50.0%"), (4, "50.0%"), (3, "0.0%")):
        bar = overall.locator(f"tr[data-score='{score}'] .bar rect")
        expect(bar).to_have_attribute("width", width)
    expect(summary.locator("[data-item=improve]")).to_contain_text(
        "Más ejemplos de municipios rurales.")
    expect(summary).not_to_contain_text("Encuestada")
    page.screenshot(path="test-results/surveys-results-manager.png", full_page=True)
