"""The national plan in the demo: 5,000 agents in four years, and a pilot already certified.

The pilot cohort ran before the demo cohort: its officials hold certificates issued
over the past year and a half (one every three weeks, back from last month), so the
national dashboard has a history to measure the pace and forecast against, while the
demo cohort is left for a manager to certify in one action.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from certify.accounts.models import Person
from certify.certificates.issuing import record_imported_certificate
from certify.certificates.models import CertificateKind
from certify.cohorts.enrolments import enrol
from certify.cohorts.models import Cohort
from certify.cohorts.services import create_cohort
from certify.extensions import db
from certify.programmes.models import Programme
from certify.reports.allocations import distribute_target
from certify.reports.models import AllocationLevel
from certify.reports.targets import replace_milestones, set_target, target_of

PILOT_NAME = "Cohorte 2025 · Piloto"
PILOT_SIZE = 24
CERTIFIED, STARTS_ON, DUE_ON = 5000, date(2025, 1, 1), date(2028, 12, 31)
MILESTONES = ((2025, 100), (2026, 1200), (2027, 3000))
# Resources differentiated by each commune's reality: a rural municipality counts double.
RURAL_WEIGHT, URBAN_WEIGHT = Decimal(2), Decimal(1)


def build_national_plan(programme: Programme, pilot_officials: Callable[[], list[Person]],
                        *, now: datetime) -> int:
    """Give the programme its target and quotas and certify the pilot, once; returns how
    many pilot certificates were recorded (0 when the pilot exists already)."""
    if target_of(programme) is None:
        target = set_target(programme, certified=CERTIFIED, starts_on=STARTS_ON, due_on=DUE_ON,
                            actor=None)
        replace_milestones(target, MILESTONES)
        distribute_target(target, AllocationLevel.MUNICIPALITY, rural_weight=RURAL_WEIGHT,
                          urban_weight=URBAN_WEIGHT)
        distribute_target(target, AllocationLevel.REGION)
    if db.session.scalar(sa.select(Cohort.id).where(Cohort.programme_id == programme.id,
                                                    Cohort.name == PILOT_NAME)):
        return 0
    cohort = create_cohort(programme, name=PILOT_NAME, starts_on=date(2025, 3, 3),
                           ends_on=date(2026, 10, 30))
    last_month = now - timedelta(days=30)
    for n, person in enumerate(pilot_officials()):
        enrol(cohort, person)
        # Awarded before certify: recorded as the CSV import records pilot editions.
        record_imported_certificate(
            kind=CertificateKind.PROGRAMME, person=person, programme=programme,
            hours=sum((module.hours for module in programme.modules), start=Decimal(0)),
            issued_at=last_month - timedelta(weeks=3 * n),
            original_reference=f"PILOTO-2025-{n + 1:03d}", actor=None, cohort=cohort)
    db.session.flush()
    return PILOT_SIZE
