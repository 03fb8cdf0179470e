"""Region by region and municipality by municipality: quota, certified, percentage of the
quota, and the pipeline (people enrolled, not withdrawn, not yet certified).

One SQL statement builds the whole table (counts grouped by place, joined to the places
and their quotas), sorted and paged in the database; one more sums it. People are
placed by the municipality they work in now.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from certify.accounts.models import Country, Municipality, MunicipalityKind, Person, Region
from certify.certificates.models import Certificate, CertificateKind
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.core.clock import today as clock_today
from certify.extensions import db
from certify.reports.models import Allocation, AllocationLevel, Target
from certify.reports.progress import certificates_in
from certify.reports.scope import Scope


class PlaceSort(enum.StrEnum):
    NAME = "name"
    REGION = "region"
    TARGET = "target"
    CERTIFIED = "certified"
    PERCENT = "percent"
    PIPELINE = "pipeline"
    GAP = "gap"  # quota minus certified: what is still to do


@dataclass(frozen=True)
class PlaceRow:
    id: int
    name: str
    region: str  # the region's name (a region's own row repeats it)
    country: str
    kind: MunicipalityKind | None  # municipalities only
    target: int | None  # the quota; None without one
    certified: int
    pipeline: int

    @property
    def percent(self) -> float | None:
        """Certified as a percentage of the quota (None without a quota, or a quota of 0)."""
        return round(self.certified * 100 / self.target, 1) if self.target else None

    @property
    def gap(self) -> int | None:
        return None if self.target is None else self.target - self.certified


@dataclass(frozen=True)
class PlaceTable:
    level: AllocationLevel
    rows: list[PlaceRow]  # this page's
    count: int  # rows on every page
    page: int
    per_page: int
    target: int  # sums over every page
    certified: int
    pipeline: int
    unplaced: int | None  # certified people with no municipality (None when filtered by place)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))


def pipeline_people(scope: Scope) -> sa.Select:
    """Enrolments (not withdrawn) in the scope's cohorts of people without a live programme
    certificate: select of ``Enrolment.person_id``, one row per enrolment."""
    certified = sa.select(Certificate.id).where(
        Certificate.person_id == Enrolment.person_id, Certificate.kind == CertificateKind.PROGRAMME,
        Certificate.programme_id == scope.programme.id, Certificate.revoked_at.is_(None))
    return (sa.select(Enrolment.person_id.label("person_id"))
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(Cohort.programme_id == scope.programme.id,
                   Enrolment.status != EnrolmentStatus.WITHDRAWN,
                   ~sa.exists(certified))
            .where(*([Enrolment.cohort_id.in_(scope.cohort_ids())] if scope.by_cohort else [])))


def _grouped(people: sa.Select, level: AllocationLevel, scope: Scope, label: str
             ) -> sa.Subquery:
    """``people`` (a select of one ``person_id`` column) counted per place, once each."""
    people = people.subquery()
    key = Municipality.id if level is AllocationLevel.MUNICIPALITY else Municipality.region_id
    query = (sa.select(key.label("place_id"),
                       sa.func.count(sa.distinct(people.c.person_id)).label(label))
             .select_from(people)
             .join(Person, Person.id == people.c.person_id)
             .join(Municipality, Municipality.id == Person.municipality_id))
    if scope.kind:
        query = query.where(Municipality.kind == scope.kind)
    return query.group_by(key).subquery()


def _quotas(target: Target | None, level: AllocationLevel, scope: Scope) -> sa.Subquery | None:
    if target is None:
        return None
    if level is AllocationLevel.MUNICIPALITY:
        return (sa.select(Allocation.municipality_id.label("place_id"),
                          Allocation.certified.label("quota"))
                .where(Allocation.target_id == target.id,
                       Allocation.municipality_id.is_not(None)).subquery())
    local = (sa.select(Municipality.region_id.label("place_id"),
                       sa.func.sum(Allocation.certified).label("quota"))
             .join(Municipality, Municipality.id == Allocation.municipality_id)
             .where(Allocation.target_id == target.id)
             .where(*([Municipality.kind == scope.kind] if scope.kind else []))
             .group_by(Municipality.region_id).subquery())
    if scope.kind:  # a region's own quota is not split by kind: its municipalities' are
        return local
    own = (sa.select(Allocation.region_id.label("place_id"), Allocation.certified.label("quota"))
           .where(Allocation.target_id == target.id, Allocation.region_id.is_not(None))
           .subquery())
    return (sa.select(Region.id.label("place_id"),
                      sa.func.coalesce(own.c.quota, local.c.quota).label("quota"))
            .outerjoin(own, own.c.place_id == Region.id)
            .outerjoin(local, local.c.place_id == Region.id).subquery())


def _table_query(scope: Scope, level: AllocationLevel, target: Target | None,
                 today: date) -> sa.Select:
    unplaced_scope = scope.without_place()
    certified = _grouped(certificates_in(unplaced_scope, sa.select(
        Certificate.person_id.label("person_id")), until=today), level, scope, "certified")
    pipeline = _grouped(pipeline_people(scope), level, scope, "pipeline")
    quotas = _quotas(target, level, scope)
    if level is AllocationLevel.MUNICIPALITY:
        place = Municipality
        query = (sa.select(Municipality.id, Municipality.name, Region.name.label("region"),
                           Country.code.label("country"), Municipality.kind)
                 .join(Municipality.region).join(Region.country)
                 .where(*scope.place_conditions()))
    else:
        place = Region
        query = (sa.select(Region.id, Region.name, Region.name.label("region"),
                           Country.code.label("country"), sa.null().label("kind"))
                 .join(Region.country))
        if scope.country:
            query = query.where(Country.code == scope.country)
        if scope.region_id:
            query = query.where(Region.id == scope.region_id)
    certified_n = sa.func.coalesce(certified.c.certified, 0)
    pipeline_n = sa.func.coalesce(pipeline.c.pipeline, 0)
    quota = quotas.c.quota if quotas is not None else sa.null()
    query = query.add_columns(quota.label("target"), certified_n.label("certified"),
                              pipeline_n.label("pipeline"))
    if quotas is not None:
        query = query.outerjoin(quotas, quotas.c.place_id == place.id)
    return (query.outerjoin(certified, certified.c.place_id == place.id)
            .outerjoin(pipeline, pipeline.c.place_id == place.id))


def _order(table: sa.Subquery, sort: PlaceSort, descending: bool) -> list:
    percent = table.c.certified * 100.0 / sa.func.nullif(table.c.target, 0)
    columns = {
        PlaceSort.NAME: table.c.name, PlaceSort.REGION: table.c.region,
        PlaceSort.TARGET: table.c.target, PlaceSort.CERTIFIED: table.c.certified,
        PlaceSort.PERCENT: percent, PlaceSort.PIPELINE: table.c.pipeline,
        PlaceSort.GAP: table.c.target - table.c.certified,
    }
    column = columns[sort]
    first = sa.nulls_last(column.desc() if descending else column.asc())
    return [first, table.c.country, table.c.region, table.c.name, table.c.id]


def places_table(scope: Scope, level: AllocationLevel, *, sort: PlaceSort = PlaceSort.NAME,
                 descending: bool = False, page: int = 1, per_page: int = 50,
                 today: date | None = None) -> PlaceTable:
    """One page of the regions (or municipalities) in the scope, with their figures.

    Every place the filters keep is listed, with a quota or not; places without a quota
    sort last on percentage and gap. Four queries whatever the numbers of people and places.
    """
    today = today or clock_today()
    target = db.session.scalar(sa.select(Target).where(Target.programme_id == scope.programme.id))
    table = _table_query(scope, level, target, today).subquery()
    sums = db.session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(table.c.target), 0),
        sa.func.coalesce(sa.func.sum(table.c.certified), 0),
        sa.func.coalesce(sa.func.sum(table.c.pipeline), 0))).one()
    rows = db.session.execute(sa.select(table).order_by(*_order(table, sort, descending))
                              .limit(per_page).offset((page - 1) * per_page)).all()
    unplaced = None
    if not scope.by_place:
        everyone = db.session.scalar(certificates_in(
            scope, sa.select(sa.func.count(Certificate.id)), until=today))
        unplaced = everyone - sums[2]
    return PlaceTable(
        level=level, count=sums[0], page=page, per_page=per_page, target=sums[1],
        certified=sums[2], pipeline=sums[3], unplaced=unplaced,
        rows=[PlaceRow(id=row.id, name=row.name, region=row.region, country=row.country,
                       kind=MunicipalityKind(row.kind) if row.kind else None,
                       target=row.target, certified=row.certified, pipeline=row.pipeline)
              for row in rows])
