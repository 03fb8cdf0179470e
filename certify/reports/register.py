"""The register of certified agents: every programme certificate, live or revoked, with the
holder's municipality and region, for the exports.

The serial, name and date are the certificate's own (what it states); the place is where
the holder works now (certificates do not record it). Read in batches, so the
CSV of tens of thousands of certificates is streamed, never held in memory.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from certify.accounts.models import Country, Municipality, Person, Region
from certify.certificates.models import Certificate, CertificateKind
from certify.core import audit
from certify.extensions import db
from certify.reports.scope import Scope

BATCH = 1000


class RegisterStatus(enum.StrEnum):
    LIVE = "live"
    REVOKED = "revoked"


@dataclass(frozen=True)
class RegisterEntry:
    serial: str
    name: str
    municipality: str | None
    region: str | None
    country: str | None
    programme_code: str
    issued_at: datetime
    revoked_at: datetime | None

    @property
    def status(self) -> RegisterStatus:
        return RegisterStatus.REVOKED if self.revoked_at else RegisterStatus.LIVE


def register_query(scope: Scope, *, status: RegisterStatus | None = None) -> sa.Select:
    """The scope's programme certificates, oldest first, with the holder's place."""
    join = sa.Select.join if scope.by_place else sa.Select.outerjoin
    query = sa.select(Certificate.serial, Certificate.holder_name, Municipality.name,
                      Region.name, Country.code, Certificate.programme_code,
                      Certificate.issued_at, Certificate.revoked_at)
    query = join(query, Person, Person.id == Certificate.person_id)
    query = join(query, Municipality, Municipality.id == Person.municipality_id)
    query = (join(query, Region, Region.id == Municipality.region_id)
             .outerjoin(Country, Country.id == Region.country_id)
             .where(Certificate.kind == CertificateKind.PROGRAMME,
                    Certificate.programme_id == scope.programme.id, *scope.place_conditions())
             .order_by(Certificate.issued_at, Certificate.serial))
    if scope.by_cohort:
        query = query.where(Certificate.cohort_id.in_(scope.cohort_ids()))
    if status is RegisterStatus.LIVE:
        query = query.where(Certificate.revoked_at.is_(None))
    elif status is RegisterStatus.REVOKED:
        query = query.where(Certificate.revoked_at.is_not(None))
    return query


def register_entries(scope: Scope, *, status: RegisterStatus | None = None,
                     offset: int = 0, limit: int | None = None) -> Iterator[RegisterEntry]:
    """The register's entries, fetched ``BATCH`` at a time. The query is built now, not when
    the first entry is read: a download that streams after its request committed (the
    audit-logged one) no longer has ``scope``'s rows attached to a session."""
    query = register_query(scope, status=status).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return _fetch_entries(query)


def _fetch_entries(query: sa.Select) -> Iterator[RegisterEntry]:
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        yield RegisterEntry(*row)


def register_count(scope: Scope, *, status: RegisterStatus | None = None) -> int:
    query = register_query(scope, status=status).order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(query)) or 0


def record_register_export(scope: Scope, *, actor: object) -> None:
    """The register names every holder: who downloaded it, and with which filters, is logged."""
    audit.record("register.exported", scope.programme, actor=actor, filters=scope.params())
