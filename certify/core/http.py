"""HTTP plumbing shared by every area: errors as JSON or HTML, and pagination.

Errors are rendered in one place. API requests (``/api/...``) and clients that
prefer JSON get ``{"code": ..., "message": ..., "errors": {field: [...]}}``;
browsers get a page in their language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from certify.core.errors import DomainError
from certify.extensions import db

log = logging.getLogger(__name__)

# Short explanations of the HTTP errors a person can meet, translated when shown: a crowd's
# misses (404, 429) must not translate all of them for each answer.
_HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("You need to sign in to do this."),
    403: _l("You do not have permission to do this."),
    404: _l("We could not find what you were looking for."),
    405: _l("This action is not allowed here."),
    409: _l("This conflicts with the current state of the data."),
    413: _l("The upload is too large."),
    415: _l("This type of file is not accepted."),
    422: _l("Some of the data is not valid."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. The team has been notified."),
}


_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests",
    500: "internal_error",
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    accepted = request.accept_mimetypes
    return best == "application/json" and accepted[best] > accepted["text/html"]


def error_response(status: int, message: str | None = None, *, code: str | None = None,
                   errors: dict[str, list[str]] | None = None, headers: dict | None = None):
    message = message or str(_HTTP_MESSAGES.get(status, ""))
    code = code or _CODES.get(status, "error")
    if wants_json():
        response = jsonify({"code": code, "message": message, "errors": errors or {}})
        response.status_code = status
    else:
        body = render_template("errors/error.html", status=status, message=message,
                               errors=errors or {})
        response = make_response(body, status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_webargs_errors(messages: Any) -> dict[str, list[str]]:
    """``{"json": {"email": [...]}, "query": {...}}`` -> ``{"email": [...], ...}``."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            flat.setdefault(prefix or "_schema", []).extend(value)
        else:
            flat.setdefault(prefix or "_schema", []).append(str(value))

    if isinstance(messages, dict):
        for location, fields in messages.items():
            walk("" if location in {"json", "form", "files"} else location, fields)
    return flat


def handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or flatten_webargs_errors(data.get("messages"))
    message = data.get("message")
    code = None
    if isinstance(error, CSRFError):
        code = "csrf_failed"
        message = _("The form expired or was sent from elsewhere. Please reload the page and try again.")
    elif error.code == 422 and errors and not message:
        message = _("Some of the data is not valid: %(fields)s.", fields=", ".join(sorted(errors)))
    headers = dict(data.get("headers") or {})
    if error.code == 429 and getattr(error, "retry_after", None):
        headers["Retry-After"] = str(error.retry_after)
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 401 and getattr(error, "www_authenticate", None):
        headers["WWW-Authenticate"] = ", ".join(str(challenge) for challenge in error.www_authenticate)
    return error_response(error.code or 500, message, code=code, errors=errors, headers=headers)


def handle_domain_error(error: DomainError):
    return error_response(error.status, error.message, code=error.code, errors=error.errors)


def handle_unexpected_error(error: Exception):
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return error_response(500)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected_error)


def public(view):
    """Mark a view as open to everyone, on purpose (see accounts.access.require_role)."""
    view.access_roles = None
    return view


@dataclass(frozen=True)
class PageRequest:
    """A page of a listing: 1-based ``page`` of ``per_page`` items."""

    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def paginate_api(query, pagination_parameters) -> list:
    """One page of ``query`` for a flask-smorest ``@blp.paginate()`` endpoint.

    Counts in SQL and sets ``item_count`` so the ``X-Pagination`` header is right.
    """
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    pagination_parameters.item_count = total
    return list(db.session.scalars(
        query.limit(pagination_parameters.page_size).offset(pagination_parameters.first_item)
    ).unique())
