"""Fixtures for the surveys area: a small programme with a survey template, a cohort running now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from certify.accounts.models import Role
from certify.attendance.models import InPersonSession
from certify.core.clock import today
from certify.extensions import db
from certify.programmes.models import Module, ModuleKind, Programme
from certify.surveys import giving, services
from certify.surveys.models import ItemKind, SurveyItem, SurveyTemplate
from tests import factories
from tests.factories import enrol, make_municipality, make_person


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English, whatever the catalogs say (HTTP tests sign in English speakers)."""
    with force_locale("en"):
        yield


def make_programme(code: str = "ENC") -> Programme:
    """Two modules (virtual, then in person) and a four-question "satisfaction" template."""
    programme = Programme(
        code=code, title={"es": f"Programa {code}", "en": f"Programme {code}"},
        modules=[
            Module(code="M1", position=1, kind=ModuleKind.VIRTUAL, hours=Decimal("10"),
                   title={"es": "Innovación pública", "en": "Public innovation"}),
            Module(code="M2", position=2, kind=ModuleKind.IN_PERSON, hours=Decimal("16"),
                   title={"es": "Encuentro presencial", "en": "In-person encounter"},
                   venue="Santiago"),
        ],
    )
    template = SurveyTemplate(programme=programme, key="satisfaction",
                              title={"es": "Encuesta de satisfacción", "en": "Satisfaction survey"})
    template.items = [
        SurveyItem(key="overall", position=1, kind=ItemKind.SCALE, required=True,
                   prompt={"es": "En general", "en": "Overall"}),
        SurveyItem(key="content", position=2, kind=ItemKind.SCALE, required=True,
                   prompt={"es": "Contenidos", "en": "Content"}),
        SurveyItem(key="venue", position=3, kind=ItemKind.SCALE, required=False,
                   prompt={"es": "Lugar", "en": "Venue"}),
        SurveyItem(key="improve", position=4, kind=ItemKind.TEXT, required=False,
                   prompt={"es": "¿Qué mejorar?", "en": "What to improve?"}),
    ]
    db.session.add_all([programme, template])
    db.session.commit()
    return programme


def make_cohort(programme: Programme, name: str, *, tutors=(), days_left: int = 30):
    """A cohort that started a month ago and ends in ``days_left`` days."""
    return factories.make_cohort(programme, name, tutors=tutors,
                                 starts_on=today() - timedelta(days=30),
                                 ends_on=today() + timedelta(days=days_left))


def make_session(cohort, module, *, title: str = "Santiago, día 1", days_ahead: int = 10):
    starts_at = datetime.combine(today() + timedelta(days=days_ahead), datetime.min.time(),
                                 tzinfo=UTC) + timedelta(hours=12)
    session = InPersonSession(cohort=cohort, module=module, title=title, starts_at=starts_at,
                              ends_at=starts_at + timedelta(hours=8), venue="Santiago",
                              capacity=40)
    db.session.add(session)
    db.session.commit()
    return session


def answer(survey, person, **answers):
    response, _created = services.save_response(survey, person, answers)
    db.session.commit()
    return response


def module_survey(surveys, code: str):
    return next(s for s in surveys if s.module is not None and s.module.code == code)


# The people of these tests read English, so pages and API messages can be checked word for word.
@pytest.fixture
def official():
    return make_person(Role.OFFICIAL, preferred_locale="en")


@pytest.fixture
def tutor():
    return make_person(Role.TUTOR, preferred_locale="en")


@pytest.fixture
def manager():
    return make_person(Role.MANAGER, preferred_locale="en")


@pytest.fixture
def small_programme():
    return make_programme()


@pytest.fixture
def other_tutor():
    return make_person(Role.TUTOR, given_names="Otra", family_names="Tutora",
                       preferred_locale="en")


@pytest.fixture
def cohort(small_programme, tutor):
    return make_cohort(small_programme, "Cohorte Encuestas", tutors=[tutor])


@pytest.fixture
def other_cohort(small_programme, other_tutor):
    return make_cohort(small_programme, "Otra cohorte", tutors=[other_tutor])


@pytest.fixture
def municipality():
    return make_municipality("Melipeuco", country="CL")


@pytest.fixture
def enrolled(cohort, official, municipality):
    """The ``official`` fixture, working in Melipeuco and actively enrolled in ``cohort``."""
    official.municipality = municipality
    enrol(cohort, official)
    return official


@pytest.fixture
def surveys(cohort):
    """The cohort's surveys (M1, M2), given and committed."""
    given = giving.ensure_cohort_surveys(cohort)
    db.session.commit()
    return given


@pytest.fixture
def m1_survey(surveys):
    return module_survey(surveys, "M1")


@pytest.fixture
def world(small_programme, cohort, other_cohort, enrolled, tutor, other_tutor, manager, m1_survey):
    """Everyone the access tests need, around the M1 survey of ``cohort``."""
    stranger = make_person(Role.OFFICIAL, given_names="Ajena", preferred_locale="en")
    enrol(other_cohort, stranger)
    return SimpleNamespace(
        programme=small_programme, cohort=cohort, survey=m1_survey,
        people={"official": enrolled, "other_official": stranger, "tutor": tutor,
                "other_tutor": other_tutor, "manager": manager},
    )
