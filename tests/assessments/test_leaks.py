"""The answer key never reaches a participant before their attempt is submitted.

Run on the real quizzes of course_content/: every quiz, every question, every
explanation, in the HTML of the quiz pages and in every API answer a
participant gets before submitting.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from markupsafe import escape

from certify.assessments import papers
from certify.assessments.models import Quiz, QuizAttempt
from certify.cohorts.enrolments import enrol
from certify.cohorts.services import create_cohort
from certify.extensions import db
from certify.programmes.models import Module
from tests.assessments.conftest import right_answers

KEY_FIELDS = {"correct", "correct_keys", "explanation", "earned_point"}


@pytest.fixture
def real(programme, official, tutor):
    cohort = create_cohort(programme, name="Cohorte real", tutors=[tutor])
    enrol(cohort, official)
    db.session.commit()
    quizzes = db.session.scalars(sa.select(Quiz).join(Quiz.module)
                                 .where(Module.programme_id == programme.id)
                                 .order_by(Module.position)).all()
    assert len(quizzes) == 4
    return cohort, quizzes


def explanations(quiz: Quiz) -> list[str]:
    texts = [question.explanation for question in quiz.questions]
    assert all(texts)
    return texts


def content_texts(quiz: Quiz) -> set[str]:
    """Prompts and option texts: content the participant must see (some say "correctas")."""
    return {question.prompt for question in quiz.questions} | {
        option.text for question in quiz.questions for option in question.options if option.text}


def assert_no_key_in_html(html: str, quiz: Quiz) -> None:
    for text in explanations(quiz):
        assert text not in html and str(escape(text)) not in html
    for text in sorted(content_texts(quiz), key=len, reverse=True):
        html = html.replace(str(escape(text)), "")
    lowered = html.lower()
    assert "correct" not in lowered and "explanation" not in lowered


def strings_in(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from strings_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from strings_in(inner)
    elif isinstance(value, str):
        yield value


def assert_no_key_in_json(body: dict, quiz: Quiz) -> None:
    found = set(strings_in(body))
    assert not found & KEY_FIELDS, found & KEY_FIELDS
    assert not found & set(explanations(quiz))
    assert not [text for text in found - content_texts(quiz) if "correct" in text.lower()]


def test_the_quiz_pages_never_show_the_answer_key(client, login_as, official, real):
    cohort, quizzes = real
    login_as(official)
    for quiz in quizzes:
        intro = f"/my-programme/{cohort.id}/modules/{quiz.module.code}/quiz"
        module_page = client.get(f"/my-programme/{cohort.id}/modules/{quiz.module.code}").text
        assert not set(explanations(quiz)) & set(re.findall(r">([^<]+)<", module_page))
        location = client.post(intro + "/attempts").headers["Location"]
        attempt = db.session.get(QuizAttempt, int(location.rsplit("/", 1)[1]))
        html = client.get(location).text
        assert_no_key_in_html(html, quiz)

        # A right option's input is the same markup as a wrong one's, but for its value.
        drawn = papers.questions_of(attempt)
        assert len(drawn) == quiz.questions_asked < len(quiz.active_questions)  # a bank
        for question in drawn:
            inputs = re.findall(rf'<input[^>]*name="q{question.id}"[^>]*>', html)
            assert len(inputs) == len(question.options)
            assert len({re.sub(r'value="[^"]*"', "", tag) for tag in inputs}) == 1

        # After submitting, the same person sees every right option and explanation.
        client.post(f"/attempts/{attempt.id}/submit",
                    data={"token": attempt.token, **{f"q{qid}": keys for qid, keys
                                                     in right_answers(attempt).items()}})
        result = client.get(f"/attempts/{attempt.id}/result").text
        for question in drawn:
            assert str(escape(question.explanation)) in result


def test_the_api_never_gives_a_participant_the_answer_key_before_submission(
        client, bearer, official, tutor, real):
    _cohort, quizzes = real
    headers = bearer(official)
    for quiz in quizzes:
        read = client.get(f"/api/v1/quizzes/{quiz.id}", headers=headers)
        assert read.status_code == 200
        assert_no_key_in_json(read.json, quiz)

        started = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers)
        assert started.status_code == 201 and started.json["result"] is None
        assert_no_key_in_json(started.json, quiz)
        attempt_id = started.json["id"]
        attempt = db.session.get(QuizAttempt, attempt_id)

        saved = client.put(f"/api/v1/attempts/{attempt_id}/answers", headers=headers,
                           json={"answers": right_answers(attempt)})
        assert saved.status_code == 200
        assert_no_key_in_json(saved.json, quiz)
        fetched = client.get(f"/api/v1/attempts/{attempt_id}", headers=headers)
        assert_no_key_in_json(fetched.json, quiz)
        resumed = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers)
        assert resumed.status_code == 200
        assert_no_key_in_json(resumed.json, quiz)

        submitted = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers,
                                json={})
        assert submitted.status_code == 200
        result = submitted.json["result"]
        assert result["passed"] and result["percent"] == "100.00"
        assert {item["explanation"] for item in result["questions"]} == {
            question.explanation for question in papers.questions_of(attempt)}
        assert all(item["correct_keys"] == item["chosen"] for item in result["questions"])

    # Staff read the key.
    staff = client.get(f"/api/v1/quizzes/{quizzes[0].id}", headers=bearer(tutor)).json
    assert {"correct", "explanation"} <= set(strings_in(staff))
