"""Who are we leaving out? Certified agents by gender, age band, region and rural or urban
municipality, side by side with the people enrolled and the public-workforce baseline.

Two grouped passes over the read model (``reports.facts``) count the people enrolled and
those of them holding a live certificate, whatever the number of people. Ages are counted
in the report's year (``today``): the people are compared with today's workforce.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from certify.accounts.models import Country, Gender, Municipality, Region
from certify.core.clock import today as clock_today
from certify.extensions import db
from certify.reports.baseline import AGE_BANDS, AREAS, DIMENSIONS, current_baseline
from certify.reports.models import ReportFact
from certify.reports.places import certified_by
from certify.reports.scope import Scope
from certify.reports.sql import count_if

UNKNOWN = "unknown"  # not recorded: no gender, birth year or municipality on file
ONE_DECIMAL = Decimal("0.1")


def age_band(birth_year, year: int) -> sa.ColumnElement[str]:
    """The age band of someone born in ``birth_year`` (a column), in ``year``."""
    age = year - birth_year
    return sa.case((birth_year.is_(None), UNKNOWN), (age < 25, "under_25"), (age < 35, "25_34"),
                   (age < 45, "35_44"), (age < 55, "45_54"), else_="55_plus")


def _share(count: int, total: int) -> Decimal | None:
    return (Decimal(count * 100) / total).quantize(ONE_DECIMAL) if total else None


@dataclass(frozen=True)
class EquityRow:
    key: str  # a gender, an age band, a region id, rural or urban, or "unknown"
    name: str | None  # the region's name (other keys are labelled by the pages)
    certified: int
    enrolled: int
    certified_share: Decimal | None  # percent of everyone certified
    enrolled_share: Decimal | None
    baseline: Decimal | None  # percent of the public workforce

    @property
    def gap(self) -> Decimal | None:
        """Certified share minus baseline share, in percentage points."""
        if self.baseline is None or self.certified_share is None:
            return None
        return self.certified_share - self.baseline

    @property
    def certification_rate(self) -> Decimal | None:
        """Of the people enrolled in this group, the percentage certified."""
        return _share(self.certified, self.enrolled)


@dataclass(frozen=True)
class EquityDimension:
    dimension: str
    rows: list[EquityRow]
    certified: int
    enrolled: int
    baseline_source: str
    illustrative: bool


def _counts(scope: Scope, today: date) -> tuple[list, list]:
    """Enrolled and certified people (a live certificate issued by the end of ``today``) by
    (gender, age band), and by (region, kind of municipality): two grouped passes over the
    read model, each into a few hundred groups."""
    fact = ReportFact
    certified = certified_by(scope, today)
    counts = (sa.func.count(), count_if(certified))
    gender = sa.func.coalesce(fact.gender, UNKNOWN)
    band = age_band(fact.birth_year, today.year)
    people = db.session.execute(scope.facts(sa.select(gender, band, *counts).select_from(fact))
                                .group_by(gender, band)).all()
    per_municipality = scope.facts(sa.select(fact.municipality_id, *(
        count.label(name) for count, name in zip(counts, ("enrolled", "certified"),
                                                 strict=True))).select_from(fact)
        .group_by(fact.municipality_id)).subquery()
    place = (Municipality.region_id, Municipality.kind)
    places = db.session.execute(
        sa.select(*place, *(sa.cast(sa.func.sum(column), sa.Integer) for column in (
            per_municipality.c.enrolled, per_municipality.c.certified)))
        .select_from(per_municipality)
        .outerjoin(Municipality, Municipality.id == per_municipality.c.municipality_id)
        .group_by(*place)).all()
    return people, places


def _fold(people, places, index: int) -> tuple[dict[str, dict[str, int]], int]:
    """The counts in column ``index`` (of the counts), per dimension and group, and their
    total."""
    counts: dict[str, dict[str, int]] = {dimension: defaultdict(int) for dimension in DIMENSIONS}
    for gender, band, *numbers in people:
        counts["gender"][str(gender)] += numbers[index]
        counts["age_band"][band] += numbers[index]
    for region, area, *numbers in places:
        counts["region"][str(region) if region is not None else UNKNOWN] += numbers[index]
        counts["area"][str(area) if area is not None else UNKNOWN] += numbers[index]
    return counts, sum(counts["gender"].values())


def _keys(dimension: str, seen: set[str], regions: dict[str, str]) -> list[str]:
    """The rows of a dimension, in a fixed order; "unknown" last, and only when it occurs."""
    fixed = {"gender": [gender.value for gender in Gender], "age_band": list(AGE_BANDS),
             "area": list(AREAS)}.get(dimension)
    keys = fixed if fixed is not None else sorted(seen - {UNKNOWN}, key=lambda k: regions.get(k, k))
    return keys + ([UNKNOWN] if UNKNOWN in seen else [])


def equity(scope: Scope, *, today: date | None = None) -> list[EquityDimension]:
    """The four dimensions, each with certified, enrolled and baseline shares per group."""
    today = today or clock_today()
    people, places = _counts(scope, today)
    enrolled, enrolled_total = _fold(people, places, 0)
    certified, certified_total = _fold(people, places, 1)
    baseline = current_baseline()
    seen_regions = set(certified["region"]) | set(enrolled["region"]) | set(
        baseline["region"].shares)
    regions = _region_names(seen_regions - {UNKNOWN})
    result = []
    for dimension in DIMENSIONS:
        shares = baseline[dimension]
        seen = set(certified[dimension]) | set(enrolled[dimension])
        if dimension == "region":
            seen |= {key for key in shares.shares if key in regions}
        rows = [EquityRow(
            key=key, name=regions.get(key) if dimension == "region" else None,
            certified=certified[dimension].get(key, 0), enrolled=enrolled[dimension].get(key, 0),
            certified_share=_share(certified[dimension].get(key, 0), certified_total),
            enrolled_share=_share(enrolled[dimension].get(key, 0), enrolled_total),
            baseline=shares.shares.get(key)) for key in _keys(dimension, seen, regions)]
        result.append(EquityDimension(dimension, rows, certified_total, enrolled_total,
                                      shares.source, shares.illustrative))
    return result


def _region_names(keys: set[str]) -> dict[str, str]:
    """``{region id as text: "Region (CL)"}`` for these ids, in one query."""
    ids = [int(key) for key in keys if key.isdigit()]
    if not ids:
        return {}
    return {str(region_id): f"{name} ({code})" for region_id, name, code in db.session.execute(
        sa.select(Region.id, Region.name, Country.code).join(Region.country)
        .where(Region.id.in_(ids)))}
