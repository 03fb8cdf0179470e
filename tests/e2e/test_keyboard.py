"""Keyboard only: signing in, taking a quiz, answering a survey, grading a prototype and
searching the check-in list with Tab, Shift+Tab, Enter and Space (no mouse), with a visible
focus at every stop.

Choices are made with Space on the first option of a radio group or checkbox list: Tab stops
once per radio group, as in every browser, so the flows need no arrow keys.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import sign_in
from tests.e2e.test_quiz import new_official

pytestmark = pytest.mark.e2e

TUTOR = "tutora@demo.certify.example"

# The focused element, or the label or box drawn around it (a styled radio), shows a ring.
FOCUS_SEEN = """() => {
    const focused = document.activeElement;
    if (!focused || focused === document.body || !focused.matches(':focus-visible')) return false;
    const shows = element => {
        const style = getComputedStyle(element);
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
            || style.boxShadow !== 'none';
    };
    const candidates = [focused, ...(focused.labels || [])];
    for (let box = focused.parentElement, depth = 0; box && depth < 3; box = box.parentElement, depth++) {
        candidates.push(box);
    }
    if (focused.id) {
        const next = document.querySelector(`label[for="${focused.id}"]`);
        if (next) candidates.push(next);
    }
    return candidates.some(element => shows(element));
}"""

# Space on the first option of an unanswered radio group or checkbox list.
UNANSWERED_CHOICE = """() => {
    const focused = document.activeElement;
    if (!focused || focused.tagName !== 'INPUT' || !['radio', 'checkbox'].includes(focused.type)) {
        return false;
    }
    const group = focused.form ? focused.form.querySelectorAll(`input[name="${focused.name}"]`) : [];
    return ![...group].some(input => input.checked);
}"""


def focused_matches(page, selector: str) -> bool:
    return page.evaluate("selector => !!document.activeElement"
                         " && document.activeElement.matches(selector)", selector)


def tab_to(page, selector: str, *, answer: bool = False, backwards: bool = False,
           limit: int = 150) -> None:
    """Press Tab (Shift+Tab) until the focus is on ``selector``, checking the focus is seen at
    every stop; with ``answer``, Space picks the first option of each unanswered question."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        described = page.evaluate("() => document.activeElement.outerHTML.slice(0, 160)")
        assert page.evaluate(FOCUS_SEEN), f"focus not visible on {described} at {page.url}"
        if answer and page.evaluate(UNANSWERED_CHOICE):
            page.keyboard.press("Space")
        if focused_matches(page, selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def test_signing_in_with_the_keyboard(page):
    from certify.demo.world import DEMO_PASSWORD

    page.goto("/login")
    assert focused_matches(page, "input[name=email]") and page.evaluate(FOCUS_SEEN)
    page.keyboard.press("Enter")  # nothing typed yet
    # The error is tied to its field, which takes the focus so a screen reader reads both.
    email = page.locator("input[name=email]")
    expect(email).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{email.get_attribute('aria-describedby')}")
    expect(error).to_be_visible()
    assert focused_matches(page, "input[name=email]")
    page.keyboard.type("gestora@demo.certify.example")
    tab_to(page, "input[name=password]")
    page.keyboard.type("not the password")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-error[role=alert]")).to_be_visible()  # announced at once
    tab_to(page, "input[name=password]")
    page.keyboard.type(DEMO_PASSWORD)
    tab_to(page, "form.stacked button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cohorts$"))
    # The first Tab shows the skip link; Enter takes the focus past the menu to the content.
    page.keyboard.press("Tab")
    assert focused_matches(page, ".skip-link") and page.evaluate(FOCUS_SEEN)
    assert page.locator(".skip-link").bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    tab_to(page, "#main a, #main button")
    tab_to(page, ".site-nav a, .site-nav summary", backwards=True)  # Shift+Tab back up


def test_taking_a_quiz_with_the_keyboard(page, live_app):
    sign_in(page, new_official(live_app, "teclado.quiz@demo.certify.example"))
    page.goto("/my-programme")
    tab_to(page, "a[href$='/modules/M1']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/modules/M1$"))
    tab_to(page, "#quiz a.button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/modules/M1/quiz$"))
    tab_to(page, "form[action$='/quiz/attempts'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    page.once("dialog", lambda dialog: dialog.accept())
    tab_to(page, "#submit-attempt", answer=True)
    assert page.locator("#quiz-form input:checked").count() >= 7  # every question answered
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+/result$"))
    assert not serious_violations(page)


@pytest.fixture
def survey_for_keyboard(live_app):
    """An official of a cohort running now, with the module 1 survey open to them."""
    from certify.accounts import services as accounts
    from certify.accounts.models import Role
    from certify.cohorts import enrolments
    from certify.cohorts import services as cohorts
    from certify.core.clock import today
    from certify.core.transactions import writing
    from certify.demo.world import DEMO_PASSWORD
    from certify.extensions import db
    from certify.programmes.models import Programme
    from certify.surveys import giving

    with live_app.app_context(), writing():  # a writer from the start, as in new_official
        programme = db.session.scalar(sa.select(Programme).where(Programme.code == "IHBG"))
        cohort = cohorts.create_cohort(programme, name="Cohorte teclado (e2e)",
                                       starts_on=today() - timedelta(days=20),
                                       ends_on=today() + timedelta(days=20))
        person = accounts.create_person(
            email="teclado.encuesta@e2e.example.org", given_names="Teclado",
            family_names="Encuesta", password=DEMO_PASSWORD, preferred_locale="es",
            roles=[Role.OFFICIAL])
        enrolments.enrol(cohort, person)
        survey = next(survey for survey in giving.ensure_cohort_surveys(cohort)
                      if survey.module and survey.module.code == "M1")
        db.session.commit()
        return person.email, survey.id


def test_answering_a_survey_with_the_keyboard(page, survey_for_keyboard):
    email, survey_id = survey_for_keyboard
    sign_in(page, email)
    page.goto("/my-surveys")
    tab_to(page, f"#survey-{survey_id} a")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/surveys/{survey_id}$"))
    tab_to(page, "button.survey-submit", answer=True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-surveys$"))
    expect(page.locator(".flash-success[role=status]")).to_be_visible()
    expect(page.locator(f"#survey-{survey_id} .survey-status")).to_have_attribute(
        "data-status", re.compile(r"-answered$"))


def test_grading_a_prototype_with_the_keyboard(page):
    sign_in(page, TUTOR)
    page.goto("/grading")
    tab_to(page, ".queue-card a.button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/submissions/\d+/grade$"))
    tab_to(page, "button[value=draft]", answer=True)
    criteria = page.locator("fieldset.criterion")
    assert criteria.count() >= 3
    for index in range(criteria.count()):
        expect(criteria.nth(index).locator("input[type=radio]:checked")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/submissions/\d+/grade$"))
    expect(page.locator(".flash").first).to_be_visible()


def test_searching_the_check_in_list_with_the_keyboard(page, live_app):
    from certify.accounts.models import Person
    from certify.attendance.models import Registration
    from certify.extensions import db

    with live_app.app_context():
        session_id, family_names = db.session.execute(
            sa.select(Registration.session_id, Person.family_names)
            .join(Person, Person.id == Registration.person_id)
            .order_by(Registration.session_id, Registration.id).limit(1)).one()
    sign_in(page, TUTOR)
    page.goto(f"/sessions/{session_id}/check-in")
    tab_to(page, "#q")
    page.keyboard.type(family_names)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q="))
    rows = page.locator("li.attendee")
    expect(rows.first).to_contain_text(family_names)
    tab_to(page, "li.attendee button, li.attendee a")  # the first person's controls


def test_a_filter_error_is_tied_to_its_field_and_takes_the_focus(page):
    sign_in(page, "gestora@demo.certify.example")
    page.goto("/reports/funnel?year=abc")
    year = page.locator("#f-year")
    expect(year).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{year.get_attribute('aria-describedby')} .field-error")).to_be_visible()
    assert focused_matches(page, "#f-year") and page.evaluate(FOCUS_SEEN)
    assert not serious_violations(page)
