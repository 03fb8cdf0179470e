"""A quiz in the reader's language: translated texts, Spanish with a note where missing,
and a score that never depends on the language the attempt was taken in."""

from __future__ import annotations

import re

import sqlalchemy as sa

from certify.assessments import services
from certify.assessments.models import Question, QuizAttempt
from certify.extensions import db
from tests.assessments.conftest import right_answers

PORTUGUESE = {"q1": "Pergunta um?", "q2": "Pergunta dois?", "q3": "Pergunta três?"}
ENGLISH = {"q1": "Question one?", "q2": "Question two?", "q3": "Question three?"}


def translate(quiz, *, leave_out: str | None = None) -> None:
    """Give every question of ``quiz`` Portuguese and English texts, except ``leave_out``."""
    for question in db.session.scalars(sa.select(Question).where(Question.quiz_id == quiz.id)):
        if question.key == leave_out or question.key not in PORTUGUESE:
            continue
        question.prompt_translations = {"pt": PORTUGUESE[question.key], "en": ENGLISH[question.key]}
        question.explanation_translations = {"pt": f"Explicação {question.key}",
                                             "en": f"Explanation {question.key}"}
        for option in question.options:
            if option.text:
                option.text_translations = {"pt": f"Opção {option.key}",
                                            "en": f"Option {option.key}"}
    db.session.commit()


def start(client, world, lang: str) -> QuizAttempt:
    response = client.post(f"/my-programme/{world.cohort.id}/modules/M1/quiz/attempts?lang={lang}")
    assert response.status_code == 303
    return db.session.get(QuizAttempt, int(response.headers["Location"].rsplit("/", 1)[1]))


def prompts(page: str) -> list[str]:
    return re.findall(r'<p class="quiz-prompt"[^>]*>([^<]+)</p>', page)


def test_an_attempt_started_in_portuguese_and_resumed_in_english_scores_the_same(
        client, login_as, world):
    translate(world.quiz)
    login_as(world.official)
    attempt = start(client, world, "pt_BR")
    page = client.get(f"/attempts/{attempt.id}?lang=pt_BR").text
    assert sorted(prompts(page)) == sorted(PORTUGUESE.values())
    assert "Opção b" in page and "Verdadeiro" in page and "Opción b" not in page
    assert "translation-note" not in page

    answers = right_answers(attempt)
    services.save_answers(attempt, answers)  # what the page's autosave sends, in option keys
    db.session.commit()

    resumed = client.get(f"/attempts/{attempt.id}?lang=en").text
    assert sorted(prompts(resumed)) == sorted(ENGLISH.values())
    assert "Option b" in resumed and "Opção b" not in resumed
    # The browser sends back what the English page shows checked: option keys, never texts.
    checked = re.findall(r'name="(q\d+)" value="(\w+)"\s+checked>', resumed)
    assert len(checked) == sum(len(keys) for keys in answers.values())
    form: dict[str, list[str]] = {"token": [attempt.token]}
    for name, key in checked:
        form.setdefault(name, []).append(key)
    client.post(f"/attempts/{attempt.id}/submit?lang=en", data=form)
    db.session.refresh(attempt)
    assert (attempt.score_points, attempt.max_points, attempt.passed) == (3, 3, True)

    result = client.get(f"/attempts/{attempt.id}/result?lang=en").text
    assert "Explanation q1" in result and "Explicación de q1" not in result
    assert "Explicação q1" in client.get(f"/attempts/{attempt.id}/result?lang=pt_BR").text


def test_the_same_keys_score_the_same_in_every_language(client, login_as, world):
    translate(world.quiz)
    login_as(world.official)
    scores = []
    for lang in ("es", "pt_BR", "en"):
        attempt = start(client, world, lang)
        answers = right_answers(attempt)
        answers[next(iter(answers))] = []  # one unanswered question each time
        form = {"token": attempt.token, **{f"q{qid}": keys for qid, keys in answers.items()}}
        client.post(f"/attempts/{attempt.id}/submit?lang={lang}", data=form)
        db.session.refresh(attempt)
        scores.append((attempt.score_points, attempt.max_points))
    assert len(set(scores)) == 1 and scores[0][0] == 2


def test_an_untranslated_question_shows_in_spanish_with_a_note_in_the_readers_language(
        client, login_as, world):
    translate(world.quiz, leave_out="q2")
    login_as(world.official)
    attempt = start(client, world, "pt_BR")
    page = client.get(f"/attempts/{attempt.id}?lang=pt_BR").text
    assert "¿Pregunta dos?" in page and PORTUGUESE["q1"] in page
    assert '<p class="quiz-prompt" lang="es">¿Pregunta dos?</p>' in page
    assert "ainda não foram traduzidas" in page
    english = client.get(f"/attempts/{attempt.id}?lang=en").text
    assert "not yet translated into your language" in english


def test_the_api_paper_gives_the_prompt_in_the_requests_language(client, login_as, bearer, world):
    translate(world.quiz)
    login_as(world.official)
    attempt = start(client, world, "en")
    body = client.get(f"/api/v1/attempts/{attempt.id}?lang=pt_BR",
                      headers=bearer(world.official)).json
    questions = body["questions"]
    assert {question["prompt_localized"] for question in questions} == set(PORTUGUESE.values())
    assert {question["prompt"] for question in questions} == {
        "¿Pregunta uno?", "¿Pregunta dos?", "¿Pregunta tres?"}
