"""Every API error is JSON in the house format, whatever raised it."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_house_error


@pytest.fixture
def as_manager(manager, bearer):
    return bearer(manager)


def test_401_is_json_with_a_bearer_challenge(client):
    response = client.get("/api/v1/programmes", headers={"Accept": "text/html"})
    assert_house_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_403_is_json(client, official, bearer):
    assert_house_error(client.get("/api/v1/people", headers=bearer(official)), 403, "forbidden")


@pytest.mark.parametrize("url", ["/api/v1/people/999999", "/api/v1/municipalities/999999",
                                 "/api/v1/programmes/999999", "/api/v1/modules/999999",
                                 "/api/v1/no-such-thing"])
def test_404_is_json(client, as_manager, url):
    body = assert_house_error(client.get(url, headers=as_manager), 404, "not_found")
    assert body["errors"] == {}


def test_405_is_json_and_lists_the_allowed_methods(client, as_manager):
    response = client.put("/api/v1/people/me", json={}, headers=as_manager)
    assert_house_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_422_from_the_schema_names_the_fields(client, as_manager):
    response = client.post("/api/v1/people", json={"email": "nope", "family_names": "B"},
                           headers=as_manager)
    body = assert_house_error(response, 422, "validation_error")
    assert set(body["errors"]) == {"email", "given_names"}
    assert "email" in body["message"] and "given_names" in body["message"]


def test_422_from_a_service_names_the_field(client, as_manager):
    response = client.post("/api/v1/people", headers=as_manager, json={
        "email": "a@example.org", "given_names": "A", "family_names": "B", "birth_year": 1900})
    body = assert_house_error(response, 422, "validation_error")
    assert list(body["errors"]) == ["birth_year"]


def test_422_for_a_body_that_is_not_an_object(client, as_manager):
    response = client.post("/api/v1/people", json=["a", "list"], headers=as_manager)
    assert_house_error(response, 422, "validation_error")


def test_409_is_json(client, as_manager, manager):
    response = client.post("/api/v1/people", headers=as_manager, json={
        "email": manager.email.upper(), "given_names": "A", "family_names": "B"})
    assert_house_error(response, 409, "conflict")
