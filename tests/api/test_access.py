"""Access matrix of the JSON API: endpoint x caller -> status.

Callers sign in with Bearer tokens (the API's own way); ``self`` rows are the
caller asking about their own record. A test below fails when an API endpoint
has no row here, so a new endpoint cannot skip the matrix.
"""

from __future__ import annotations

import pytest

from certify.accounts.models import Role
from tests.access_matrix import assert_access, assert_matrix_covers, matrix_ids, request_as
from tests.api.conftest import make_small_programme
from tests.factories import make_municipality, make_person

# Who may see what is decided in Python, not by the database: SQLite only.
pytestmark = pytest.mark.one_database

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
@pytest.mark.parametrize(("method", "url", "body", "expected"), MATRIX, ids=matrix_ids(MATRIX))
def test_access_matrix(client, login_as, bearer, caller, method, url, body, expected):
    other = make_person(Role.OFFICIAL)
    municipality = make_municipality()
    programme = make_small_programme()
    me = None if caller == ANONYMOUS else make_person(Role(caller))
    target = url.format(self=(me or other).id, other=other.id, municipality=municipality.id,
                        programme=programme.id, module=programme.modules[0].id)

    response = request_as(client, login_as, bearer, me, method, target, body)

    assert_access(response, expected[caller])
    assert response.mimetype == "application/json"


def test_matrix_covers_every_api_endpoint(app):
    assert_matrix_covers(app, MATRIX, {"accounts_api", "programmes_api"},
                         self=1, other=2, municipality=1, programme=1, module=1)


def test_every_api_endpoint_declares_its_access(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in {"accounts_api", "programmes_api"}:
            view = app.view_functions[rule.endpoint]
            assert hasattr(view, "access_roles"), f"{rule.rule} has no require_role/public"
