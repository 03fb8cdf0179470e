"""Fixtures for the attendance area: a programme with an in-person module, a cohort with
its tutor and an enrolled official, sessions, and the outbox."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from certify.accounts.models import Role
from certify.attendance import services
from certify.core.clock import utcnow
from certify.core.mail import OutboxMessage
from certify.extensions import db
from certify.programmes.models import Module, ModuleKind, Programme
from tests.factories import enrol, make_cohort, make_person


def make_programme(code: str = "ATT") -> Programme:
    """A virtual module and an in-person one, quicker than loading course_content/."""
    programme = Programme(
        code=code, title={"es": f"Programa {code}", "en": f"Programme {code}"},
        modules=[
            Module(code="M1", position=1, kind=ModuleKind.VIRTUAL, hours=Decimal("10"),
                   title={"es": "Uno", "en": "One"}),
            Module(code="M5", position=2, kind=ModuleKind.IN_PERSON, hours=Decimal("16"),
                   title={"es": "Encuentro presencial", "en": "In-person meeting"},
                   venue="Santiago"),
        ],
    )
    db.session.add(programme)
    db.session.commit()
    return programme


def in_person(programme: Programme) -> Module:
    return next(module for module in programme.modules if module.kind is ModuleKind.IN_PERSON)


def make_session(cohort, *, title: str = "Santiago, día 1", capacity: int = 30,
                 starts_in: timedelta = timedelta(days=10), hours: int = 8, **details):
    starts_at = utcnow().replace(microsecond=0) + starts_in
    session = services.create_session(
        cohort=cohort, module=in_person(cohort.programme), title=title, starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours), venue="Centro Cultural, Santiago",
        capacity=capacity, **details)
    db.session.commit()
    return session


def outbox(to: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query))


@pytest.fixture
def small_programme():
    return make_programme()


@pytest.fixture
def cohort(small_programme, tutor):
    return make_cohort(small_programme, "Cohorte Araucanía 2026", tutors=[tutor])


@pytest.fixture
def other_cohort(small_programme, other_tutor):
    return make_cohort(small_programme, "Cohorte Uruguay 2026", tutors=[other_tutor])


@pytest.fixture
def enrolled(cohort, official):
    """The ``official`` fixture, actively enrolled in ``cohort``."""
    enrol(cohort, official)
    return official


@pytest.fixture
def session(cohort):
    return make_session(cohort)


@pytest.fixture
def officials(cohort):
    """``officials(n)`` -> n new officials enrolled in ``cohort``."""

    def build(n: int, **details):
        people = [make_person(Role.OFFICIAL, **details) for _ in range(n)]
        for person in people:
            enrol(cohort, person)
        return people

    return build


@pytest.fixture
def english():
    """Messages in English (the msgids), whatever the catalogs say: service tests read them."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
