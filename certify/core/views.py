"""Core's own endpoints for operators: liveness, readiness and the metrics (see
``certify.core.metrics``). Cheap and never rate limited."""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import NotFound, Unauthorized

from certify.core.health import readiness
from certify.core.http import public
from certify.core.metrics import exposition
from certify.extensions import limiter

log = logging.getLogger(__name__)

blp = Blueprint("ops", __name__)
limiter.exempt(blp)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/healthz")
@public
def healthz():
    """The process answers; nothing else is checked, so a database outage restarts nothing."""
    return _no_store(jsonify({"status": "ok"}))


@blp.get("/readyz")
@public
def readyz():
    """Ready to serve: 200, or 503 with the failing checks named (details go to the log only:
    this answer is public)."""
    ready, checks = readiness()
    for check in checks:
        if not check.ok:
            log.warning("Readiness check %s failed: %s", check.name, check.detail)
    states = {check.name: _state(check) for check in checks}
    body = {"status": "ok" if ready else "unavailable", "checks": states}
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    return _no_store(response)


def _state(check) -> str:
    if check.skipped:
        return "skipped"
    if check.ok:
        return "ok"
    return "failing" if check.critical else "warning"


@blp.get("/metrics")
@public  # guarded by its own token, below
def metrics():
    """Prometheus metrics, for a scraper holding ``CERTIFY_METRICS_TOKEN`` as a bearer token.

    Without a token configured the endpoint does not exist (404): behind a reverse proxy
    every request comes from a local address, so the address cannot be the guard."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        raise NotFound()
    supplied = request.headers.get("Authorization", "")
    if not hmac.compare_digest(supplied.encode(), f"Bearer {token}".encode()):
        raise Unauthorized(www_authenticate=WWWAuthenticate("bearer"))
    body, content_type = exposition()
    response = Response(body, content_type=content_type)
    return _no_store(response)
