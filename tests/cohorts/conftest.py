"""Fixtures for the cohorts area: a small programme, a cohort with its tutor, tokens."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from certify.accounts import services as accounts
from certify.accounts.models import Role
from certify.cohorts import enrolments, services
from certify.extensions import db
from certify.programmes.models import Module, ModuleKind, Programme
from tests.factories import make_person


def make_programme(code: str = "COH") -> Programme:
    """A one-module programme, quicker than loading course_content/."""
    programme = Programme(
        code=code, title={"es": f"Programa {code}", "pt": f"Programa {code}",
                          "en": f"Programme {code}"},
        modules=[Module(code="M1", position=1, kind=ModuleKind.VIRTUAL, hours=Decimal("10"),
                        title={"es": "Uno", "en": "One"})],
    )
    db.session.add(programme)
    db.session.commit()
    return programme


def make_cohort(programme: Programme, name: str, *, tutors=(), starts_on=date(2026, 3, 2),
                ends_on=date(2026, 7, 31)):
    cohort = services.create_cohort(programme, name=name, starts_on=starts_on, ends_on=ends_on,
                                    tutors=tutors)
    db.session.commit()
    return cohort


def enrol(cohort, person):
    enrolment = enrolments.enrol(cohort, person)
    db.session.commit()
    return enrolment


@pytest.fixture
def small_programme():
    return make_programme()


@pytest.fixture
def other_tutor():
    return make_person(Role.TUTOR, given_names="Otra", family_names="Tutora")


@pytest.fixture
def cohort(small_programme, tutor):
    """'Cohorte Araucanía 2026', tutored by the ``tutor`` fixture."""
    return make_cohort(small_programme, "Cohorte Araucanía 2026", tutors=[tutor])


@pytest.fixture
def other_cohort(small_programme, other_tutor):
    return make_cohort(small_programme, "Cohorte Uruguay 2026", tutors=[other_tutor],
                       starts_on=date(2026, 8, 3), ends_on=None)


@pytest.fixture
def enrolled(cohort, official):
    """The ``official`` fixture, enrolled in ``cohort``; returns the enrolment."""
    return enrol(cohort, official)


@pytest.fixture
def bearer():
    """``bearer(person)`` -> headers carrying a fresh API token of ``person``."""

    def headers_for(person) -> dict[str, str]:
        _token, plaintext = accounts.issue_api_token(person, "cohort tests")
        db.session.commit()
        return {"Authorization": f"Bearer {plaintext}"}

    return headers_for


@pytest.fixture
def in_english(client):
    """Pages in English, whatever the catalogs translate: the tests read the msgids."""
    client.set_cookie("certify_locale", "en")
    return client
