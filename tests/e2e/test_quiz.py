"""An official takes the module 1 quiz in the browser, passes, and sees the explanations."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def new_official(live_app, email: str) -> str:
    """A fresh official of the demo cohort, so other browser tests' officials stay untouched."""
    from certify.accounts import services as accounts
    from certify.cohorts.enrolments import enrol
    from certify.cohorts.models import Cohort
    from certify.core.transactions import writing
    from certify.demo.world import COHORT_NAME, DEMO_PASSWORD
    from certify.extensions import db

    # As a writer from the start: a read-then-write transaction fails at once on SQLite when
    # the live server (an issuance job, say) commits in between.
    with live_app.app_context(), writing():
        person = accounts.create_person(email=email, given_names="Quiz", family_names="Tester",
                                        password=DEMO_PASSWORD)
        enrol(db.session.scalar(sa.select(Cohort).where(Cohort.name == COHORT_NAME)), person)
        db.session.commit()
        return person.email


def paper_and_key(live_app, attempt_id: int):
    """The attempt's questions in order, with the right option keys and explanations."""
    from certify.assessments.models import Question, QuizAttempt
    from certify.extensions import db

    with live_app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        questions = {q.id: q for q in db.session.scalars(
            sa.select(Question).where(Question.id.in_(attempt.question_order)))}
        return [(qid, sorted(questions[qid].correct_keys), questions[qid].explanation)
                for qid in attempt.question_order]


def attempts_of(live_app, email: str) -> list:
    from certify.accounts.models import Person
    from certify.assessments.models import QuizAttempt
    from certify.extensions import db

    with live_app.app_context():
        return db.session.execute(
            sa.select(QuizAttempt.status, QuizAttempt.percent, QuizAttempt.passed)
            .join(Person, Person.id == QuizAttempt.person_id).where(Person.email == email)
        ).all()


def test_an_official_passes_the_module_1_quiz(page, live_app):
    email = new_official(live_app, "quiz.e2e@demo.certify.example")
    sign_in(page, email)
    page.get_by_role("link", name=re.compile("M1 · Innovación pública")).click()
    page.locator("#quiz a.button").click()
    expect(page).to_have_url(re.compile(r"/modules/M1/quiz$"))
    page.locator("form[action$='/quiz/attempts'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator("#quiz-timer")).to_be_visible()
    attempt_id = int(page.url.rsplit("/", 1)[1])

    key = paper_and_key(live_app, attempt_id)
    assert len(key) == 7  # drawn from the bank of 10
    for number, (question_id, right_keys, _explanation) in enumerate(key, start=1):
        expect(page.locator(f"#question-{number} input[name=q{question_id}]").first).to_be_visible()
        for option_key in right_keys:
            page.locator(f"input[name=q{question_id}][value='{option_key}']").check()
    # The page autosaves through the API, with the CSRF token in a header.
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/attempts/{attempt_id}/answers")
                              and r.request.method == "PUT") as saved:
        page.locator(f"input[name=q{key[0][0]}][value='{key[0][1][0]}']").check()
    assert saved.value.status == 200

    page.locator("#submit-attempt").dblclick()
    expect(page).to_have_url(re.compile(rf"/attempts/{attempt_id}/result$"))
    expect(page.locator(".quiz-verdict .badge.ok")).to_be_visible()
    expect(page.locator("#score")).to_contain_text("100")
    expect(page.locator(".quiz-explanation")).to_have_count(7)
    for _question_id, _keys, explanation in key:
        expect(page.locator("main")).to_contain_text(explanation)
    page.screenshot(path="test-results/quiz-result.png", full_page=True)

    assert [(status.value, str(percent), passed)
            for status, percent, passed in attempts_of(live_app, email)] == \
        [("submitted", "100.00", True)]


def test_the_quiz_fits_a_phone(phone, live_app):
    sign_in(phone, new_official(live_app, "quiz.phone@demo.certify.example"))
    cohort_link = phone.locator("a[href$='/modules/M2']").first.get_attribute("href")
    phone.goto(cohort_link + "/quiz")
    phone.locator("form[action$='/quiz/attempts'] button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/attempts/\d+$"))
    expect(phone.locator("#quiz-timer")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path="test-results/quiz-phone.png", full_page=False)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_failed_attempt_shows_what_was_wrong_but_not_the_answers(page_at, live_app, width):
    page = page_at(width, timeout=30_000)
    sign_in(page, new_official(live_app, f"quiz.fail{width}@demo.certify.example"))
    module = page.locator("a[href$='/modules/M3']").first.get_attribute("href")
    page.goto(module + "/quiz")
    page.locator("form[action$='/quiz/attempts'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    page.locator("#submit-attempt").click()  # nothing answered: every question earns 0
    expect(page).to_have_url(re.compile(r"/result$"))
    expect(page.locator(".quiz-verdict .badge.bad")).to_be_visible()
    expect(page.locator("#result-policy")).to_be_visible()
    expect(page.locator(".quiz-review.missed")).to_have_count(7)
    expect(page.locator(".quiz-explanation")).to_have_count(0)
    assert_accessible(page)
    page.screenshot(path=f"test-results/quiz-failed-result-{width}.png", full_page=False)
    page.goto(module + "/quiz")
    assert_accessible(page)
    page.screenshot(path=f"test-results/quiz-intro-{width}.png", full_page=True)
