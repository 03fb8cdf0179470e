"""Fixtures for the cohorts area: a small programme, a cohort with its tutor."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from certify.extensions import db
from certify.programmes.models import Module, ModuleKind, Programme
from tests import factories
from tests.factories import enrol


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
    """A cohort running from March to July 2026 unless told otherwise (schedules count on it)."""
    return factories.make_cohort(programme, name, tutors=tutors, starts_on=starts_on,
                                 ends_on=ends_on)


@pytest.fixture
def small_programme():
    return make_programme()


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
def in_english(client):
    """Pages in English, whatever the catalogs translate: the tests read the msgids."""
    client.set_cookie("certify_locale", "en")
    return client
