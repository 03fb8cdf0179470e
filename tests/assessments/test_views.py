"""The quiz pages of an official, and the cohort results of tutors and managers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.assessments import papers, services
from certify.assessments.models import AttemptStatus, QuizAttempt
from certify.core.clock import utcnow
from certify.extensions import db
from tests.assessments.conftest import enrolled_official, right_answers, wrong_answers
from tests.factories import make_person

# Pages render what the services (tested on both databases) return: SQLite only.
pytestmark = pytest.mark.one_database


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("certify_locale", "en")


def intro_url(world) -> str:
    return f"/my-programme/{world.cohort.id}/modules/M1/quiz"


def start(client, world) -> QuizAttempt:
    response = client.post(intro_url(world) + "/attempts")
    assert response.status_code == 303
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(QuizAttempt, attempt_id)


def as_form(attempt: QuizAttempt, answers: dict[str, list[str]]) -> dict:
    return {"token": attempt.token, **{f"q{qid}": keys for qid, keys in answers.items()}}


def test_the_intro_explains_the_rules_and_starts_with_a_post(client, login_as, world):
    login_as(world.official)
    page = client.get(intro_url(world)).text
    for text in ("Pass mark", "60%", "0 used of 3", "20 minutes per attempt",
                 "Your best attempt counts.", "all correct options and no wrong ones",
                 "Not attempted yet", "3 attempts left"):
        assert text in page, text
    assert re.search(r'<form method="post" action="/my-programme/\d+/modules/M1/quiz/attempts">',
                     page)
    assert f'href="/my-programme/{world.cohort.id}/modules/M1"' in page


def test_an_official_takes_the_quiz_and_sees_the_result(client, login_as, world):
    login_as(world.official)
    attempt = start(client, world)
    page = client.get(f"/attempts/{attempt.id}").text
    assert f'name="token" type="hidden" value="{attempt.token}"' in page
    assert 'data-seconds-left="' in page and 'role="timer"' in page
    assert page.count('type="radio" name="q') == 5 and page.count('type="checkbox" name="q') == 3
    assert ">True<" in page and ">False<" in page
    assert f"/api/v1/attempts/{attempt.id}/answers" in page and "X-CSRFToken" in page
    prompts = re.findall(r'<p class="quiz-prompt" lang="es">([^<]+)</p>', page)
    expected = [item.question.prompt for item in papers.attempt_paper(attempt)]
    assert prompts == expected  # in the attempt's own order

    response = client.post(f"/attempts/{attempt.id}/submit", data=as_form(attempt,
                                                                          right_answers(attempt)))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/attempts/{attempt.id}/result")
    result = client.get(f"/attempts/{attempt.id}/result").text
    assert "Passed" in result and "100%" in result and "3 of 3" in result
    for question in world.quiz.active_questions:
        assert question.explanation in result
    assert result.count("Correct answer") == 4  # q1: b, q2: a and c, q3: true
    assert f'href="/my-programme/{world.cohort.id}/modules/M1"' in result

    # The intro and the module page now show the pass.
    assert "Passed with 100%" in client.get(intro_url(world)).text
    module = client.get(f"/my-programme/{world.cohort.id}/modules/M1").text
    assert "Passed with 100%" in module and "2 attempts left" in module


def test_a_second_submit_shows_the_same_result(client, login_as, world):
    login_as(world.official)
    attempt = start(client, world)
    data = as_form(attempt, right_answers(attempt))
    assert client.post(f"/attempts/{attempt.id}/submit", data=data).status_code == 303
    again = client.post(f"/attempts/{attempt.id}/submit",
                        data=as_form(attempt, wrong_answers(attempt)), follow_redirects=True)
    assert again.status_code == 200 and "already submitted" in again.text and "100%" in again.text
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 1


def test_a_tampered_answer_is_a_422_and_nothing_is_scored(client, login_as, world):
    login_as(world.official)
    attempt = start(client, world)
    answers = right_answers(attempt)
    tampered = next(iter(answers))
    answers[tampered] = ["zz"]
    response = client.post(f"/attempts/{attempt.id}/submit", data=as_form(attempt, answers))
    assert response.status_code == 422
    assert "Unknown option: zz." in response.text and "quiz-question has-error" in response.text
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).status is AttemptStatus.IN_PROGRESS


def test_a_page_of_another_attempt_is_a_422(client, login_as, world):
    login_as(world.official)
    attempt = start(client, world)
    response = client.post(f"/attempts/{attempt.id}/submit", data={"token": "not-this-one"})
    assert response.status_code == 422 and "does not belong to this attempt" in response.text
    assert not db.session.get(QuizAttempt, attempt.id).is_submitted


def test_pages_send_you_to_where_the_attempt_is(client, login_as, world):
    login_as(world.official)
    attempt = start(client, world)
    assert client.get(f"/attempts/{attempt.id}/result").headers["Location"].endswith(
        f"/attempts/{attempt.id}")
    client.post(f"/attempts/{attempt.id}/submit", data=as_form(attempt, {}))
    assert client.get(f"/attempts/{attempt.id}").headers["Location"].endswith(
        f"/attempts/{attempt.id}/result")
    # Resume, not restart, from the intro while an attempt is open.
    second = start(client, world)
    assert f"Resume attempt {second.number}" in client.get(intro_url(world)).text
    assert start(client, world).id == second.id


def test_opening_the_quiz_scores_an_attempt_whose_time_ran_out(client, login_as, world):
    attempt = services.start_attempt(world.quiz, world.official,
                                     now=utcnow() - timedelta(minutes=30))
    services.save_answers(attempt, right_answers(attempt), now=utcnow() - timedelta(minutes=25))
    db.session.commit()
    login_as(world.official)
    page = client.get(intro_url(world)).text
    assert "Passed with 100%" in page
    result = client.get(f"/attempts/{attempt.id}/result").text
    assert "The time ran out" in result


def test_no_more_attempts_is_explained_not_offered(client, login_as, world):
    world.quiz.max_attempts = 1
    db.session.commit()
    login_as(world.official)
    attempt = start(client, world)
    client.post(f"/attempts/{attempt.id}/submit", data=as_form(attempt, wrong_answers(attempt)))
    page = client.get(intro_url(world)).text
    assert "You have used the only attempt of this quiz." in page
    assert "/quiz/attempts" not in page
    refused = client.post(intro_url(world) + "/attempts", follow_redirects=True)
    assert "You have used the only attempt of this quiz." in refused.text
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 1


def test_in_person_modules_and_other_cohorts_have_no_quiz_page(client, login_as, world):
    login_as(world.official)
    assert client.get(f"/my-programme/{world.cohort.id}/modules/M2/quiz").status_code == 404
    assert client.get(f"/my-programme/{world.cohort.id}/modules/M9/quiz").status_code == 404
    assert client.get(f"/my-programme/{world.cohort.id + 1}/modules/M1/quiz").status_code == 404
    assert "quiz-cta" not in client.get(f"/my-programme/{world.cohort.id}/modules/M2").text


def test_tutors_see_the_cohort_results_table(client, login_as, world):
    passer, failer = world.official, enrolled_official(world.cohort, family_names="Zúñiga")
    for person, answers in ((passer, right_answers), (failer, wrong_answers)):
        attempt = services.start_attempt(world.quiz, person)
        services.submit_attempt(attempt, answers(attempt))
    db.session.commit()
    login_as(world.tutor)
    overview = client.get(f"/cohorts/{world.cohort.id}/quizzes").text
    assert re.search(r"<td>2</td>\s*<td>2</td>\s*<td>1</td>", overview)
    table = client.get(f"/cohorts/{world.cohort.id}/quizzes/{world.quiz.id}/results").text
    assert passer.email in table and failer.email in table
    assert table.index(passer.email) < table.index(failer.email)  # by family names
    assert "100%" in table and "0%" in table and "1 of 3" in table


def test_a_quiz_of_another_programme_is_not_in_the_cohorts_results(client, login_as, world,
                                                                   manager):
    from tests.assessments.conftest import make_quiz_programme, quiz_of

    other = quiz_of(make_quiz_programme(code="OTRO"))
    login_as(manager)
    url = f"/cohorts/{world.cohort.id}/quizzes/{other.id}/results"
    assert client.get(url).status_code == 404


def test_the_cohort_results_take_a_fixed_number_of_queries(client, login_as, world,
                                                          count_queries):
    login_as(world.tutor)
    url = f"/cohorts/{world.cohort.id}/quizzes/{world.quiz.id}/results"
    db.session.commit()  # as below, so both requests start alike
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for _ in range(8):
        person = enrolled_official(world.cohort, municipality=None)
        attempt = services.start_attempt(world.quiz, person)
        services.submit_attempt(attempt, right_answers(attempt))
    db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many["n"] == few["n"]


def test_a_withdrawn_official_can_no_longer_open_their_attempt(client, login_as, world):
    from certify.cohorts.enrolments import find_enrolment, set_enrolment_status

    attempt = services.start_attempt(world.quiz, world.official)
    set_enrolment_status(find_enrolment(world.cohort, world.official), "withdrawn")
    db.session.commit()
    login_as(world.official)
    assert client.get(f"/attempts/{attempt.id}").status_code == 403
    assert client.get(intro_url(world)).status_code == 404
    login_as(make_person())
    assert client.get(f"/attempts/{attempt.id}").status_code == 404
