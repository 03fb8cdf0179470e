"""The eligibility rules, applied to facts: every "not yet" has its reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from certify.assessments.results import QuizResult
from certify.progress.eligibility import Step, decide
from certify.progress.facts import PersonFacts
from certify.submissions.results import PrototypeResult


def quiz(passed: bool, percent: str | None = "80", attempts: int = 1, max_attempts: int = 3):
    return QuizResult(percent=Decimal(percent) if percent else None, passed=passed,
                      attempts_used=attempts, max_attempts=max_attempts, last_submitted_at=None)


def prototype(percent: str | None, released: bool = True):
    return PrototypeResult(percent=Decimal(percent) if percent else None, passed=False,
                           released=released, late=False, graded_at=None, group_id=1, submission_id=1)


@pytest.fixture
def everything_done(programme):
    virtual = [m for m in programme.modules if m.is_virtual]
    return PersonFacts(person_id=1, quizzes={m.id: quiz(True) for m in virtual}, attendance="late",
                       prototype=prototype("75"), final_survey_answered=True)


def test_everything_done_is_eligible(programme, everything_done):
    verdict = decide(programme, everything_done)
    assert verdict.eligible and verdict.missing == []
    assert [r.step for r in verdict.requirements] == [Step.QUIZ] * 4 + [
        Step.IN_PERSON, Step.PROTOTYPE, Step.FINAL_SURVEY]


def test_each_gap_is_explained(app, programme, everything_done):
    m3 = programme.modules[2]
    facts = PersonFacts(
        person_id=1,
        quizzes={**everything_done.quizzes, m3.id: quiz(False, "50", attempts=1)},
        attendance="no_show", prototype=prototype("55"), final_survey_answered=False)
    with force_locale("en"):
        reasons = decide(programme, facts).reasons
    assert reasons == [
        "Module 3 quiz not passed yet",
        "Did not attend the in-person session",
        "Group prototype graded below the pass mark (55% of 60%)",
        "Final survey not answered yet",
    ]


def test_reasons_before_anything_happened(app, programme):
    m1 = programme.modules[0]
    facts = PersonFacts(person_id=1, quizzes={m1.id: quiz(False, None, attempts=0)})
    with force_locale("en"):
        reasons = decide(programme, facts).reasons
    assert reasons == ["Module 1 quiz not taken yet", "In-person session not attended yet",
                       "Group prototype not graded yet", "Final survey not answered yet"]
    with force_locale("es"):
        assert decide(programme, facts).reasons[0] == "Cuestionario del módulo 1 aún sin responder"


def test_an_unreleased_grade_does_not_count(programme, everything_done):
    facts = PersonFacts(**{**everything_done.__dict__, "prototype": prototype("90", released=False)})
    assert not decide(programme, facts).eligible


def test_rules_are_data(programme, everything_done):
    facts = PersonFacts(**{**everything_done.__dict__, "final_survey_answered": False,
                           "attendance": "excused"})
    assert not decide(programme, facts).eligible
    programme.certification_rules = {**programme.certification_rules, "final_survey": False,
                                     "in_person_statuses": ["present", "late", "excused"]}
    assert decide(programme, facts).eligible
