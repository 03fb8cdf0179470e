"""Programmes and modules through the API, with the real course content."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

import certify.assessments.content  # noqa: F401 - registers quizzes with the content loader
from certify.assessments.models import Question, QuestionOption
from certify.extensions import db
from tests.api.conftest import assert_house_error, make_small_programme, walk_keys
from tests.factories import make_person

QUIZ_KEYS = {"correct", "options", "explanation", "questions", "quiz", "answer", "answers",
             "is_correct", "pass_mark"}

ES = "Innovación como Herramienta de Buen Gobierno"
PT = "Inovação como Ferramenta de Bom Governo"
EN = "Innovation as a Tool for Good Governance"


@pytest.fixture
def as_official(official, bearer):
    return bearer(official)


def test_programme_detail(client, programme, as_official):
    response = client.get(f"/api/v1/programmes/{programme.id}?lang=en", headers=as_official)
    assert response.status_code == 200
    body = response.get_json()
    assert body["code"] == "IHBG"
    assert set(body["title"]) == {"es", "pt", "en"}
    assert body["title_localized"] == EN
    assert body["total_hours"] == float(sum((m.hours for m in programme.modules), Decimal(0)))
    assert [m["code"] for m in body["modules"]] == [m.code for m in programme.modules]
    positions = [m["position"] for m in body["modules"]]
    assert positions == sorted(positions)
    assert body["module_count"] == len(programme.modules) == 5
    assert body["certification_rules"] == programme.certification_rules
    assert body["certification_rules"]["prototype_pass_mark"] == 60
    assert [a["name"] for a in body["authorities"]] == [a["name"] for a in programme.authorities]
    assert body["authorities"][0]["title_localized"].startswith("Executive Director")
    assert body["certificate_title_localized"] == "Public Innovation Agent"


@pytest.mark.parametrize(("query", "accept_language", "expected"), [
    ({"lang": "pt_BR"}, None, PT),
    ({"lang": "en"}, "pt-BR", EN),  # an explicit ?lang= wins
    ({"lang": "fr"}, None, ES),  # unsupported: the person's preference
    ({}, "pt-BR,pt;q=0.9", ES),  # a signed-in person's preference comes before the browser's
    ({}, None, ES),
])
def test_title_follows_the_requested_language(client, programme, bearer, query, accept_language,
                                              expected):
    headers = bearer(make_person(preferred_locale="es"))
    if accept_language:
        headers["Accept-Language"] = accept_language
    response = client.get(f"/api/v1/programmes/{programme.id}", headers=headers,
                          query_string=query)
    assert response.get_json()["title_localized"] == expected


def test_title_follows_the_persons_preference(client, programme, bearer):
    person = make_person(preferred_locale="pt_BR")
    body = client.get(f"/api/v1/programmes/{programme.id}", headers=bearer(person)).get_json()
    assert body["title_localized"] == PT
    assert body["modules"][0]["title_localized"] == programme.modules[0].title["pt"]


def test_programme_list_is_paginated(client, programme, as_official):
    make_small_programme("AAA")
    response = client.get("/api/v1/programmes?page_size=1", headers=as_official)
    assert [p["code"] for p in response.get_json()] == ["AAA"]
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    second = client.get("/api/v1/programmes?page_size=1&page=2", headers=as_official).get_json()
    assert second[0]["code"] == "IHBG" and second[0]["module_count"] == 5


def test_module_list_and_detail(client, programme, as_official):
    modules = client.get(f"/api/v1/programmes/{programme.id}/modules", headers=as_official)
    assert [m["code"] for m in modules.get_json()] == ["M1", "M2", "M3", "M4", "M5"]
    in_person = next(m for m in modules.get_json() if m["kind"] == "in_person")

    detail = client.get(f"/api/v1/modules/{modules.get_json()[0]['id']}?lang=en",
                        headers=as_official).get_json()
    assert detail["programme_id"] == programme.id
    assert detail["content_markdown"].startswith("# ")
    assert len(detail["learning_outcomes"]) == len(detail["learning_outcomes_localized"]) >= 3
    assert set(detail["learning_outcomes"][0]) == {"es", "pt", "en"}
    assert detail["learning_outcomes_localized"][0].startswith("Explain")
    assert in_person["hours"] > 0


def test_unknown_programme_and_module_are_404(client, as_official):
    assert_house_error(client.get("/api/v1/programmes/999999", headers=as_official), 404,
                       "not_found")
    assert_house_error(client.get("/api/v1/programmes/999999/modules", headers=as_official), 404)
    assert_house_error(client.get("/api/v1/modules/999999", headers=as_official), 404)


def test_no_answer_key_leaks_from_any_programme_endpoint(client, programme, as_official):
    options = db.session.scalars(
        sa.select(QuestionOption).join(Question).where(QuestionOption.correct.is_(True))).all()
    explanations = [text for text in db.session.scalars(sa.select(Question.explanation)) if text]
    assert options and explanations, "the quizzes were not loaded; this test would prove nothing"

    urls = ["/api/v1/programmes", f"/api/v1/programmes/{programme.id}",
            f"/api/v1/programmes/{programme.id}/modules"]
    urls += [f"/api/v1/modules/{module.id}" for module in programme.modules]
    for url in urls:
        for lang in ("es", "pt_BR", "en"):
            response = client.get(url, headers=as_official, query_string={"lang": lang})
            assert response.status_code == 200, url
            leaked = QUIZ_KEYS & set(walk_keys(response.get_json()))
            assert not leaked, f"{url} exposes {leaked}"
            text = response.get_data(as_text=True)
            body = json.dumps(response.get_json(), ensure_ascii=False)
            for explanation in explanations:
                assert explanation not in text and explanation not in body, url
