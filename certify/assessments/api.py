"""JSON API for quizzes and attempts, under /api/v1.

A participant reads a quiz without its answer key, starts an attempt, saves
answers as they go and submits; the score and the correct options come back
only after submission. Managers and the programme's tutors read the answer key.
Each endpoint owns its transaction: services flush, the endpoint commits once.
"""

from __future__ import annotations

from datetime import datetime

from flask import jsonify
from flask_babel import gettext as _
from flask_smorest import Blueprint

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Role
from certify.assessments import papers, services
from certify.assessments.models import QuizAttempt
from certify.assessments.schemas import (
    AnswersSchema,
    AttemptSchema,
    QuizSchema,
    StaffQuizSchema,
    SubmitSchema,
    attempt_document,
)
from certify.core import rest
from certify.core.clock import utcnow
from certify.core.errors import PermissionDenied
from certify.core.rest import unit_of_work

blp = Blueprint("assessments_api", __name__, url_prefix="/api/v1")

_DESCRIPTIONS = {
    "e403": "Signed in, but not allowed to do this (e.g. not enrolled in the programme).",
    "e404": "No such quiz, or no such attempt of yours.",
    "e409": "Not possible now: no attempts left, or the attempt is already submitted.",
}


documents_errors = rest.error_documenter(blp, **_DESCRIPTIONS)


def _own_attempt(attempt_id: int, now: datetime) -> QuizAttempt:
    """The caller's attempt (404 for anyone else's), scored first if its time ran out."""
    person = current_person()
    attempt = services.get_attempt(attempt_id, of=person)
    if not services.can_take_quiz(person, attempt.quiz):
        raise PermissionDenied(_("You are no longer enrolled in this programme."))
    with unit_of_work():
        services.close_expired_attempts(now, quiz=attempt.quiz, person=person)
    return attempt


def _document(attempt: QuizAttempt, now: datetime) -> dict:
    # The review exists only for a submitted attempt, and tells what the quiz's result
    # page policy allows now: the same as the result page.
    disclosure = papers.disclosure_of(attempt) if attempt.is_submitted else None
    return attempt_document(
        attempt, paper=papers.attempt_paper(attempt), disclosure=disclosure,
        review=papers.attempt_review(attempt, disclosure) if disclosure else None,
        seconds_left=papers.seconds_left(attempt, now),
        accepting_answers=papers.accepts_answers(attempt, now),
    )


# --- quizzes -----------------------------------------------------------------------------------

@blp.route("/quizzes/<int:quiz_id>", methods=["GET"], tags=["Quizzes and surveys"])
@blp.response(200, QuizSchema)
@blp.doc(responses={"200": {
    "description": "Participants get a Quiz (no answer key); managers and the programme's "
                   "tutors a StaffQuiz (with `options[].correct` and `explanation`).",
    "content": {"application/json": {"schema": {"oneOf": [QuizSchema, StaffQuizSchema]}}}}})
@documents_errors(401, 403, 404)
@require_role(Role.OFFICIAL, Role.TUTOR, Role.MANAGER)
def get_quiz(quiz_id: int):
    """A quiz's settings and active questions.

    Participants actively enrolled in the programme see the questions and options
    without the answer key; managers and the tutors of the programme's cohorts see
    which options are correct and the explanations. Anyone else: 403.
    """
    quiz = services.get_quiz(quiz_id)
    person = current_person()
    if services.is_quiz_staff(person, quiz):
        return jsonify(StaffQuizSchema().dump(quiz))
    if not services.can_take_quiz(person, quiz):
        raise PermissionDenied(_("Only participants of this programme and its staff can see "
                                 "this quiz."))
    return quiz


@blp.route("/quizzes/<int:quiz_id>/attempts", methods=["POST"], tags=["Quizzes and surveys"])
@blp.response(201, AttemptSchema, description="A new attempt was started.")
@blp.alt_response(200, schema=AttemptSchema, success=True,
                  description="The attempt already open was resumed.")
@documents_errors(401, 403, 404, 409)
@require_role(Role.OFFICIAL)
def start_attempt(quiz_id: int):
    """Start an attempt, or resume the open one (200).

    The attempt's questions and options come in the order drawn for it. 409 when
    every allowed attempt is used, or when the last attempt counts and the quiz
    is already passed.
    """
    now = utcnow()
    quiz = services.get_quiz(quiz_id)
    person = current_person()
    if not services.can_take_quiz(person, quiz):
        raise PermissionDenied(_("Only participants actively enrolled in this programme can "
                                 "take its quizzes."))
    resuming = services.open_attempt(quiz, person)
    with unit_of_work():
        attempt = services.start_attempt(quiz, person, now=now)
    status = 200 if resuming is not None and resuming.id == attempt.id else 201
    return _document(attempt, now), status


# --- attempts ----------------------------------------------------------------------------------

@blp.route("/attempts/<int:attempt_id>", methods=["GET"], tags=["Quizzes and surveys"])
@blp.response(200, AttemptSchema)
@documents_errors(401, 403, 404)
@require_role()
def get_attempt(attempt_id: int):
    """One of your attempts; `result` once submitted.

    What `result` tells follows the quiz's `result_page` (see `result.shows`): the
    score; which questions earned no point; the correct options and explanations
    only once you passed the quiz or have no attempt left (by default).

    Another person's attempt is a 404, whoever asks.
    """
    now = utcnow()
    return _document(_own_attempt(attempt_id, now), now)


@blp.route("/attempts/<int:attempt_id>/answers", methods=["PUT"], tags=["Quizzes and surveys"])
@blp.arguments(AnswersSchema)
@blp.response(200, AttemptSchema)
@documents_errors(401, 403, 404, 409)
@require_role()
def save_answers(data: dict, attempt_id: int):
    """Save your answers so far (autosave); they replace what was saved before.

    After the deadline the answers are ignored (`accepting_answers` is false) and
    the attempt is scored with what was saved in time. 409 once submitted.
    """
    now = utcnow()
    attempt = _own_attempt(attempt_id, now)
    with unit_of_work():
        services.save_answers(attempt, data["answers"], now=now)
    return _document(attempt, now)


@blp.route("/attempts/<int:attempt_id>/submit", methods=["POST"], tags=["Quizzes and surveys"])
@blp.arguments(SubmitSchema)
@blp.response(200, AttemptSchema)
@documents_errors(401, 403, 404)
@require_role()
def submit_attempt(data: dict, attempt_id: int):
    """Submit and score your attempt; safe to repeat.

    Submitting again returns the same result, unchanged (200 both times). After
    the deadline, the answers saved up to it are scored.
    """
    now = utcnow()
    attempt = _own_attempt(attempt_id, now)
    with unit_of_work():
        services.submit_attempt(attempt, data.get("answers"), now=now)
    return _document(attempt, now)
