"""An attempt's paper: its questions and options in the order drawn, and, once submitted,
the review with what was chosen and what was right.

The paper (:func:`attempt_paper`) is what a participant sees while answering and
says nothing about which options are right; only :func:`attempt_review` does,
and it refuses an attempt still in progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from certify.assessments import scoring
from certify.assessments.models import Question, QuestionKind, QuestionOption, QuizAttempt
from certify.core.clock import utcnow
from certify.core.errors import Conflict
from certify.extensions import db


@dataclass(frozen=True)
class PaperQuestion:
    """A question as the attempt shows it: its number there and its options in order."""

    number: int
    question: Question
    options: list[QuestionOption]


@dataclass(frozen=True)
class ReviewedQuestion(PaperQuestion):
    """A question of a submitted attempt, with what was chosen and what was right."""

    chosen: frozenset[str]
    correct_keys: frozenset[str]
    earned_point: bool


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


def attempt_review(attempt: QuizAttempt) -> list[ReviewedQuestion]:
    """Each question with the chosen and the correct options; only once the attempt is submitted."""
    if not attempt.is_submitted:
        raise Conflict(_("The answers are shown once the attempt is submitted."))
    answers = attempt.answers or {}
    review = []
    for item in attempt_paper(attempt):
        chosen = frozenset(answers.get(str(item.question.id), ()))
        review.append(ReviewedQuestion(
            item.number, item.question, item.options, chosen=chosen,
            correct_keys=item.question.correct_keys,
            earned_point=scoring.earns_point(item.question, chosen)))
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
