"""The quizzes API: reading a quiz, starting, saving, submitting and reading attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.assessments import services
from certify.assessments.models import QuizAttempt
from certify.core.clock import utcnow
from certify.extensions import db
from tests.api.conftest import assert_house_error
from tests.assessments.conftest import right_answers, wrong_answers
from tests.factories import make_person


@pytest.fixture
def headers(bearer, world):
    return bearer(world.official)


def start(client, world, headers) -> dict:
    response = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=headers)
    assert response.status_code in (200, 201), response.json
    return response.json


def test_a_participant_reads_the_settings_and_questions(client, world, headers):
    body = client.get(f"/api/v1/quizzes/{world.quiz.id}", headers=headers).json
    assert {key: body[key] for key in ("pass_mark", "max_attempts", "time_limit_minutes",
                                       "counting_attempt", "module_code")} == \
        {"pass_mark": 60, "max_attempts": 3, "time_limit_minutes": 20,
         "counting_attempt": "best", "module_code": "M1"}
    assert [q["key"] for q in body["questions"]] == ["q1", "q2", "q3"]  # q0 is retired
    true_false = body["questions"][2]
    assert true_false["options"] == [{"key": "true", "text": "Verdadero"},
                                     {"key": "false", "text": "Falso"}]
    english = client.get(f"/api/v1/quizzes/{world.quiz.id}?lang=en", headers=headers).json
    assert english["questions"][2]["options"][0]["text"] == "True"
    assert english["title_localized"] == "Quiz QZ"


def test_staff_read_the_answer_key(client, world, bearer, manager):
    for person in (world.tutor, manager):
        body = client.get(f"/api/v1/quizzes/{world.quiz.id}", headers=bearer(person)).json
        q2 = body["questions"][1]
        assert [o["key"] for o in q2["options"] if o["correct"]] == ["a", "c"]
        assert q2["explanation"].startswith("Explicación de q2")


def test_starting_then_resuming(client, world, headers):
    first = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=headers)
    assert first.status_code == 201
    body = first.json
    assert body["number"] == 1 and body["status"] == "in_progress" and body["result"] is None
    assert 1190 <= body["seconds_left"] <= 1200 and body["accepting_answers"]
    assert [q["number"] for q in body["questions"]] == [1, 2, 3]
    again = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=headers)
    assert again.status_code == 200 and again.json["id"] == body["id"]
    assert again.json["questions"] == body["questions"]


def test_saving_and_submitting(client, world, headers):
    attempt_id = start(client, world, headers)["id"]
    attempt = db.session.get(QuizAttempt, attempt_id)
    answers = right_answers(attempt)
    saved = client.put(f"/api/v1/attempts/{attempt_id}/answers", headers=headers,
                       json={"answers": answers})
    assert saved.status_code == 200
    assert saved.json["answers"] == {qid: sorted(keys, key=attempt.option_order[qid].index)
                                     for qid, keys in answers.items()}
    assert saved.json["answers_saved_at"]

    first = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers)
    assert first.status_code == 200
    result = first.json["result"]
    assert (result["score_points"], result["max_points"], result["percent"], result["passed"]) \
        == (3, 3, "100.00", True)
    assert first.json["status"] == "submitted" and not first.json["accepting_answers"]

    second = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers,
                         json={"answers": wrong_answers(attempt)})
    assert second.status_code == 200
    assert {k: v for k, v in second.json.items() if k != "seconds_left"} == \
        {k: v for k, v in first.json.items() if k != "seconds_left"}
    fetched = client.get(f"/api/v1/attempts/{attempt_id}", headers=headers).json
    assert fetched["result"] == result


def test_submitting_with_answers_in_the_body(client, world, headers):
    attempt_id = start(client, world, headers)["id"]
    attempt = db.session.get(QuizAttempt, attempt_id)
    body = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers,
                       json={"answers": wrong_answers(attempt)}).json
    assert body["result"]["percent"] == "0.00" and not body["result"]["passed"]
    assert all(not item["earned_point"] for item in body["result"]["questions"])


@pytest.mark.parametrize("answers, field", [
    ({"999999": ["a"]}, "answers.999999"),
    ({"Q1": ["zz"]}, "answers.Q1"),
    ({"Q1": ["a", "b"]}, "answers.Q1"),
])
def test_answers_that_do_not_fit_are_a_422_naming_the_question(client, world, headers,
                                                                answers, field):
    attempt_id = start(client, world, headers)["id"]
    q1 = next(q.id for q in world.quiz.questions if q.key == "q1")
    answers = {key.replace("Q1", str(q1)): keys for key, keys in answers.items()}
    field = field.replace("Q1", str(q1))
    for url, method in ((f"/api/v1/attempts/{attempt_id}/answers", "PUT"),
                        (f"/api/v1/attempts/{attempt_id}/submit", "POST")):
        response = client.open(url, method=method, headers=headers, json={"answers": answers})
        body = assert_house_error(response, 422, "validation_error")
        assert list(body["errors"]) == [field]
    assert not db.session.get(QuizAttempt, attempt_id).is_submitted


@pytest.mark.parametrize("payload", [{}, {"answers": {"1": "a"}}, {"answers": ["a"]},
                                     {"answers": {}, "extra": 1}])
def test_malformed_bodies_are_a_422(client, world, headers, payload):
    attempt_id = start(client, world, headers)["id"]
    response = client.put(f"/api/v1/attempts/{attempt_id}/answers", headers=headers,
                          json=payload)
    assert_house_error(response, 422)


def test_no_more_attempts_is_a_409(client, world, headers):
    world.quiz.max_attempts = 1
    db.session.commit()
    attempt_id = start(client, world, headers)["id"]
    client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers)
    response = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=headers)
    assert_house_error(response, 409, "conflict")
    late_save = client.put(f"/api/v1/attempts/{attempt_id}/answers", headers=headers,
                           json={"answers": {}})
    assert_house_error(late_save, 409, "conflict")


def test_an_attempt_past_its_deadline_is_scored_with_what_was_saved_in_time(client, world,
                                                                           headers):
    attempt = services.start_attempt(world.quiz, world.official,
                                     now=utcnow() - timedelta(minutes=30))
    services.save_answers(attempt, wrong_answers(attempt), now=utcnow() - timedelta(minutes=25))
    db.session.commit()
    late_save = client.put(f"/api/v1/attempts/{attempt.id}/answers", headers=headers,
                           json={"answers": right_answers(attempt)})
    assert_house_error(late_save, 409, "conflict")  # it was scored when the time ran out
    body = client.post(f"/api/v1/attempts/{attempt.id}/submit", headers=headers,
                       json={"answers": right_answers(attempt)}).json
    assert body["status"] == "submitted" and body["result"]["score_points"] == 0
    assert body["submitted_at"] == body["deadline_at"] and body["seconds_left"] == 0


def test_nobody_else_sees_an_attempt(client, world, headers, bearer, manager):
    attempt_id = start(client, world, headers)["id"]
    for person in (make_person(), world.tutor, manager):
        other = bearer(person)
        for method, url in (("GET", f"/api/v1/attempts/{attempt_id}"),
                            ("PUT", f"/api/v1/attempts/{attempt_id}/answers"),
                            ("POST", f"/api/v1/attempts/{attempt_id}/submit")):
            response = client.open(url, method=method, headers=other, json={"answers": {}})
            assert_house_error(response, 404, "not_found")
    assert db.session.scalar(sa.select(QuizAttempt.status)).value == "in_progress"


def test_people_outside_the_programme_cannot_read_or_start_the_quiz(client, world, bearer):
    outsider = bearer(make_person())
    assert_house_error(client.get(f"/api/v1/quizzes/{world.quiz.id}", headers=outsider), 403)
    assert_house_error(client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts",
                                   headers=outsider), 403)
    assert_house_error(client.get("/api/v1/quizzes/999999", headers=outsider), 404)
    assert_house_error(client.get(f"/api/v1/quizzes/{world.quiz.id}"), 401)


def test_the_api_is_documented(client):
    spec = client.get("/api/openapi.json").json
    for path, methods in {"/api/v1/quizzes/{quiz_id}": {"get"},
                          "/api/v1/quizzes/{quiz_id}/attempts": {"post"},
                          "/api/v1/attempts/{attempt_id}": {"get"},
                          "/api/v1/attempts/{attempt_id}/answers": {"put"},
                          "/api/v1/attempts/{attempt_id}/submit": {"post"}}.items():
        for method in methods:
            operation = spec["paths"][path][method]
            assert operation.get("description") or operation.get("summary")
            assert "401" in operation["responses"]
    assert "correct" not in spec["components"]["schemas"]["Option"]["properties"]
    assert "correct" in spec["components"]["schemas"]["StaffOption"]["properties"]
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(spec)
