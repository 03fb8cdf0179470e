"""An attempt's paper: its questions and options in the order drawn, and, once submitted,
the review with what was chosen and what was right.

The paper (:func:`attempt_paper`) is what a participant sees while answering and
says nothing about which options are right; only :func:`attempt_review` does,
and it refuses an attempt still in progress. How much the review tells is the
quiz's ``result_page`` policy, applied by :func:`disclosure_of` for the page and
the API alike.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from certify.assessments import scoring
from certify.assessments.models import (
    AttemptStatus,
    Question,
    QuestionKind,
    QuestionOption,
    QuizAttempt,
    ResultPage,
)
from certify.assessments.results import summarise
from certify.core.clock import utcnow
from certify.core.errors import Conflict
from certify.extensions import db


@dataclass(frozen=True)
class PaperQuestion:
    """A question as the attempt shows it: its number there and its options in order."""

    number: int
    question: Question
    options: list[QuestionOption]


class Disclosure(enum.StrEnum):
    """How much a result page tells: the score; also which questions earned no point;
    also the correct options and the explanations."""

    SCORE = "score"
    MISTAKES = "mistakes"
    ANSWERS = "answers"


@dataclass(frozen=True)
class ReviewedQuestion(PaperQuestion):
    """A question of a submitted attempt, with what was chosen and whether it earned its
    point; the correct options and the explanation only when the answers are disclosed
    (None otherwise)."""

    chosen: frozenset[str]
    earned_point: bool
    correct_keys: frozenset[str] | None
    explanation: str | None


def questions_of(attempt: QuizAttempt) -> list[Question]:
    """The attempt's questions (with options) in the attempt's order, in two queries."""
    found = {question.id: question for question in db.session.scalars(
        sa.select(Question).where(Question.id.in_(attempt.question_order))
        .options(selectinload(Question.options)))}
    # A question is retired, never deleted, so it is always found; the guard is for safety.
    return [found[question_id] for question_id in attempt.question_order if question_id in found]


def attempt_paper(attempt: QuizAttempt) -> list[PaperQuestion]:
    """The attempt's questions and options, in the order chosen when it started.

    Nothing here tells which options are correct; that is :func:`attempt_review`.
    """
    paper = []
    for number, question in enumerate(questions_of(attempt), start=1):
        by_key = {option.key: option for option in question.options}
        keys = attempt.option_order.get(str(question.id), [])
        options = [by_key[key] for key in keys if key in by_key]
        paper.append(PaperQuestion(number, question, options))
    return paper


def disclosure_of(attempt: QuizAttempt) -> Disclosure:
    """What the result page of a submitted ``attempt`` may show its taker, now.

    ``score`` and ``mistakes`` quizzes never show the answers. The default quiz
    (``answers_when_final``) shows them once its taker has passed it or has no
    attempt left, and never while another attempt is open: until then the answers
    of a failed attempt would answer the next one.
    """
    policy = attempt.quiz.result_page
    if policy is ResultPage.SCORE:
        return Disclosure.SCORE
    if policy is ResultPage.MISTAKES:
        return Disclosure.MISTAKES
    attempts = db.session.scalars(sa.select(QuizAttempt).where(
        QuizAttempt.quiz_id == attempt.quiz_id, QuizAttempt.person_id == attempt.person_id)).all()
    if any(other.status is AttemptStatus.IN_PROGRESS for other in attempts):
        return Disclosure.MISTAKES
    standing = summarise(attempts, counting=attempt.quiz.counting_attempt,
                         max_attempts=attempt.quiz.max_attempts)
    return Disclosure.ANSWERS if standing.passed or standing.attempts_left == 0 \
        else Disclosure.MISTAKES


def attempt_review(attempt: QuizAttempt, disclosure: Disclosure) -> list[ReviewedQuestion]:
    """Each question with the chosen options and, if ``disclosure`` allows, the correct ones.

    Empty when only the score is disclosed; only once the attempt is submitted.
    """
    if not attempt.is_submitted:
        raise Conflict(_("The answers are shown once the attempt is submitted."))
    if disclosure is Disclosure.SCORE:
        return []
    answers = attempt.answers or {}
    with_answers = disclosure is Disclosure.ANSWERS
    review = []
    for item in attempt_paper(attempt):
        chosen = frozenset(answers.get(str(item.question.id), ()))
        review.append(ReviewedQuestion(
            item.number, item.question, item.options, chosen=chosen,
            earned_point=scoring.earns_point(item.question, chosen),
            correct_keys=item.question.correct_keys if with_answers else None,
            explanation=item.question.explanation if with_answers else None))
    return review


def option_label(question: Question, option: QuestionOption) -> str:
    """An option's text in the reader's language; true/false ones come from the catalogue."""
    if question.kind is QuestionKind.TRUE_FALSE:
        return _("True") if option.key == "true" else _("False")
    return option.text_in()


def any_untranslated(paper: list[PaperQuestion]) -> bool:
    """True when some question of the paper is shown in Spanish for want of a translation."""
    return any(item.question.untranslated_in() for item in paper)


def accepts_answers(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """True while the attempt is open and its time (if limited) has not run out."""
    now = now or utcnow()
    return not attempt.is_submitted and (attempt.deadline_at is None or now <= attempt.deadline_at)


def seconds_left(attempt: QuizAttempt, now: datetime | None = None) -> int | None:
    """Whole seconds until the deadline (0 once past), or None without a time limit."""
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - (now or utcnow())).total_seconds()))
