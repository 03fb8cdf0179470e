"""Prometheus metrics at ``/metrics`` (the list, for dashboards, is in docs/metrics.md).

Two kinds. What happens in a process (requests and their latency, verifications) is
counted with prometheus-client; under gunicorn each worker writes its counts to files
in ``PROMETHEUS_MULTIPROC_DIR`` (set by gunicorn.conf.py) and a scrape adds them up, so
whichever worker answers reports every worker's requests. What the database knows
(certificates issued, jobs and e-mails waiting, grade passback failures) is read at
scrape time by the areas' ``metrics`` modules through :func:`database_metric`: always
exact, the same from every worker, and nothing to keep in step.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from certify.core.clock import utcnow
from certify.core.request_log import route_name
from certify.extensions import db

REQUESTS = Counter("certify_http_requests", "HTTP requests answered, by route rule and status.",
                   ["method", "route", "status"])
LATENCY = Histogram("certify_http_request_duration_seconds",
                    "Time to answer HTTP requests, by route rule.", ["method", "route"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
VERIFICATIONS = Counter("certify_verifications", "Certificate verifications (page, API), by "
                        "verdict.", ["result"])

_SOURCES: list[Callable[[], Iterable[Metric]]] = []


def database_metric(source: Callable[[], Iterable[Metric]]) -> Callable:
    """Register ``source()``, which yields metric families read from the database at scrape
    time (in an app context)."""
    _SOURCES.append(source)
    return source


def age_seconds(oldest: datetime | None) -> float:
    return max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0


class _DatabaseCollector:
    def collect(self) -> Iterable[Metric]:
        from certify.areas import AREAS, area_module

        for area in AREAS:
            area_module(area, "metrics")
        try:
            for source in _SOURCES:
                yield from source()
        finally:
            db.session.rollback()  # a scrape only reads: end its transaction


def exposition() -> tuple[bytes, str]:
    """The text a scrape receives, and its content type."""
    database = CollectorRegistry(auto_describe=False)
    database.register(_DatabaseCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    return generate_latest(processes) + generate_latest(database), CONTENT_TYPE_LATEST


def observe_request(method: str, route: str, status: int, started: float | None) -> None:
    """Count a request and its time since ``started`` (``time.perf_counter()``) by route."""
    REQUESTS.labels(method, route, str(status)).inc()
    if started is not None:
        LATENCY.labels(method, route).observe(time.perf_counter() - started)


def _observe(response):
    observe_request(request.method, route_name(), response.status_code, g.get("request_started"))
    return response


def init_metrics(app: Flask) -> None:
    app.after_request(_observe)


# --- core's own figures: jobs and the e-mail outbox -------------------------------------------

@database_metric
def _jobs_and_outbox() -> Iterable[Metric]:
    from certify.core.jobs import Job, JobStatus
    from certify.core.mail import OutboxMessage, OutboxStatus

    depth = GaugeMetricFamily("certify_job_queue_depth", "Background jobs waiting or running.",
                              labels=["status"])
    counts = dict(db.session.execute(sa.select(Job.status, sa.func.count(Job.id)).where(
        Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])).group_by(Job.status)).all())
    for status in (JobStatus.QUEUED, JobStatus.RUNNING):
        depth.add_metric([status.value], counts.get(status, 0))
    yield depth
    oldest_job = db.session.scalar(sa.select(sa.func.min(Job.run_after)).where(
        Job.status == JobStatus.QUEUED, Job.run_after <= utcnow()))
    yield GaugeMetricFamily("certify_job_oldest_queued_age_seconds",
                            "How long the oldest due job has waited for a runner.",
                            value=age_seconds(oldest_job))

    outbox = GaugeMetricFamily("certify_outbox_depth", "E-mails in the outbox not sent.",
                               labels=["status"])
    counts = dict(db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.status != OutboxStatus.SENT).group_by(OutboxMessage.status)).all())
    for status in (OutboxStatus.QUEUED, OutboxStatus.FAILED):
        outbox.add_metric([status.value], counts.get(status, 0))
    yield outbox
    oldest_mail = db.session.scalar(sa.select(sa.func.min(OutboxMessage.created_at)).where(
        OutboxMessage.status == OutboxStatus.QUEUED))
    yield GaugeMetricFamily("certify_outbox_oldest_queued_age_seconds",
                            "Age of the oldest e-mail still queued.",
                            value=age_seconds(oldest_mail))
