"""Access matrix of the JSON API: endpoint x caller -> status.

Callers sign in with Bearer tokens (the API's own way); ``self`` rows are the
caller asking about their own record. A test below fails when an API endpoint
has no row here, so a new endpoint cannot skip the matrix.
"""

from __future__ import annotations

import re

import pytest

from certify.accounts.models import Role
from tests.api.conftest import make_small_programme
from tests.factories import make_municipality, make_person

ANONYMOUS, OFFICIAL, TUTOR, MANAGER, ADMIN = "anonymous", "official", "tutor", "manager", "admin"
CALLERS = (ANONYMOUS, OFFICIAL, TUTOR, MANAGER, ADMIN)

SIGNED_IN = {ANONYMOUS: 401, OFFICIAL: 200, TUTOR: 200, MANAGER: 200, ADMIN: 200}
MANAGERS = {ANONYMOUS: 401, OFFICIAL: 403, TUTOR: 403, MANAGER: 200, ADMIN: 200}
NEW_PERSON = {"email": "nueva@example.org", "given_names": "Nueva", "family_names": "Persona"}

# (method, url, json body, {caller: status}); {self} is the caller's own id.
MATRIX = [
    ("GET", "/api/v1/people", None, MANAGERS),
    ("POST", "/api/v1/people", NEW_PERSON, {**MANAGERS, MANAGER: 201, ADMIN: 201}),
    ("GET", "/api/v1/people/me", None, SIGNED_IN),
    ("GET", "/api/v1/people/{other}", None, MANAGERS),
    ("GET", "/api/v1/people/{self}", None, SIGNED_IN),
    ("PATCH", "/api/v1/people/{other}", {"position": "Alcaldesa"}, MANAGERS),
    ("PATCH", "/api/v1/people/{self}", {"position": "Alcaldesa"}, MANAGERS),
    ("GET", "/api/v1/municipalities", None, SIGNED_IN),
    ("GET", "/api/v1/municipalities/{municipality}", None, SIGNED_IN),
    ("GET", "/api/v1/countries", None, SIGNED_IN),
    ("GET", "/api/v1/programmes", None, SIGNED_IN),
    ("GET", "/api/v1/programmes/{programme}", None, SIGNED_IN),
    ("GET", "/api/v1/programmes/{programme}/modules", None, SIGNED_IN),
    ("GET", "/api/v1/modules/{module}", None, SIGNED_IN),
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "url", "body", "expected"), MATRIX,
                         ids=[f"{method} {url}" for method, url, _b, _e in MATRIX])
def test_access_matrix(client, bearer, caller, method, url, body, expected):
    other = make_person(Role.OFFICIAL)
    municipality = make_municipality()
    programme = make_small_programme()
    headers = {}
    me = other
    if caller != ANONYMOUS:
        me = make_person(Role(caller))
        headers = bearer(me)
    target = url.format(self=me.id, other=other.id, municipality=municipality.id,
                        programme=programme.id, module=programme.modules[0].id)

    response = client.open(target, method=method, json=body, headers=headers)

    assert response.status_code == expected[caller], response.get_data(as_text=True)
    assert response.mimetype == "application/json"


def test_matrix_covers_every_api_endpoint(app):
    covered = {(method, re.sub(r"\{\w+\}", "{}", url)) for method, url, _b, _e in MATRIX}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in {"accounts_api", "programmes_api"}:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, re.sub(r"<[^>]+>", "{}", rule.rule)) not in covered:
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"add these to MATRIX: {missing}"


def test_every_api_endpoint_declares_its_access(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in {"accounts_api", "programmes_api"}:
            view = app.view_functions[rule.endpoint]
            assert hasattr(view, "access_roles"), f"{rule.rule} has no require_role/public"
