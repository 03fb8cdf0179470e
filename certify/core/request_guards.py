"""Checks every request passes before anything parses it, so no input can cost a worker
seconds or reach the database in a form it cannot store.

- Bodies: 256 KB for everything but file uploads (JSON, forms such as quiz answers),
  checked from ``Content-Length`` before a byte is read and enforced while reading when the
  length is not sent; uploads (``multipart/form-data``) keep ``MAX_CONTENT_LENGTH``. A view
  can name its own limit with ``@body_limit(n)``.
- JSON nested deeper than anything certify accepts is refused before it is decoded
  (Python's decoder recurses and would fail with a RecursionError).
- Text certify refuses (``certify.core.text``: NUL, lone surrogates, direction controls,
  stacks of combining marks) in the path, the query, a form or JSON is a 422 naming the
  field; passwords are left as typed.
- Path segments declared ``<int:...>`` match only numbers an id column can hold, so larger
  ones are 404 before any query; numbers out of the database's range elsewhere (query,
  bodies) are a 422 (``numeric_out_of_range``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from certify.core.http import error_response
from certify.core.text import check_text
from certify.extensions import db

DEFAULT_BODY_LIMIT = 256 * 1024
MAX_JSON_DEPTH = 32
# The largest value of the id columns (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1
_JSON_STRUCTURE = re.compile(rb'[\[\]{}"]')
_OUT_OF_RANGE_SQLSTATES = {"22003"}  # numeric_value_out_of_range


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a non-negative number an id column can hold."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def body_limit(limit: int) -> Callable:
    """Let a view accept bodies up to ``limit`` bytes instead of the default."""

    def decorate(view: Callable) -> Callable:
        view.body_limit = limit
        return view

    return decorate


def _limit_for_this_request() -> int:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "body_limit", None):
        return view.body_limit
    if request.mimetype == "multipart/form-data":
        return current_app.config["MAX_CONTENT_LENGTH"]
    return current_app.config.get("MAX_BODY_BYTES", DEFAULT_BODY_LIMIT)


def _limit_body():
    limit = _limit_for_this_request()
    request.max_content_length = limit  # enforced while reading a body of unknown length
    if request.content_length is not None and request.content_length > limit:
        return error_response(413, _("The request is too large (at most %(size)s KB).",
                                     size=limit // 1024))
    return None


def json_depth(raw: bytes) -> int:
    """How deeply ``raw`` JSON nests arrays and objects, read without decoding it."""
    depth = deepest = 0
    in_string = False
    for match in _JSON_STRUCTURE.finditer(raw):
        char = match.group()
        if char == b'"':
            if not (in_string and _escaped_here(raw, match.start())):
                in_string = not in_string
        elif in_string:
            continue
        elif char in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _escaped_here(raw: bytes, index: int) -> bool:
    """Whether the character at ``index`` is escaped (an odd run of backslashes before it)."""
    run = 0
    while index - run - 1 >= 0 and raw[index - run - 1] == 0x5C:
        run += 1
    return run % 2 == 1


def _limit_json_depth():
    if not request.is_json:
        return None
    raw = request.get_data(cache=True)
    if raw and json_depth(raw) > MAX_JSON_DEPTH:
        return error_response(400, _("The JSON is nested too deeply (at most %(depth)s levels).",
                                     depth=MAX_JSON_DEPTH))
    return None


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(key, path)
            yield from _strings(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings(inner, f"{path}.{index}" if path else str(index))


def _submitted_text() -> Iterator[tuple[str, str]]:
    for name, value in (request.view_args or {}).items():
        yield from _strings(value, name)
    for source in (request.args, request.form) if request.method != "GET" else (request.args,):
        for name, values in source.lists():
            yield from _strings(name, name)
            for value in values:
                yield from _strings(value, name)
    if request.is_json:
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except ValueError:
            return  # the endpoint answers 400 for JSON it cannot read
        yield from _strings(body, "")


def _refuse_unacceptable_text() -> None:
    for field, text in _submitted_text():
        # A password is never shown: any character may be part of it, if it can be stored.
        check_text(text, field or "_schema", storable_only="password" in field)


def _guard_body():
    """A refusal (returned, so the view never runs), or None to go on."""
    return _limit_body() or _limit_json_depth()


def number_out_of_range(error: Exception):
    """A number the database cannot hold reached a query: the request's fault (422)."""
    db.session.rollback()  # PostgreSQL aborted the transaction; the error page may read
    message = _("A number in the request is out of range.")
    return error_response(422, message, code="validation_error")


def _is_out_of_range(error: sa.exc.DataError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _OUT_OF_RANGE_SQLSTATES


def _data_error(error: sa.exc.DataError):
    if _is_out_of_range(error):
        return number_out_of_range(error)
    raise error


def init_request_guards(app: Flask) -> None:
    """Install the guards. Call after the access checks are installed and before any
    blueprint is: sizes are checked before every other hook (CSRF reads the form), text
    after the access checks (an anonymous caller learns nothing from validation)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request_funcs.setdefault(None, []).insert(0, _guard_body)
    app.before_request(_refuse_unacceptable_text)
    # SQLite's driver refuses integers past 64 bits when binding them.
    app.register_error_handler(OverflowError, number_out_of_range)
    app.register_error_handler(sa.exc.DataError, _data_error)
