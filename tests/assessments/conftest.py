"""Fixtures for the quizzes: a small programme with a known quiz, a cohort, answer helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from certify.accounts.models import Role
from certify.assessments.models import (
    CountingAttempt,
    Question,
    QuestionKind,
    QuestionOption,
    Quiz,
    QuizAttempt,
)
from certify.extensions import db
from certify.programmes.models import Module, ModuleKind, Programme
from tests.factories import enrol, make_cohort, make_person

T0 = datetime(2026, 9, 1, 14, 0, tzinfo=UTC)


def _question(key: str, kind: QuestionKind, prompt: str, correct: set[str], keys=("a", "b", "c"),
              *, active: bool = True) -> Question:
    true_false = kind is QuestionKind.TRUE_FALSE
    if true_false:
        keys = ("true", "false")
    return Question(
        key=key, position=0, kind=kind, prompt=prompt, active=active,
        explanation=f"Explicación de {key}: la clave es {'+'.join(sorted(correct))}.",
        options=[QuestionOption(key=option_key, position=position, correct=option_key in correct,
                                text="" if true_false else f"Opción {option_key}")
                 for position, option_key in enumerate(keys, start=1)],
    )


def make_quiz_programme(code: str = "QZ", **settings) -> Programme:
    """A programme whose virtual module M1 has a 3-question quiz (one retired question besides).

    q1 single (b), q2 multiple (a and c), q3 true/false (true); q0 is retired.
    """
    questions = [
        _question("q1", QuestionKind.SINGLE, "¿Pregunta uno?", {"b"}),
        _question("q2", QuestionKind.MULTIPLE, "¿Pregunta dos?", {"a", "c"}),
        _question("q3", QuestionKind.TRUE_FALSE, "¿Pregunta tres?", {"true"}),
        _question("q0", QuestionKind.SINGLE, "¿Pregunta retirada?", {"a"}, active=False),
    ]
    for position, question in enumerate(questions, start=1):
        question.position = position
    module = Module(code="M1", position=1, kind=ModuleKind.VIRTUAL, hours=Decimal("10"),
                    title={"es": "Uno", "en": "One"}, content_markdown="# Uno")
    programme = Programme(
        code=code, title={"es": f"Programa {code}", "en": f"Programme {code}"},
        modules=[module, Module(code="M2", position=2, kind=ModuleKind.IN_PERSON,
                                hours=Decimal("8"), title={"es": "Dos"}, venue="Santiago")],
    )
    quiz_settings = {"pass_mark": 60, "max_attempts": 3, "time_limit_minutes": 20,
                     "shuffle_questions": True, "shuffle_options": True,
                     "counting_attempt": CountingAttempt.BEST}
    quiz_settings.update(settings)
    db.session.add_all([programme, Quiz(module=module, title={"es": f"Cuestionario {code}",
                                                              "en": f"Quiz {code}"},
                                        questions=questions, **quiz_settings)])
    db.session.commit()
    return programme


def quiz_of(programme: Programme, code: str = "M1") -> Quiz:
    return db.session.scalar(sa.select(Quiz).join(Quiz.module).where(
        Module.programme_id == programme.id, Module.code == code))


def right_answers(attempt: QuizAttempt) -> dict[str, list[str]]:
    """The answer key of the attempt's questions, looked up in the database."""
    questions = db.session.scalars(sa.select(Question).where(
        Question.id.in_(attempt.question_order))).all()
    return {str(question.id): sorted(question.correct_keys) for question in questions}


def wrong_answers(attempt: QuizAttempt) -> dict[str, list[str]]:
    """One wrong option for every question."""
    questions = db.session.scalars(sa.select(Question).where(
        Question.id.in_(attempt.question_order))).all()
    return {str(question.id): [next(option.key for option in question.options
                                    if not option.correct)] for question in questions}


def enrolled_official(cohort, **details):
    person = make_person(Role.OFFICIAL, **details)
    enrol(cohort, person)
    return person


@pytest.fixture
def world(tutor):
    """A quiz programme, its cohort (tutored by ``tutor``) and an enrolled official."""
    programme = make_quiz_programme()
    cohort = make_cohort(programme, "Cohorte QZ", tutors=[tutor])
    return SimpleNamespace(programme=programme, quiz=quiz_of(programme), cohort=cohort,
                           official=enrolled_official(cohort), tutor=tutor)
