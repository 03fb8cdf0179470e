"""Fixtures for certificates: a small programme anyone enrolled is eligible for, people, issuing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from certify.accounts.models import Role
from certify.certificates.counting import forget_pending_counts
from certify.certificates.facts_cache import forget_answers
from certify.certificates.issuing import issue_programme_certificate
from certify.certificates.kept_answers import forget_kept_answers
from certify.cohorts.enrolments import enrol
from certify.cohorts.services import create_cohort
from certify.extensions import db
from certify.programmes.models import Module, ModuleKind, Programme
from tests.factories import make_person

T0 = datetime(2026, 12, 11, 18, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_counts_left_from_other_tests():
    """Verification counts and answers wait in the process (certificates.counting,
    facts_cache); a rolled-back test's certificate ids come back in the next test, so its
    counts and answers must not."""
    forget_pending_counts()
    forget_answers()
    forget_kept_answers()
    yield
    forget_pending_counts()
    forget_answers()
    forget_kept_answers()


def make_certificate_programme(code: str = "CRT", **rules) -> Programme:
    """Two modules (24 h virtual, 16 h in Santiago) and no quiz, so with the default rules
    everyone enrolled is eligible; pass rules (e.g. ``final_survey=True``) to make it harder."""
    programme = Programme(
        code=code,
        title={"es": "Innovación Pública", "pt": "Inovação Pública", "en": "Public Innovation"},
        description={"es": "Un programa de prueba.", "en": "A test programme."},
        certificate_title={"es": "Agente de Innovación Pública", "pt": "Agente de Inovação Pública",
                           "en": "Public Innovation Agent"},
        issuer_name="Red de Laboratorios", issuer_url="https://example.org/red",
        authorities=[{"name": "Carolina Fuentes", "title": {"es": "Directora", "en": "Director"}}],
        certification_rules={"virtual_quizzes": "all", **rules},
        modules=[
            Module(code="M1", position=1, kind=ModuleKind.VIRTUAL, hours=Decimal("24"),
                   title={"es": "Valor público", "pt": "Valor público", "en": "Public value"},
                   content_markdown="# Uno"),
            Module(code="M2", position=2, kind=ModuleKind.IN_PERSON, hours=Decimal("16.5"),
                   title={"es": "Encuentro", "pt": "Encontro", "en": "Encounter"},
                   venue="Santiago, Chile"),
        ],
    )
    db.session.add(programme)
    db.session.commit()
    return programme


def enrolled(cohort, **details):
    person = make_person(Role.OFFICIAL, **details)
    enrol(cohort, person)
    db.session.commit()
    return person


def portuguese_holders_certificate(programme, manager, cohort_name: str):
    """A Portuguese-speaking holder's certificate of ``programme``, eligibility taken as met."""
    from certify.certificates.issuing import issue_programme_certificate
    from certify.progress.eligibility import Eligibility

    cohort = create_cohort(programme, name=cohort_name)
    db.session.commit()
    holder = enrolled(cohort, given_names="João", family_names="Araújo", preferred_locale="pt_BR")
    certificate = issue_programme_certificate(holder, cohort, actor=manager,
                                              verdict=Eligibility(holder.id, ()))
    db.session.commit()
    return certificate



@pytest.fixture
def world(manager):
    """A programme, its cohort, an eligible holder with accents in her name, and a manager."""
    programme = make_certificate_programme()
    cohort = create_cohort(programme, name="Cohorte Certificados")
    db.session.commit()
    holder = enrolled(cohort, given_names="María José", family_names="Ñancupil Huenchumán",
                      preferred_locale="es")
    return SimpleNamespace(programme=programme, cohort=cohort, holder=holder, manager=manager)


@pytest.fixture
def issued(world):
    """The holder's programme certificate, committed."""
    certificate = issue_programme_certificate(world.holder, world.cohort, actor=world.manager,
                                              now=T0)
    db.session.commit()
    return certificate


@pytest.fixture
def bearer():
    """``bearer(person)`` -> request headers carrying a fresh API token of ``person``."""
    from certify.accounts import services as accounts

    def headers_for(person) -> dict[str, str]:
        _token, plaintext = accounts.issue_api_token(person, "certificate tests")
        db.session.commit()
        return {"Authorization": f"Bearer {plaintext}"}

    return headers_for
