"""LTI grade passback figures for /metrics, read at scrape time
(see ``certify.core.metrics``)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric

from certify.core.metrics import age_seconds, database_metric
from certify.extensions import db
from certify.lti.models import GradeSync, SyncStatus


@database_metric
def grade_passback() -> Iterable[Metric]:
    yield GaugeMetricFamily(
        "certify_lti_grade_passback_failed",
        "Grades Moodle refused for good (a manager must retry them).",
        value=db.session.scalar(sa.select(sa.func.count(GradeSync.id)).where(
            GradeSync.status == SyncStatus.FAILED)))
    yield GaugeMetricFamily(
        "certify_lti_grade_passback_retrying",
        "Grades waiting for another attempt after a failure.",
        value=db.session.scalar(sa.select(sa.func.count(GradeSync.id)).where(
            GradeSync.status == SyncStatus.PENDING, GradeSync.attempts > 0)))
    oldest = db.session.scalar(sa.select(sa.func.min(GradeSync.updated_at)).where(
        GradeSync.status == SyncStatus.PENDING))
    yield GaugeMetricFamily("certify_lti_grade_passback_oldest_pending_age_seconds",
                            "Age of the oldest grade not yet sent to Moodle.",
                            value=age_seconds(oldest))
