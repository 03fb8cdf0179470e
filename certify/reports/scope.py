"""What a figure is about: one programme, narrowed by the filters a manager chose.

Place filters (country, region, rural or urban) select people by the municipality they
work in; cohort filters (a cohort, or the year cohorts start in) select enrolments and
certificates by the cohort they belong to. Every figure applies the same scope the same
way, so the numbers on the dashboard add up across its sections.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.accounts.models import Country, Municipality, MunicipalityKind, Person, Region
from certify.cohorts.models import Cohort
from certify.core.errors import NotFound, ValidationError
from certify.extensions import db
from certify.programmes.models import Programme
from certify.reports.models import ReportFact, Target


@dataclass(frozen=True)
class Scope:
    programme: Programme
    country: str | None = None  # ISO 3166-1 alpha-2
    region_id: int | None = None
    kind: MunicipalityKind | None = None
    cohort_id: int | None = None
    year: int | None = None  # the year the cohorts start in

    @property
    def by_place(self) -> bool:
        return bool(self.country or self.region_id or self.kind)

    @property
    def by_cohort(self) -> bool:
        return bool(self.cohort_id or self.year)

    def without_place(self) -> Scope:
        return replace(self, country=None, region_id=None, kind=None)

    def params(self) -> dict[str, object]:
        """The filters as URL query arguments (only those set)."""
        values = {"programme_id": self.programme.id, "country": self.country,
                  "region_id": self.region_id, "kind": self.kind.value if self.kind else None,
                  "cohort_id": self.cohort_id, "year": self.year}
        return {key: value for key, value in values.items() if value is not None}

    # --- SQL ---------------------------------------------------------------------------------

    def place_conditions(self) -> list[sa.ColumnElement[bool]]:
        """Conditions on ``Municipality`` (joined by the caller) for the place filters."""
        conditions = []
        if self.country:
            conditions.append(Municipality.region_id.in_(
                sa.select(Region.id).join(Region.country).where(Country.code == self.country)))
        if self.region_id:
            conditions.append(Municipality.region_id == self.region_id)
        if self.kind:
            conditions.append(Municipality.kind == self.kind)
        return conditions

    def within_place(self, query: sa.Select, person_id) -> sa.Select:
        """``query`` narrowed to people (``person_id``: a column) working in the chosen places."""
        if not self.by_place:
            return query
        # A semi-join: the people of the places are hashed once, then looked up.
        return query.where(person_id.in_(
            sa.select(Person.id).join(Municipality, Municipality.id == Person.municipality_id)
            .where(*self.place_conditions())))

    def facts(self, query: sa.Select) -> sa.Select:
        """``query`` (over ``ReportFact``) kept to the scope's people."""
        query = query.where(ReportFact.programme_id == self.programme.id)
        if self.by_cohort:
            query = query.where(ReportFact.cohort_id.in_(self.cohort_ids()))
        if self.by_place:
            query = (query.join(Municipality, Municipality.id == ReportFact.municipality_id)
                     .where(*self.place_conditions()))
        return query

    def cohort_ids(self) -> sa.Select:
        """A select of the ids of the programme's cohorts that the cohort filters keep."""
        query = sa.select(Cohort.id).where(Cohort.programme_id == self.programme.id)
        if self.cohort_id:
            query = query.where(Cohort.id == self.cohort_id)
        if self.year:
            query = query.where(Cohort.starts_on.between(date(self.year, 1, 1),
                                                         date(self.year, 12, 31)))
        return query


def default_programme() -> Programme:
    """The programme with a target (the first by code), else the first programme."""
    programme = db.session.scalar(
        sa.select(Programme).join(Target, Target.programme_id == Programme.id)
        .order_by(Programme.code).limit(1))
    if programme is None:
        programme = db.session.scalar(sa.select(Programme).order_by(Programme.code).limit(1))
    if programme is None:
        raise NotFound(_("No programme has been loaded yet: load the course content first."))
    return programme


def make_scope(*, programme_id: int | None = None, country: str | None = None,
               region_id: int | None = None, kind: MunicipalityKind | str | None = None,
               cohort_id: int | None = None, year: int | None = None) -> Scope:
    """A checked scope: every filter names something that exists and fits the others.

    ``ValidationError`` names each filter that does not (as ``errors[filter]``).
    """
    errors: dict[str, list[str]] = {}

    def check(name: str, problem: str | None) -> None:
        if problem is not None:
            errors[name] = [problem]

    programme, problem = _programme_filter(programme_id)
    check("programme_id", problem)
    country = country.strip().upper() if country and country.strip() else None
    check("country", _country_problem(country))
    check("region_id", _region_problem(region_id, country))
    kind, problem = _kind_filter(kind)
    check("kind", problem)
    check("cohort_id", _cohort_problem(cohort_id, programme))
    if year is not None and not 2000 <= year <= 2100:
        check("year", _("Give a year from 2000 to 2100."))
    if errors:
        raise ValidationError(_("Some filters are not valid: %(fields)s.",
                                fields=", ".join(sorted(errors))), errors=errors)
    return Scope(programme=programme, country=country, region_id=region_id or None,
                 kind=kind or None, cohort_id=cohort_id or None, year=year)


def _programme_filter(programme_id: int | None) -> tuple[Programme | None, str | None]:
    """The programme asked for (the default one if none), or the reason there is none."""
    if not programme_id:
        return default_programme(), None
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        return None, _("There is no programme with id %(id)s.", id=programme_id)
    return programme, None


def _country_problem(country: str | None) -> str | None:
    if country and not db.session.scalar(sa.select(sa.exists().where(Country.code == country))):
        return _("There is no country with the code %(code)s.", code=country)
    return None


def _region_problem(region_id: int | None, country: str | None) -> str | None:
    if not region_id:
        return None
    region = db.session.get(Region, region_id)
    if region is None:
        return _("There is no region with id %(id)s.", id=region_id)
    if country and region.country.code != country:
        return _("The region %(region)s is not in %(country)s.", region=region.name,
                 country=country)
    return None


def _kind_filter(kind: MunicipalityKind | str | None
                 ) -> tuple[MunicipalityKind | str | None, str | None]:
    if not kind:
        return kind, None
    try:
        return MunicipalityKind(kind), None
    except ValueError:
        return kind, _("Choose rural or urban.")


def _cohort_problem(cohort_id: int | None, programme: Programme | None) -> str | None:
    if not cohort_id:
        return None
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        return _("There is no cohort with id %(id)s.", id=cohort_id)
    if programme is not None and cohort.programme_id != programme.id:
        return _("The cohort %(cohort)s is not a cohort of %(programme)s.", cohort=cohort.name,
                 programme=programme.code)
    return None
