"""Small builders for test data; each commits (a savepoint inside the test's transaction)."""

from __future__ import annotations

import itertools

import pytest

from certify.accounts import services as accounts
from certify.accounts.models import MunicipalityKind, Person, Role
from certify.cohorts import enrolments
from certify.cohorts import services as cohorts
from certify.cohorts.models import Cohort, Enrolment
from certify.extensions import db
from certify.programmes.models import Programme

_sequence = itertools.count(1)
PASSWORD = "correct horse battery"


def make_municipality(name: str | None = None, *, country: str = "CL", region: str = "Araucanía",
                      kind: str = MunicipalityKind.RURAL):
    country_row = accounts.ensure_country(country, {"CL": "Chile", "UY": "Uruguay", "BR": "Brasil",
                                                    "PY": "Paraguay"}.get(country, country))
    region_row = accounts.ensure_region(country_row, region)
    municipality = accounts.ensure_municipality(region_row, name or f"Comuna {next(_sequence)}", kind)
    db.session.commit()
    return municipality


def make_person(role: Role | str | None = Role.OFFICIAL, *, email: str | None = None,
                password: str | None = None, municipality=None, **details) -> Person:
    n = next(_sequence)
    person = accounts.create_person(
        email=email or f"person{n}@example.org",
        given_names=details.pop("given_names", f"Persona{n}"),
        family_names=details.pop("family_names", "Pérez"),
        municipality=municipality, password=password,
        roles=[role] if role else [], **details,
    )
    db.session.commit()
    return person


def make_cohort(programme: Programme, name: str, *, tutors=(), **dates) -> Cohort:
    """A cohort of ``programme``; ``dates``: ``starts_on``, ``ends_on`` (none by default)."""
    cohort = cohorts.create_cohort(programme, name=name, tutors=tutors, **dates)
    db.session.commit()
    return cohort


def enrol(cohort: Cohort, person: Person) -> Enrolment:
    """``person``, actively enrolled in ``cohort``; returns the enrolment."""
    enrolment = enrolments.enrol(cohort, person)
    db.session.commit()
    return enrolment


@pytest.fixture
def official():
    return make_person(Role.OFFICIAL)


@pytest.fixture
def tutor():
    return make_person(Role.TUTOR)


@pytest.fixture
def other_tutor():
    """A tutor of no cohort yet: the areas give them a cohort of their own."""
    return make_person(Role.TUTOR, given_names="Otra", family_names="Tutora")


@pytest.fixture
def manager():
    return make_person(Role.MANAGER)


@pytest.fixture
def admin():
    return make_person(Role.ADMIN)


@pytest.fixture
def programme(app):
    """The real programme from course_content/, loaded into the test's transaction."""
    from certify.programmes.content import load_course_content

    report = load_course_content(app.config["CONTENT_DIR"])
    db.session.commit()
    return report.programme


@pytest.fixture
def bearer():
    """``bearer(person)`` -> request headers carrying a fresh API token of ``person``."""

    def headers_for(person, **token_options) -> dict[str, str]:
        _token, plaintext = accounts.issue_api_token(person, "tests", **token_options)
        db.session.commit()
        return {"Authorization": f"Bearer {plaintext}"}

    return headers_for


__all__ = ["make_municipality", "make_person", "official", "tutor", "other_tutor", "manager",
           "admin", "programme", "bearer", "PASSWORD"]
