"""No input makes a 500 or holds a worker: sizes, nesting, numbers and text checked first."""

from __future__ import annotations

import time

import pytest

from certify.core.request_guards import MAX_ID, json_depth


def assert_house_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"} and body["message"]
    if code:
        assert body["code"] == code
    return body


@pytest.mark.parametrize("raw,depth", [
    (b"{}", 1), (b"[[{}]]", 3), (b'{"a": "[[[[", "b": [1]}', 2),
    (b'["\\\\", [[]]]', 3), (b'["\\"[[[", []]', 2), (b"[" * 5000, 5000), (b'"x"', 0),
])
def test_json_depth_is_read_without_decoding(raw, depth):
    assert json_depth(raw) == depth


def test_an_oversized_answers_body_is_refused_before_it_is_read(client, bearer, official):
    body = b'{"answers": {"1": ["' + b"a" * (8 * 1024 * 1024) + b'"]}}'
    started = time.perf_counter()
    response = client.put("/api/v1/attempts/1/answers", data=body,
                          content_type="application/json", headers=bearer(official))
    assert time.perf_counter() - started < 2
    body = assert_house_error(response, 413, "payload_too_large")
    assert "256 KB" in body["message"]


def test_forms_have_the_same_limit_and_uploads_keep_theirs(client, login_as, official):
    login_as(official)
    big_form = {"answer": "x" * (300 * 1024)}
    assert client.post("/attempts/1/submit", data=big_form).status_code == 413
    upload = client.post("/login", data={"email": "a@example.org", "password": "x" * (300 * 1024)},
                         content_type="multipart/form-data")
    assert upload.status_code != 413


def test_deeply_nested_json_is_a_400_in_the_house_format(client, bearer, manager):
    for body in ("[" * 100_000 + "]" * 100_000, '{"a":' * 40 + "1" + "}" * 40):
        response = client.post("/api/v1/people", data=body, content_type="application/json",
                               headers=bearer(manager))
        assert "32" in assert_house_error(response, 400, "bad_request")["message"]


@pytest.mark.parametrize("name", ["Ana\x00María", "Ana\ud800"])
def test_text_no_column_can_hold_is_a_422_naming_the_field(client, bearer, manager, name):
    response = client.post("/api/v1/people", headers=bearer(manager), json={
        "email": "nul@example.org", "given_names": name, "family_names": "Pérez"})
    body = assert_house_error(response, 422, "validation_error")
    assert "given_names" in body["errors"]


def test_nul_in_the_query_path_or_a_form(client, login_as, manager):
    login_as(manager)
    assert_house_error(client.get("/api/v1/people?q=a%00b"), 422)
    assert client.get("/v/AB%00CD").status_code == 422
    assert client.post("/people/new", data={"given_names": "a\x00b"}).status_code == 422


@pytest.mark.parametrize("url", [
    f"/api/v1/people/{MAX_ID + 1}", f"/api/v1/people/{2**64}", "/api/v1/people/-1",
    f"/people/{2**63}", f"/cohorts/{MAX_ID + 1}", f"/api/v1/quizzes/{10**30}",
])
def test_ids_no_column_can_hold_are_not_found(client, login_as, bearer, manager, url):
    login_as(manager)
    response = client.get(url, headers=bearer(manager) if url.startswith("/api/") else {})
    assert response.status_code == 404


@pytest.mark.parametrize("url", [
    f"/api/v1/people?page={2**40}", f"/api/v1/people?page={2**70}",
    f"/api/v1/people?municipality_id={2**40}", f"/people?page={2**70}",
    f"/certificates?person_id={2**63}", f"/sessions?cohort_id={2**40}",
    f"/cohorts?programme={2**64}",
])
def test_numbers_past_the_database_range_in_queries_are_no_500(client, login_as, bearer, manager,
                                                                url):
    login_as(manager)
    response = client.get(url, headers=bearer(manager) if url.startswith("/api/") else {})
    assert response.status_code in {200, 404, 422}
    if response.status_code == 422 and url.startswith("/api/"):
        assert_house_error(response, 422)
