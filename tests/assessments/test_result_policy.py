"""What a result tells (the quiz's ``result_page``) and the question bank, on the page and the API.

A failed attempt must not hand over the answers of the next one: by default the
correct answers appear only once the quiz is passed or no attempt is left, and
each attempt from a bank asks other questions than the one before.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape

from certify.assessments import papers, services
from certify.assessments.models import QuizAttempt, ResultPage
from certify.core.clock import utcnow
from certify.extensions import db
from tests.assessments.conftest import T0, right_answers, wrong_answers


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("certify_locale", "en")


def failed_attempt(world, number: int = 0) -> QuizAttempt:
    started = T0 + timedelta(hours=number)
    attempt = services.start_attempt(world.quiz, world.official, now=started)
    services.submit_attempt(attempt, wrong_answers(attempt), now=started + timedelta(minutes=5))
    db.session.commit()
    return attempt


def explanations_in(text: str, attempt: QuizAttempt) -> list[str]:
    return [question.explanation for question in papers.questions_of(attempt)
            if str(escape(question.explanation)) in text or question.explanation in text]


def api_result(client, bearer, world, attempt) -> dict:
    response = client.get(f"/api/v1/attempts/{attempt.id}", headers=bearer(world.official))
    assert response.status_code == 200
    return response.json["result"]


def test_a_failed_attempt_with_attempts_left_shows_what_was_wrong_not_the_answers(
        client, login_as, bearer, world):
    attempt = failed_attempt(world)
    login_as(world.official)
    page = client.get(f"/attempts/{attempt.id}/result").text
    assert page.count("0 points") == 3 and "Your answer" in page
    assert "Correct answer" not in page and not explanations_in(page, attempt)
    assert "once you pass the quiz or have used your last attempt" in page

    result = api_result(client, bearer, world, attempt)
    assert result["shows"] == "mistakes" and result["passed"] is False
    assert [item["earned_point"] for item in result["questions"]] == [False] * 3
    assert all(item["correct_keys"] is None and item["explanation"] is None
               and item["explanation_localized"] is None
               for item in result["questions"])
    assert all(item["chosen"] for item in result["questions"])


def test_the_answers_appear_after_the_last_attempt(client, login_as, bearer, world):
    first = failed_attempt(world, 0)
    failed_attempt(world, 1)
    # While the last attempt is open (its time running now), even an earlier attempt keeps
    # its answers to itself.
    last = services.start_attempt(world.quiz, world.official, now=utcnow())
    db.session.commit()
    assert papers.disclosure_of(first) is papers.Disclosure.MISTAKES
    assert api_result(client, bearer, world, first)["shows"] == "mistakes"

    services.submit_attempt(last, wrong_answers(last), now=utcnow())
    db.session.commit()
    login_as(world.official)
    page = client.get(f"/attempts/{first.id}/result").text
    assert page.count("Correct answer") == 4 and len(explanations_in(page, first)) == 3
    result = api_result(client, bearer, world, first)
    assert result["shows"] == "answers"
    assert all(item["correct_keys"] and item["explanation"] for item in result["questions"])


def test_the_answers_appear_once_passed(client, bearer, world):
    failed = failed_attempt(world, 0)
    passed = services.start_attempt(world.quiz, world.official, now=T0 + timedelta(hours=1))
    services.submit_attempt(passed, right_answers(passed), now=T0 + timedelta(hours=1))
    db.session.commit()
    assert api_result(client, bearer, world, failed)["shows"] == "answers"
    assert api_result(client, bearer, world, passed)["shows"] == "answers"


def test_a_score_only_quiz_shows_no_questions_even_at_the_end(client, login_as, bearer, world):
    world.quiz.result_page = ResultPage.SCORE
    world.quiz.max_attempts = 1
    attempt = failed_attempt(world)
    login_as(world.official)
    page = client.get(f"/attempts/{attempt.id}/result").text
    assert "0 of 3" in page and "This quiz shows only your score" in page
    assert "Your answers" not in page and "Question 1" not in page
    assert not explanations_in(page, attempt)
    result = api_result(client, bearer, world, attempt)
    assert result["shows"] == "score" and result["questions"] == []
    assert result["score_points"] == 0


def test_a_mistakes_quiz_never_shows_the_answers(client, login_as, bearer, world):
    world.quiz.result_page = ResultPage.MISTAKES
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    services.submit_attempt(attempt, right_answers(attempt), now=T0)
    db.session.commit()
    login_as(world.official)
    page = client.get(f"/attempts/{attempt.id}/result").text
    assert page.count("1 point") == 3 and "Correct answer" not in page
    assert "but not the correct answers" in page
    assert api_result(client, bearer, world, attempt)["shows"] == "mistakes"


def test_the_intro_says_what_results_show(client, login_as, world):
    login_as(world.official)
    page = client.get(f"/my-programme/{world.cohort.id}/modules/M1/quiz").text
    assert "the correct answers once you pass or have used your last attempt" in page


# --- the question bank -------------------------------------------------------------------------

def test_attempts_from_a_bank_ask_fewer_questions_and_never_the_same_twice_in_a_row(
        client, login_as, world):
    world.quiz.questions_per_attempt = 2
    world.quiz.max_attempts = None
    papers_drawn = []
    for hour in range(8):
        attempt = services.start_attempt(world.quiz, world.official, now=T0 + timedelta(hours=hour))
        assert len(attempt.question_order) == 2
        services.submit_attempt(attempt, right_answers(attempt), now=T0 + timedelta(hours=hour))
        assert (attempt.score_points, attempt.max_points, attempt.passed) == (2, 2, True)
        papers_drawn.append(frozenset(attempt.question_order))
    assert all(one != two for one, two in zip(papers_drawn, papers_drawn[1:], strict=False))
    # Every question is asked as often as any other, give or take one.
    asked = [sum(question.id in paper for paper in papers_drawn)
             for question in world.quiz.active_questions]
    assert max(asked) - min(asked) <= 1 and sum(asked) == 16
    retired = next(question for question in world.quiz.questions if not question.active)
    assert not any(retired.id in paper for paper in papers_drawn)

    db.session.commit()
    login_as(world.official)
    intro = client.get(f"/my-programme/{world.cohort.id}/modules/M1/quiz").text
    assert "2 per attempt, drawn from 3" in intro and "asks other questions" in intro


def test_the_api_tells_the_bank_and_the_policy(client, bearer, world):
    world.quiz.questions_per_attempt = 2
    db.session.commit()
    headers = bearer(world.official)
    quiz = client.get(f"/api/v1/quizzes/{world.quiz.id}", headers=headers).json
    assert (quiz["questions_per_attempt"], quiz["result_page"]) == (2, "answers_when_final")
    started = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=headers).json
    assert len(started["questions"]) == 2
