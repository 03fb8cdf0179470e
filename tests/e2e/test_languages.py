"""An official reads a module and takes its quiz in Portuguese and in English, at phone and
desktop widths: the teaching text, questions and options are in their language, with no
"shown in Spanish" note."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_quiz import new_official

pytestmark = pytest.mark.e2e


def attempt_prompts(live_app, attempt_id: int, language: str) -> tuple[list[str], bool]:
    """The prompts of the questions the attempt drew, in ``language``, as the database has them,
    and whether one of them is a true-or-false question (the draw decides)."""
    import sqlalchemy as sa

    from certify.assessments.models import Question, QuestionKind, QuizAttempt
    from certify.extensions import db

    with live_app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        questions = db.session.scalars(sa.select(Question).where(
            Question.id.in_(attempt.question_order))).all()
        return ([question.prompt_translations[language.split("_")[0]] for question in questions],
                any(question.kind is QuestionKind.TRUE_FALSE for question in questions))


def official_reading(live_app, email: str, locale: str) -> str:
    """A fresh official of the demo cohort whose preferred language is ``locale``."""
    import sqlalchemy as sa

    from certify.accounts.models import Person
    from certify.extensions import db

    new_official(live_app, email)
    with live_app.app_context():
        db.session.scalar(sa.select(Person).where(Person.email == email)).preferred_locale = locale
        db.session.commit()
    return email


READERS = {  # the browser says es-CL: the person's own preference decides
    "pt_BR": {"module": "Inovação pública e valor público",
              "text": "O que é inovação pública?", "quiz": "Questionário do módulo 1",
              "true": "Verdadeiro"},
    "en": {"module": "Public innovation and public value",
           "text": "What is public innovation?", "quiz": "Module 1 quiz", "true": "True"},
}
SPANISH_ONLY = ("¿Qué es la innovación pública?", "Según el Observatorio", "¿Quién propuso",
                "Selecciona todas las correctas")


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["pt_BR", "en"])
def test_an_official_reads_module_1_and_takes_its_quiz_in_their_language(
        page_at, live_app, language, width):
    reader = READERS[language]
    page = page_at(width)
    email = f"lang.{language.lower()}.{width}@demo.certify.example"
    sign_in(page, official_reading(live_app, email, language))

    module_url = page.locator("a[href$='/modules/M1']").first.get_attribute("href")
    page.goto(module_url)
    expect(page.locator("html")).to_have_attribute("lang", language.replace("_", "-"))
    expect(page.locator("h1")).to_have_text(reader["module"])
    expect(page.locator("article.prose")).to_contain_text(reader["text"])
    expect(page.locator(".translation-note")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=f"test-results/module-{language}-{width}.png", full_page=False)

    page.goto(module_url + "/quiz")
    page.locator("form[action$='/quiz/attempts'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator("h1")).to_contain_text(reader["quiz"])
    prompts, has_true_false = attempt_prompts(live_app, int(page.url.rsplit("/", 1)[1]), language)
    for prompt in prompts:
        expect(page.locator("main")).to_contain_text(prompt)
    if has_true_false:
        expect(page.locator("main")).to_contain_text(reader["true"])
    expect(page.locator(".translation-note")).to_have_count(0)
    main = page.locator("main").inner_text()
    assert not any(text in main for text in SPANISH_ONLY)
    assert page.locator(".quiz-prompt[lang=es]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=f"test-results/quiz-{language}-{width}.png", full_page=False)
