"""Who are we leaving out? Certified agents by gender, age band, region and rural or urban
municipality, side by side with the people enrolled and the public-workforce baseline.

Two grouped queries (certified, enrolled), each over the four dimensions at once, whatever
the number of people. Ages are counted in the report's year (``today``): the same people
are compared with today's workforce.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from certify.accounts.models import Country, Gender, Municipality, Person, Region
from certify.certificates.models import Certificate
from certify.core.clock import today as clock_today
from certify.extensions import db
from certify.reports.baseline import AGE_BANDS, AREAS, DIMENSIONS, current_baseline
from certify.reports.funnel import enrolled_people
from certify.reports.progress import certificates_in
from certify.reports.scope import Scope

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


def _grouped(query: sa.Select, person_id, year: int) -> sa.Select:
    """``query`` (rows of people) counted by gender, age band, region and kind."""
    people = query.subquery()
    # Read as plain text: "unknown" is not a Gender.
    gender = sa.func.coalesce(sa.type_coerce(Person.gender, sa.String), UNKNOWN)
    band = age_band(Person.birth_year, year)
    columns = (gender.label("gender"), band.label("age_band"),
               Municipality.region_id.label("region"), Municipality.kind.label("area"))
    return (sa.select(*columns, sa.func.count())
            .select_from(people)
            .outerjoin(Person, Person.id == people.c[person_id])
            .outerjoin(Municipality, Municipality.id == Person.municipality_id)
            .group_by(*columns))


def _fold(rows) -> tuple[dict[str, dict[str, int]], int]:
    counts: dict[str, dict[str, int]] = {dimension: defaultdict(int) for dimension in DIMENSIONS}
    total = 0
    for gender, band, region, area, n in rows:
        total += n
        counts["gender"][str(gender)] += n
        counts["age_band"][band] += n
        counts["region"][str(region) if region is not None else UNKNOWN] += n
        counts["area"][str(area) if area is not None else UNKNOWN] += n
    return counts, total


def _keys(dimension: str, seen: set[str], regions: dict[str, str]) -> list[str]:
    """The rows of a dimension, in a fixed order; "unknown" last, and only when it occurs."""
    fixed = {"gender": [gender.value for gender in Gender], "age_band": list(AGE_BANDS),
             "area": list(AREAS)}.get(dimension)
    keys = fixed if fixed is not None else sorted(seen - {UNKNOWN}, key=lambda k: regions.get(k, k))
    return keys + ([UNKNOWN] if UNKNOWN in seen else [])


def equity(scope: Scope, *, today: date | None = None) -> list[EquityDimension]:
    """The four dimensions, each with certified, enrolled and baseline shares per group."""
    year = (today or clock_today()).year
    certified_query = certificates_in(scope.without_place(), sa.select(
        Certificate.person_id.label("person_id")), until=today or clock_today())
    if scope.by_place:
        certified_query = (certified_query.join(Person, Person.id == Certificate.person_id)
                           .join(Municipality, Municipality.id == Person.municipality_id)
                           .where(*scope.place_conditions()))
    certified, certified_total = _fold(db.session.execute(
        _grouped(certified_query, "person_id", year)))
    enrolled, enrolled_total = _fold(db.session.execute(
        _grouped(enrolled_people(scope), "person_id", year)))
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
