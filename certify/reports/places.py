"""Region by region and municipality by municipality: quota, certified, percentage of the
quota, and the pipeline (people enrolled, not withdrawn, not yet certified).

One SQL statement builds the whole table (one pass over the read model, ``reports.facts``,
counting per municipality, then joined to the places and their quotas) and sorts, sums
and pages it in the database. People are placed by their municipality in the read model;
"certified" means a live programme certificate.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa

from certify.accounts.models import Country, Municipality, MunicipalityKind, Region
from certify.certificates.models import Certificate
from certify.core.clock import today as clock_today
from certify.extensions import db
from certify.reports.models import Allocation, AllocationLevel, ReportFact, Target
from certify.reports.progress import certificates_in
from certify.reports.scope import Scope
from certify.reports.sql import count_if


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


def certified_by(scope: Scope, today: date) -> sa.ColumnElement[bool]:
    """For a row of the read model: the person holds a live certificate of the programme
    issued by the end of ``today``."""
    return ReportFact.person_id.in_(certificates_in(
        replace(scope, country=None, region_id=None, kind=None, cohort_id=None, year=None),
        sa.select(Certificate.person_id), until=today))


def _counts(scope: Scope, level: AllocationLevel, today: date) -> sa.Subquery:
    """Certified and pipeline per place, in one pass over the read model.

    The pipeline is the people with an enrolment that is not withdrawn and no live
    certificate. People are placed by their municipality in the read model.
    """
    certified = certified_by(scope, today)
    per_municipality = scope.without_place().facts(sa.select(
        ReportFact.municipality_id.label("municipality_id"),
        count_if(certified).label("certified"),
        count_if(sa.and_(ReportFact.active.is_(True), ~certified)).label("pipeline"))
        .group_by(ReportFact.municipality_id)).subquery()
    key = Municipality.id if level is AllocationLevel.MUNICIPALITY else Municipality.region_id
    query = (sa.select(key.label("place_id"),
                       *(sa.cast(sa.func.sum(column), sa.Integer).label(column.name)
                         for column in (per_municipality.c.certified,
                                        per_municipality.c.pipeline)))
             .select_from(per_municipality)
             .join(Municipality, Municipality.id == per_municipality.c.municipality_id))
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
                       sa.cast(sa.func.sum(Allocation.certified), sa.Integer).label("quota"))
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
    counts = _counts(scope, level, today)
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
    certified_n = sa.func.coalesce(counts.c.certified, 0)
    pipeline_n = sa.func.coalesce(counts.c.pipeline, 0)
    quota = quotas.c.quota if quotas is not None else sa.cast(sa.null(), sa.Integer)
    query = query.add_columns(quota.label("target"), certified_n.label("certified"),
                              pipeline_n.label("pipeline"))
    if quotas is not None:
        query = query.outerjoin(quotas, quotas.c.place_id == place.id)
    return query.outerjoin(counts, counts.c.place_id == place.id)


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
    sort last on percentage and gap. Three queries whatever the numbers of people and places.
    """
    today = today or clock_today()
    target = db.session.scalar(sa.select(Target).where(Target.programme_id == scope.programme.id))
    table = _table_query(scope, level, target, today).subquery()
    # The sums over every page ride along with this page's rows, as window functions.
    totals = (sa.func.count().over(), *(sa.cast(sa.func.sum(column).over(), sa.Integer)
                                        for column in (table.c.target, table.c.certified,
                                                       table.c.pipeline)))
    rows = db.session.execute(sa.select(table, *totals).order_by(*_order(table, sort, descending))
                              .limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        sums = tuple(value or 0 for value in rows[0][-4:])
    else:  # a page past the end: the sums alone
        sums = db.session.execute(sa.select(
            sa.func.count(), *(sa.cast(sa.func.coalesce(sa.func.sum(column), 0), sa.Integer)
                               for column in (table.c.target, table.c.certified,
                                              table.c.pipeline)))).one()
    unplaced = None
    if not scope.by_place:
        everyone = db.session.scalar(certificates_in(
            scope, sa.select(sa.func.count()), until=today))
        unplaced = everyone - sums[2]
    return PlaceTable(
        level=level, count=sums[0], page=page, per_page=per_page, target=sums[1],
        certified=sums[2], pipeline=sums[3], unplaced=unplaced,
        rows=[PlaceRow(id=row.id, name=row.name, region=row.region, country=row.country,
                       kind=MunicipalityKind(row.kind) if row.kind else None,
                       target=row.target, certified=row.certified, pipeline=row.pipeline)
              for row in rows])
