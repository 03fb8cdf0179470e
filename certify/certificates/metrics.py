"""Certificate figures for /metrics, read from the register at scrape time
(see ``certify.core.metrics``)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from certify.certificates.models import Certificate, CertificateKind
from certify.core.metrics import database_metric
from certify.extensions import db


@database_metric
def certificate_figures() -> Iterable[Metric]:
    issued = CounterMetricFamily("certify_certificates_issued",
                                 "Certificates ever issued, by kind (revoked ones included).",
                                 labels=["kind"])
    revoked = GaugeMetricFamily("certify_certificates_revoked", "Certificates revoked, by kind.",
                                labels=["kind"])
    rows = db.session.execute(sa.select(
        Certificate.kind, sa.func.count(Certificate.id),
        sa.func.count(Certificate.revoked_at)).group_by(Certificate.kind)).all()
    counts = {kind: (total, gone) for kind, total, gone in rows}
    for kind in CertificateKind:
        total, gone = counts.get(kind, (0, 0))
        issued.add_metric([kind.value], total)
        revoked.add_metric([kind.value], gone)
    yield issued
    yield revoked
    yield CounterMetricFamily(
        "certify_certificate_verifications_recorded",
        "Verifications of existing certificates, as counted on the certificates.",
        value=db.session.scalar(sa.select(sa.func.coalesce(
            sa.func.sum(Certificate.verification_count), 0))))
