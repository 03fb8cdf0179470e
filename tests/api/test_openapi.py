"""The OpenAPI document and the Swagger UI page."""

from __future__ import annotations

import re

import pytest

# No query whose result depends on the database: SQLite only.
pytestmark = pytest.mark.one_database

@pytest.fixture
def spec(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_openapi_document_is_valid(spec):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(spec)


def test_openapi_lists_every_endpoint_with_its_methods(app, spec):
    assert spec["openapi"].startswith("3.")
    documented = {(method.upper(), path) for path, operations in spec["paths"].items()
                  for method in operations if method != "parameters"}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        public = getattr(app.view_functions[rule.endpoint], "access_roles", None) is None
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in documented, f"{method} {path} is not in openapi.json"
            operation = spec["paths"][path][method.lower()]
            assert operation.get("description") or operation.get("summary"), f"{method} {path}"
            if not public:
                assert "401" in operation["responses"], f"{method} {path} does not document 401"


def test_operations_group_under_a_few_described_area_tags(spec):
    """The docs open with the areas, each described, none empty, none named after code."""
    declared = {tag["name"]: tag.get("description") for tag in spec["tags"]}
    assert len(declared) == len(spec["tags"]), "a tag is declared twice"
    used = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert len(operation["tags"]) == 1, f"{method.upper()} {path}: {operation['tags']}"
            tag = operation["tags"][0]
            assert tag in declared, f"{method.upper()} {path} is under an undeclared tag {tag!r}"
            used.setdefault(tag, []).append(path)
    assert [name for name in declared if name not in used] == [], "empty sections"
    assert all(len(description or "") > 20 for description in declared.values()), declared
    assert not any(name.endswith("_api") for name in declared)
    assert 5 <= len(declared) <= 10  # a few areas, not one per resource


def test_openapi_declares_bearer_auth(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http",
                                                                    "scheme": "bearer"}
    assert {"bearerAuth": []} in spec["security"]


def test_openapi_never_mentions_password_hashes(spec):
    person = spec["components"]["schemas"]["Person"]["properties"]
    assert "password_hash" not in person
    for name in ("PersonCreate", "PersonUpdate"):
        assert "password_hash" not in spec["components"]["schemas"][name]["properties"]


def test_swagger_ui_uses_local_assets_only(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(source.endswith("swagger-ui-bundle.js") for source in sources), sources
    assert all(source.startswith("/") for source in sources), sources
    assert not re.search(r"cdn|unpkg|jsdelivr|cloudflare", html, re.IGNORECASE)
    for source in sources:
        if source.startswith("/api/docs/assets/"):
            assert client.get(source).status_code == 200, source
