"""Fixtures for the reports: a small programme with known figures at every step.

The builders write rows directly (attempts, check-ins, grades, certificates) with the
dates the figures depend on, so each test knows exactly what to expect.
"""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import SimpleNamespace

import pytest

from certify.accounts.models import Role
from certify.assessments.models import AttemptStatus, Quiz, QuizAttempt
from certify.attendance.models import (
    AttendanceStatus,
    CheckIn,
    CheckInMethod,
    InPersonSession,
    Registration,
    RegistrationStatus,
)
from certify.certificates.issuing import prepare_certificate
from certify.certificates.models import Certificate, CertificateKind
from certify.cohorts.models import GroupMembership, ProjectGroup
from certify.extensions import db
from certify.programmes.models import Module, ModuleKind, Programme
from certify.reports.facts import refresh_programme
from certify.submissions.models import GradeStatus, PrototypeGrade, PrototypeSubmission
from certify.surveys.models import (
    ItemKind,
    Survey,
    SurveyAnswer,
    SurveyItem,
    SurveyResponse,
    SurveyTemplate,
)
from tests.factories import enrol, make_cohort, make_municipality, make_person

TODAY = date(2026, 12, 31)
_numbers = itertools.count(1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def make_programme(code: str = "NAT", **rules) -> Programme:
    """Two virtual modules with a quiz each, and the in-person module."""
    programme = Programme(
        code=code, title={"es": f"Programa {code}", "en": f"Programme {code}"},
        certificate_title={"es": "Agente", "en": "Agent"}, issuer_name="Red",
        certification_rules={"virtual_quizzes": "all", "in_person_statuses": ["present", "late"],
                             "prototype_pass_mark": 60, "final_survey": False, **rules},
        modules=[
            Module(code="M1", position=1, kind=ModuleKind.VIRTUAL, hours=Decimal(10),
                   title={"es": "Uno", "en": "One"}),
            Module(code="M2", position=2, kind=ModuleKind.VIRTUAL, hours=Decimal(10),
                   title={"es": "Dos", "en": "Two"}),
            Module(code="M5", position=3, kind=ModuleKind.IN_PERSON, hours=Decimal(16),
                   title={"es": "Encuentro", "en": "Encounter"}, venue="Santiago"),
        ])
    db.session.add(programme)
    db.session.flush()
    for module in programme.modules[:2]:
        db.session.add(Quiz(module_id=module.id, title={"es": module.code}, pass_mark=70))
    db.session.commit()
    return programme


def quizzes_of(programme: Programme) -> list[Quiz]:
    return [db.session.scalar(db.select(Quiz).where(Quiz.module_id == module.id))
            for module in programme.modules if module.kind is ModuleKind.VIRTUAL]


def attempt(quiz: Quiz, person, *, passed: bool, number: int = 1,
            day: date = date(2026, 9, 1)) -> QuizAttempt:
    row = QuizAttempt(quiz_id=quiz.id, person_id=person.id, number=number,
                      token=secrets.token_hex(16), status=AttemptStatus.SUBMITTED,
                      started_at=at(day), submitted_at=at(day, 13), question_order=[],
                      option_order={}, answers={}, score_points=1, max_points=1,
                      percent=Decimal(90 if passed else 30), passed=passed)
    db.session.add(row)
    db.session.commit()
    return row


def make_session(cohort, *, title: str = "Santiago", day: date = date(2026, 11, 10)
                 ) -> InPersonSession:
    module = next(m for m in cohort.programme.modules if m.kind is ModuleKind.IN_PERSON)
    session = InPersonSession(cohort_id=cohort.id, module_id=module.id, title=title,
                              starts_at=at(day, 9), ends_at=at(day, 18), venue="Santiago",
                              capacity=100)
    db.session.add(session)
    db.session.commit()
    return session


def seat(session, person, status: AttendanceStatus | None, *, walk_in: bool = False,
         registration: RegistrationStatus = RegistrationStatus.CONFIRMED) -> Registration:
    row = Registration(session_id=session.id, person_id=person.id, status=registration,
                       walk_in=walk_in)
    db.session.add(row)
    db.session.flush()
    if status is not None:
        db.session.add(CheckIn(registration_id=row.id, status=status,
                               method=CheckInMethod.WALK_IN if walk_in else CheckInMethod.LIST))
    db.session.commit()
    return row


def graded_group(cohort, members, percent: int | None, *, by) -> ProjectGroup:
    """A group of ``members`` whose prototype got ``percent`` (released), or no grade (None)."""
    group = ProjectGroup(cohort_id=cohort.id, name=f"Grupo {next(_numbers)}")
    db.session.add(group)
    db.session.flush()
    for person in members:
        db.session.add(GroupMembership(group_id=group.id, cohort_id=cohort.id,
                                       person_id=person.id, joined_at=at(date(2026, 8, 1))))
    submission = PrototypeSubmission(
        group_id=group.id, version=1, title="Prototipo", problem="p", audience="a",
        discover="d", define="d", develop="d", deliver="d", description="d",
        submitted_by_id=members[0].id, submitted_at=at(date(2026, 11, 1)))
    db.session.add(submission)
    db.session.flush()
    if percent is not None:
        db.session.add(PrototypeGrade(submission_id=submission.id, tutor_id=by.id,
                                      status=GradeStatus.RELEASED, percent=Decimal(percent),
                                      released_at=at(date(2026, 11, 5))))
    db.session.commit()
    return group


def certify_person(person, cohort, issued_on: date, *, revoked_on: date | None = None
                   ) -> Certificate:
    """A programme certificate, whatever the person's eligibility (figures only count them)."""
    programme = cohort.programme
    certificate = prepare_certificate(
        kind=CertificateKind.PROGRAMME, person=person, programme=programme,
        modules=list(programme.modules), place="Santiago",
        certificate_title=programme.certificate_title, cohort=cohort,
        issued_at=at(issued_on))
    if revoked_on is not None:
        certificate.revoked_at = at(revoked_on, 15)
        certificate.revocation_reason = "Error"
    db.session.add(certificate)
    db.session.commit()
    return certificate


@pytest.fixture
def places():
    """Two Chilean regions (one rural municipality, one urban) and a Uruguayan one."""
    return SimpleNamespace(
        melipeuco=make_municipality("Melipeuco", region="La Araucanía", kind="rural"),
        curarrehue=make_municipality("Curarrehue", region="La Araucanía", kind="rural"),
        penalolen=make_municipality("Peñalolén", region="Metropolitana", kind="urban"),
        tupambae=make_municipality("Tupambaé", country="UY", region="Cerro Largo",
                                   kind="rural"),
    )


@pytest.fixture
def nat(places, tutor):
    """A programme, two cohorts (2026 and 2027) and officials at known places and ages."""
    programme = make_programme()
    cohort = make_cohort(programme, "Cohorte 2026", starts_on=date(2026, 3, 2))
    later = make_cohort(programme, "Cohorte 2027", starts_on=date(2027, 3, 1))

    def official(municipality, gender="female", birth_year=1985, into=cohort):
        person = make_person(Role.OFFICIAL, municipality=municipality, gender=gender,
                             birth_year=birth_year)
        enrol(into, person)
        return person

    return SimpleNamespace(programme=programme, cohort=cohort, later=later, places=places,
                           official=official, tutor=tutor)


def survey_of(cohort, module, template) -> Survey:
    survey = Survey(template_id=template.id, cohort_id=cohort.id, module_id=module.id,
                    opens_at=at(date(2026, 3, 1)), closes_at=at(date(2027, 3, 1)))
    db.session.add(survey)
    db.session.commit()
    return survey


def answer(survey, person, scores: dict[str, int]) -> SurveyResponse:
    items = {item.key: item for item in survey.template.items}
    response = SurveyResponse(survey_id=survey.id, person_id=person.id)
    db.session.add(response)
    db.session.flush()
    for key, score in scores.items():
        db.session.add(SurveyAnswer(response_id=response.id, item_id=items[key].id, score=score))
    db.session.commit()
    return response


@pytest.fixture
def known(nat, manager):
    """Eight officials at every step, with figures worked out by hand in the tests.

    ana and bea are certified (June and November 2026); hugo's certificate was revoked;
    carlos failed the prototype; eva did not come to the session; dora passed one quiz;
    fede is in the 2027 cohort with nothing done; gabi withdrew. Today is 31 Dec 2026.
    """
    p, programme = nat.places, nat.programme
    people = SimpleNamespace(
        ana=nat.official(p.melipeuco, "female", 1990),
        bea=nat.official(p.melipeuco, "female", 1999),
        carlos=nat.official(p.penalolen, "male", 1960),
        dora=nat.official(p.curarrehue, "non_binary", 2003),
        eva=nat.official(p.tupambae, "female", 1980),
        fede=nat.official(p.penalolen, "male", 1985, into=nat.later),
        gabi=nat.official(p.melipeuco, "female", 1975),
        hugo=nat.official(p.penalolen, "male", 1970),
    )
    from certify.cohorts.enrolments import find_enrolment, set_enrolment_status

    set_enrolment_status(find_enrolment(nat.cohort, people.gabi), "withdrawn")
    first, second = quizzes_of(programme)
    for person in (people.ana, people.bea, people.carlos, people.eva, people.hugo):
        attempt(first, person, passed=False)
        attempt(first, person, passed=True, number=2)
        attempt(second, person, passed=True)
    attempt(first, people.dora, passed=True)
    attempt(second, people.dora, passed=False)
    session = make_session(nat.cohort)
    for person in (people.ana, people.carlos, people.hugo):
        seat(session, person, AttendanceStatus.PRESENT)
    seat(session, people.eva, AttendanceStatus.NO_SHOW)
    seat(session, people.bea, AttendanceStatus.LATE, walk_in=True)
    seat(session, people.dora, None, registration=RegistrationStatus.WAITLISTED)
    graded_group(nat.cohort, [people.ana, people.hugo], 80, by=nat.tutor)
    graded_group(nat.cohort, [people.bea], 70, by=nat.tutor)
    graded_group(nat.cohort, [people.carlos], 50, by=nat.tutor)
    certify_person(people.ana, nat.cohort, date(2026, 6, 15))
    certify_person(people.bea, nat.cohort, date(2026, 11, 20))
    certify_person(people.hugo, nat.cohort, date(2026, 1, 10), revoked_on=date(2026, 2, 1))
    template = SurveyTemplate(programme_id=programme.id, key="satisfaction",
                              title={"es": "Satisfacción", "en": "Satisfaction"})
    template.items = [
        SurveyItem(key="overall", position=1, kind=ItemKind.SCALE,
                   prompt={"es": "En general", "en": "Overall"}),
        SurveyItem(key="relevance", position=2, kind=ItemKind.SCALE,
                   prompt={"es": "Pertinencia", "en": "Relevance"}),
        SurveyItem(key="comments", position=3, kind=ItemKind.TEXT, required=False,
                   prompt={"es": "Comentarios", "en": "Comments"}),
    ]
    db.session.add(template)
    db.session.commit()
    m1, m2 = programme.modules[:2]
    first_survey, second_survey = survey_of(nat.cohort, m1, template), \
        survey_of(nat.cohort, m2, template)
    answer(first_survey, people.ana, {"overall": 5, "relevance": 4})
    answer(first_survey, people.bea, {"overall": 3, "relevance": 4})
    answer(second_survey, people.carlos, {"overall": 2})
    refresh_programme(programme)  # the direct writes above send no signals
    db.session.commit()
    return SimpleNamespace(**vars(nat), people=people, session=session, manager=manager,
                           surveys=(first_survey, second_survey))


@pytest.fixture
def english():
    """Messages in English (the msgids), whatever the catalogs say: tests read them."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
