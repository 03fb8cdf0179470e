"""Helpers for the JSON API tests: CSRF tokens, a small programme, the house error format."""

from __future__ import annotations

import hashlib
import os
from decimal import Decimal

import pytest
from itsdangerous import URLSafeTimedSerializer

from certify.extensions import db
from certify.programmes.models import Module, ModuleKind, Programme


@pytest.fixture
def csrf_header(client, app):
    """``csrf_header()`` -> the X-CSRFToken header matching the client's session.

    Does what ``flask_wtf.csrf.generate_csrf`` does, but writes the raw token
    into the test client's session so the next request carries it.
    """

    def header() -> dict[str, str]:
        raw = hashlib.sha1(os.urandom(64)).hexdigest()
        with client.session_transaction(environ_base=dict(client.environ_base)) as session:
            session["csrf_token"] = raw
        signed = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
        return {"X-CSRFToken": signed}

    return header


def make_small_programme(code: str = "TST") -> Programme:
    """A two-module programme, quicker than loading course_content/."""
    programme = Programme(
        code=code,
        title={"es": "Programa de prueba", "pt": "Programa de teste", "en": "Test programme"},
        description={"es": "Descripción"}, certificate_title={"es": "Agente"},
        issuer_name="Red",
        authorities=[{"name": "Ana", "title": {"es": "Directora", "en": "Director"}}],
        certification_rules={"virtual_quizzes": "all"},
        modules=[
            Module(code="M1", position=1, kind=ModuleKind.VIRTUAL, hours=Decimal("12"),
                   title={"es": "Uno", "pt": "Um", "en": "One"}, content_markdown="# Uno"),
            Module(code="M2", position=2, kind=ModuleKind.IN_PERSON, hours=Decimal("8.5"),
                   title={"es": "Dos", "pt": "Dois", "en": "Two"}, venue="Santiago"),
        ],
    )
    db.session.add(programme)
    db.session.commit()
    return programme


def walk_keys(value):
    """Every dictionary key anywhere inside a decoded JSON document."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from walk_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk_keys(inner)


def assert_house_error(response, status: int, code: str | None = None) -> dict:
    """The response is a JSON error in the house format: {"code", "message", "errors"}."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"}, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    for field, messages in body["errors"].items():
        assert isinstance(field, str)
        assert messages and all(isinstance(message, str) for message in messages), body
    if code is not None:
        assert body["code"] == code
    return body
