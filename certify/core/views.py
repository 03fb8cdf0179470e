"""Core's own endpoints for operators: liveness, readiness (and the metrics, see
``certify.core.metrics``). Open to the load balancer, cheap, never rate limited."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify

from certify.core.health import readiness
from certify.core.http import public
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
    states = {check.name: "ok" if check.ok else "failing" if check.critical else "warning"
              for check in checks}
    body = {"status": "ok" if ready else "unavailable", "checks": states}
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    return _no_store(response)
