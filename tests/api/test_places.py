"""Municipalities and countries through the API."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import assert_house_error
from tests.factories import make_municipality


@pytest.fixture
def as_official(official, bearer):
    return bearer(official)


def names(client, headers, query: str = "") -> list[str]:
    response = client.get(f"/api/v1/municipalities?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [municipality["name"] for municipality in response.get_json()]


def test_municipality_filters(client, as_official):
    make_municipality("Lugar Rural", country="PY", region="Caaguazú", kind="rural")
    make_municipality("Lugar Urbano", country="PY", region="Central", kind="urban")
    make_municipality("Lugar Lejano", country="BR", region="Bahia", kind="rural")

    assert names(client, as_official, "q=lugar&country=py") == ["Lugar Rural", "Lugar Urbano"]
    assert names(client, as_official, "q=lugar&kind=urban") == ["Lugar Urbano"]
    assert names(client, as_official, "q=LUGAR&kind=rural&country=BR") == ["Lugar Lejano"]
    assert names(client, as_official, "q=no-existe") == []


def test_municipality_shape_and_lookup(client, as_official):
    municipality = make_municipality("Pirenópolis", country="BR", region="Goiás", kind="urban")
    response = client.get(f"/api/v1/municipalities/{municipality.id}", headers=as_official)
    assert response.get_json() == {
        "id": municipality.id, "name": "Pirenópolis", "kind": "urban", "population": None,
        "region": {"id": municipality.region_id, "name": "Goiás"},
        "country": {"code": "BR", "name": "Brasil"},
    }
    assert_house_error(client.get("/api/v1/municipalities/999999", headers=as_official), 404)


def test_municipalities_are_paginated(client, as_official):
    for n in range(3):
        make_municipality(f"Paginada {n}")
    response = client.get("/api/v1/municipalities?q=paginada&page_size=2", headers=as_official)
    assert len(response.get_json()) == 2
    assert json.loads(response.headers["X-Pagination"])["total"] == 3


def test_invalid_kind_is_422(client, as_official):
    errors = assert_house_error(
        client.get("/api/v1/municipalities?kind=suburban", headers=as_official), 422)["errors"]
    assert any(name.endswith("kind") for name in errors)


def test_countries_with_their_regions(client, as_official):
    make_municipality(country="UY", region="Tacuarembó")
    make_municipality(country="UY", region="Artigas")
    response = client.get("/api/v1/countries", headers=as_official)
    assert response.status_code == 200
    uruguay = next(country for country in response.get_json() if country["code"] == "UY")
    assert uruguay["name"] == "Uruguay"
    assert [region["name"] for region in uruguay["regions"]] == ["Artigas", "Tacuarembó"]
