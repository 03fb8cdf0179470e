"""The surveys API: /api/v1/surveys, a survey, your response, the staff's summary."""

from __future__ import annotations

import json

from certify.surveys import services
from tests.factories import enrol
from tests.surveys.conftest import answer, module_survey
from tests.surveys.test_views import close


def assert_error(response, status: int, code: str) -> dict:
    """A JSON error in the house format."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"} and body["code"] == code, body
    assert body["message"]
    return body


def test_each_caller_lists_the_surveys_they_may_see(client, bearer, cohort, other_cohort, enrolled,
                                                    tutor, manager, m1_survey):
    answer(m1_survey, enrolled, overall=5, content=5)
    mine = client.get("/api/v1/surveys", headers=bearer(enrolled))
    assert mine.status_code == 200
    assert [(s["cohort_id"], s["module_code"], s["answered"]) for s in mine.json] == [
        (cohort.id, "M1", True), (cohort.id, "M2", False)]
    first = mine.json[0]
    assert first == {
        "id": m1_survey.id, "cohort_id": cohort.id, "module_id": m1_survey.module_id,
        "module_code": "M1", "session_id": None, "label": "M1 · Public innovation",
        "template_key": "satisfaction", "opens_at": first["opens_at"],
        "closes_at": first["closes_at"], "status": "open", "answered": True,
    }
    assert first["closes_at"].endswith("23:59:59+00:00")
    assert {s["cohort_id"] for s in client.get("/api/v1/surveys", headers=bearer(tutor)).json} == {
        cohort.id}
    everything = client.get("/api/v1/surveys?page_size=3", headers=bearer(manager))
    assert json.loads(everything.headers["X-Pagination"])["total"] == 4  # the other cohort's too
    only = client.get(f"/api/v1/surveys?cohort_id={other_cohort.id}", headers=bearer(manager)).json
    assert {s["cohort_id"] for s in only} == {other_cohort.id}
    assert_error(client.get("/api/v1/surveys?cohort_id=x", headers=bearer(manager)), 422,
                 "validation_error")


def test_a_survey_comes_with_its_questions_and_your_answers(client, bearer, enrolled, m1_survey):
    headers = bearer(enrolled)
    body = client.get(f"/api/v1/surveys/{m1_survey.id}", headers=headers).json
    assert body["template"]["key"] == "satisfaction"
    assert body["template"]["items"][0] == {
        "key": "overall", "kind": "scale", "required": True,
        "prompt": {"es": "En general", "en": "Overall"}}
    assert [item["key"] for item in body["template"]["items"]] == [
        "overall", "content", "venue", "improve"]
    assert body["my_response"] is None and body["answered"] is False
    answer(m1_survey, enrolled, overall=4, content=5, improve="Bien")
    body = client.get(f"/api/v1/surveys/{m1_survey.id}", headers=headers).json
    assert body["my_response"]["answers"] == {"overall": 4, "content": 5, "improve": "Bien"}
    assert body["my_response"]["editable_until"] == body["closes_at"]


def test_put_creates_then_replaces_your_response(client, bearer, enrolled, m1_survey):
    headers = bearer(enrolled)
    url = f"/api/v1/surveys/{m1_survey.id}/response"
    created = client.put(url, json={"answers": {"overall": 5, "content": 4, "improve": "Más"}},
                         headers=headers)
    assert created.status_code == 201
    assert created.json["answers"] == {"overall": 5, "content": 4, "improve": "Más"}
    assert created.json["survey_id"] == m1_survey.id
    replaced = client.put(url, json={"answers": {"overall": 3, "content": 3, "venue": 5}},
                          headers=headers)
    assert replaced.status_code == 200
    assert replaced.json["answers"] == {"overall": 3, "content": 3, "venue": 5}
    assert services.response_of(m1_survey, enrolled).answers_by_key() == replaced.json["answers"]


def test_bad_answers_are_named_one_by_one(client, bearer, enrolled, m1_survey):
    url = f"/api/v1/surveys/{m1_survey.id}/response"
    body = assert_error(client.put(url, json={"answers": {"overall": 6, "venue": "5", "mood": 1}},
                                   headers=bearer(enrolled)), 422, "validation_error")
    assert body["errors"] == {
        "answers.overall": ["Choose a whole number from 1 to 5."],
        "answers.content": ["Please answer this question."],
        "answers.venue": ["Choose a whole number from 1 to 5."],
        "answers.mood": ["This survey has no question 'mood'."],
    }
    assert body["message"] == "Some answers need attention: content, mood, overall, venue."
    missing = assert_error(client.put(url, json={}, headers=bearer(enrolled)), 422,
                           "validation_error")
    assert "answers" in missing["errors"]
    assert services.response_of(m1_survey, enrolled) is None


def test_a_closed_survey_answers_409(client, bearer, enrolled, m1_survey):
    close(m1_survey)
    body = assert_error(client.put(f"/api/v1/surveys/{m1_survey.id}/response",
                                   json={"answers": {"overall": 5, "content": 5}},
                                   headers=bearer(enrolled)), 409, "conflict")
    assert body["message"].startswith("This survey closed on")


def test_an_unknown_survey_is_404(client, bearer, enrolled, manager):
    assert_error(client.get("/api/v1/surveys/999999", headers=bearer(enrolled)), 404, "not_found")
    assert_error(client.put("/api/v1/surveys/999999/response", json={"answers": {}},
                            headers=bearer(enrolled)), 404, "not_found")
    assert_error(client.get("/api/v1/surveys/999999/summary", headers=bearer(manager)), 404,
                 "not_found")


def test_the_summary_gives_staff_the_numbers(client, bearer, cohort, surveys, tutor):
    from tests.factories import make_person

    people = [make_person() for _ in range(4)]
    m2 = module_survey(surveys, "M2")
    for person, score in zip(people, (5, 5, 4), strict=False):
        enrol(cohort, person)
        answer(m2, person, overall=score, content=4, improve="Todo bien")
    enrol(cohort, people[3])
    body = client.get(f"/api/v1/surveys/{m2.id}/summary", headers=bearer(tutor)).json
    assert (body["survey_id"], body["responses"], body["active_enrolments"]) == (m2.id, 3, 4)
    assert (body["response_rate"], body["average"]) == (0.75, 4.33)
    overall = body["items"][0]
    assert overall == {"key": "overall", "kind": "scale", "active": True,
                       "prompt": {"es": "En general", "en": "Overall"}, "answers": 3,
                       "response_rate": 0.75, "average": 4.67,
                       "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 2}, "texts": []}
    assert body["items"][3]["texts"] == ["Todo bien"] * 3
    assert body["items"][3]["average"] is None and body["items"][3]["distribution"] == {}
