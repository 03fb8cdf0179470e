"""Request ids and one log line per request; JSON logs when ``CERTIFY_LOG_FORMAT=json``.

Every request gets an id: the one a trusted proxy sent in ``X-Request-ID`` (if
it looks like an id), else a fresh random one. It is returned in the
``X-Request-ID`` header, shown on error pages (so a person can quote it) and
written on every log line of the request, so one line of a complaint leads to
everything the server did for it.

The request line names the route's rule (``/v/<serial>``), never the filled-in
path or query, and the person by id only: logs are kept and shipped
elsewhere, and must not become a second copy of personal data.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import sys
import time
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from a proxy: short, and nothing a log reader could be fooled by.
_VALID_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_LOGGER = "certify.request"
# The attributes every LogRecord has; anything else was passed in ``extra`` and is logged.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


def request_id_for(incoming: str) -> str:
    """The id a trusted proxy sent, if it looks like one, else a fresh random one."""
    return incoming if _VALID_INCOMING_ID.match(incoming) else secrets.token_hex(8)


def log_request_line(method: str, route: str, status: int, duration_ms: float, *,
                     person_id: int | None, request_id: str) -> None:
    """The one line a request leaves in the log (the route's rule, never its path or query)."""
    logging.getLogger(REQUEST_LOGGER).info(
        "%s %s %s %.1fms", method, route, status, duration_ms,
        extra={"method": method, "route": route, "status": status, "duration_ms": duration_ms,
               "person_id": person_id, "request_id": request_id})


def _start_request() -> None:
    g.request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER, ""))
    g.request_started = time.perf_counter()


def _finish_request(response):
    request_id = g.get("request_id")
    if request_id is None:  # a request_started hook cleared g (tests): start again
        _start_request()
        request_id = g.request_id
    response.headers[REQUEST_ID_HEADER] = request_id
    duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
    log_request_line(request.method, route_name(), response.status_code, duration_ms,
                     person_id=signed_in_person_id(), request_id=request_id)
    return response


def route_name() -> str:
    """The rule that matched (``/v/<serial>``), or ``unmatched``: never the filled-in path."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def signed_in_person_id() -> int | None:
    """The id of the person Flask-Login already loaded for this request, without loading one."""
    person = g.get("_login_user")
    if person is None or not getattr(person, "is_authenticated", False):
        return None
    return getattr(person, "id", None)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def configure_logging(app: Flask) -> None:
    """Send the app's logs to stderr, as JSON lines or as text (``CERTIFY_LOG_FORMAT``)."""
    log_format = (app.config.get("LOG_FORMAT") or os.environ.get("CERTIFY_LOG_FORMAT")
                  or "text").lower()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    handler.set_name("certify")
    logger = logging.getLogger("certify")
    for existing in list(logger.handlers):
        if existing.get_name() == "certify":
            logger.removeHandler(existing)
    logger.addHandler(handler)
    logger.setLevel(app.config.get("LOG_LEVEL") or os.environ.get("CERTIFY_LOG_LEVEL", "INFO"))


def init_request_log(app: Flask) -> None:
    app.before_request(_start_request)
    app.after_request(_finish_request)
    configure_logging(app)
