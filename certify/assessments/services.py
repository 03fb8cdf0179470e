"""Use cases of the quizzes: who may take them, starting, saving, submitting and closing attempts.

An attempt is submitted with a conditional ``UPDATE ... WHERE status = 'in_progress'``:
whichever request gets there first scores it, and every later submit (a double
click, a retry, a second tab, the deadline sweep) finds it already scored and
returns it unchanged. What an attempt shows lives in ``assessments.papers``, results
across attempts in ``assessments.results``.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from certify.accounts.models import Person, Role
from certify.assessments import scoring
from certify.assessments.models import (
    AttemptStatus,
    CountingAttempt,
    Question,
    QuestionKind,
    Quiz,
    QuizAttempt,
)
from certify.assessments.papers import accepts_answers, questions_of
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus, cohort_tutor
from certify.cohorts.services import is_tutor_of
from certify.core.clock import utcnow
from certify.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from certify.core.lookups import get_or_not_found
from certify.core.signals import attempt_scored
from certify.extensions import db
from certify.programmes.models import Module

SINGLE_ANSWER_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.TRUE_FALSE})


# --- reading -----------------------------------------------------------------------------------

def get_quiz(quiz_id: int) -> Quiz:
    """The quiz with this id, or ``NotFound``."""
    return get_or_not_found(Quiz, quiz_id, _("There is no quiz with id %(id)s.", id=quiz_id))


def quiz_of_module(module: Module) -> Quiz:
    """The quiz of a virtual module, or ``NotFound`` (in-person modules have none)."""
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))
    if quiz is None:
        raise NotFound(_("Module %(code)s has no quiz.", code=module.code))
    return quiz


def get_attempt(attempt_id: int, *, of: Person) -> QuizAttempt:
    """The attempt with this id if it belongs to ``of``; anyone else's is ``NotFound``.

    Nobody, staff included, sees another person's attempt: tutors and managers
    read the results tables instead.
    """
    return get_or_not_found(
        QuizAttempt, attempt_id, _("There is no attempt with id %(id)s.", id=attempt_id),
        visible=lambda attempt: attempt.person_id == of.id)


def attempts_of(quiz: Quiz, person: Person) -> list[QuizAttempt]:
    """Every attempt of ``person`` at ``quiz``, first to last."""
    return list(db.session.scalars(
        sa.select(QuizAttempt)
        .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.person_id == person.id)
        .order_by(QuizAttempt.number)
    ))


def open_attempt(quiz: Quiz, person: Person) -> QuizAttempt | None:
    """The attempt ``person`` has started at ``quiz`` and not submitted yet, if any."""
    return db.session.scalar(sa.select(QuizAttempt).where(
        QuizAttempt.quiz_id == quiz.id, QuizAttempt.person_id == person.id,
        QuizAttempt.status == AttemptStatus.IN_PROGRESS))


# --- who may -----------------------------------------------------------------------------------

def active_enrolment_in_programme(person: Person, programme_id: int) -> Enrolment | None:
    """The person's most recent active enrolment in a cohort of the programme, if any."""
    return db.session.scalar(
        sa.select(Enrolment).join(Enrolment.cohort)
        .where(Enrolment.person_id == person.id, Enrolment.status == EnrolmentStatus.ACTIVE,
               Cohort.programme_id == programme_id)
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc()).limit(1)
    )


def can_take_quiz(person: Person, quiz: Quiz) -> bool:
    """Only people actively enrolled in a cohort of the quiz's programme take its quiz."""
    return active_enrolment_in_programme(person, quiz.module.programme_id) is not None


def is_quiz_staff(person: Person, quiz: Quiz) -> bool:
    """Managers, and tutors of a cohort of the quiz's programme: they may read the answer key."""
    if person.has_role(Role.MANAGER):
        return True
    if Role.TUTOR not in person.roles:
        return False
    return db.session.scalar(sa.select(sa.exists().where(
        cohort_tutor.c.person_id == person.id, cohort_tutor.c.cohort_id == Cohort.id,
        Cohort.programme_id == quiz.module.programme_id))) or False


def can_see_cohort_results(person: Person, cohort: Cohort) -> bool:
    """The cohort's tutors and the managers see its quiz results."""
    return person.has_role(Role.MANAGER) or is_tutor_of(person, cohort)


def _require_taker(person: Person, quiz: Quiz) -> None:
    if not can_take_quiz(person, quiz):
        raise PermissionDenied(_("Only participants actively enrolled in this programme can "
                                 "take its quizzes."))


# --- starting ----------------------------------------------------------------------------------

def start_attempt(quiz: Quiz, person: Person, *, now: datetime | None = None) -> QuizAttempt:
    """Start an attempt at ``quiz`` for ``person``, or return the one already open.

    An open attempt whose time ran out is scored first. Raises ``PermissionDenied``
    unless the person is actively enrolled in the programme, and ``Conflict`` when
    every allowed attempt is used, when the quiz has no questions, or when the last
    attempt counts and the quiz is already passed (another attempt could only undo
    the pass). With the best attempt counting, a pass never blocks a retake.

    The paper is drawn here, once: the active questions (or, from a question bank,
    ``questions_per_attempt`` of them, see :func:`_draw_questions`), shuffled if the
    quiz says so, and each question's options, shuffled likewise (true/false stays
    in order).
    """
    now = now or utcnow()
    _require_taker(person, quiz)
    close_expired_attempts(now, quiz=quiz, person=person)
    # One read for both: read apart, a concurrent start committing in between would be
    # missed as open yet counted as previous, and this one would open attempt number 2.
    previous = attempts_of(quiz, person)
    existing = next((a for a in previous if a.status is AttemptStatus.IN_PROGRESS), None)
    if existing is not None:
        return existing
    refusal = why_no_new_attempt(quiz, previous)
    if refusal:
        raise Conflict(refusal)
    questions = quiz.active_questions
    attempt = QuizAttempt(
        quiz=quiz, person=person, number=(previous[-1].number if previous else 0) + 1,
        token=secrets.token_hex(16), status=AttemptStatus.IN_PROGRESS, started_at=now,
        deadline_at=now + timedelta(minutes=quiz.time_limit_minutes)
        if quiz.time_limit_minutes else None,
        answers={}, **_draw_paper(quiz, _draw_questions(quiz, questions, previous)),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # Another request of the same person started an attempt at the same moment.
        concurrent = open_attempt(quiz, person)
        if concurrent is None:
            raise
        return concurrent
    return attempt


def why_no_new_attempt(quiz: Quiz, attempts: list[QuizAttempt]) -> str | None:
    """Why ``attempts`` (all of one person's, first to last, none open) allow no new one."""
    if quiz.max_attempts is not None and len(attempts) >= quiz.max_attempts:
        return ngettext("You have used the only attempt of this quiz.",
                        "You have used all %(num)d attempts of this quiz.", quiz.max_attempts)
    if quiz.counting_attempt is CountingAttempt.LAST and attempts and attempts[-1].passed:
        return _("You have already passed this quiz. Only your last attempt counts, "
                 "so another attempt could undo your pass.")
    if not quiz.active_questions:
        return _("This quiz has no questions yet.")
    return None


def _draw_questions(quiz: Quiz, questions: list[Question],
                    previous: list[QuizAttempt]) -> list[Question]:
    """The questions of a new attempt, in the quiz's order.

    Without a bank (``questions_per_attempt`` unset or not below the number of
    questions) every question is asked. From a bank, the questions this person was
    asked least often come first, and among equals those not in their last attempt:
    attempts rotate through the bank and no two attempts in a row ask the same
    questions, so a retake is not answered by remembering the last one.
    """
    wanted = quiz.questions_per_attempt
    if wanted is None or wanted >= len(questions):
        return questions
    asked = Counter(question_id for attempt in previous for question_id in attempt.question_order)
    in_last = set(previous[-1].question_order) if previous else set()
    rng = secrets.SystemRandom()
    drawn = sorted(questions, key=lambda question: (
        asked[question.id], question.id in in_last, rng.random()))[:wanted]
    return sorted(drawn, key=lambda question: question.position)


def _draw_paper(quiz: Quiz, questions: list[Question]) -> dict:
    # The system's randomness: the order must not be predictable from earlier attempts.
    rng = secrets.SystemRandom()
    question_order = [question.id for question in questions]
    if quiz.shuffle_questions:
        rng.shuffle(question_order)
    option_order = {}
    for question in questions:
        keys = [option.key for option in question.options]
        if quiz.shuffle_options and question.kind is not QuestionKind.TRUE_FALSE:
            rng.shuffle(keys)
        option_order[str(question.id)] = keys
    return {"question_order": question_order, "option_order": option_order}


# --- answering ---------------------------------------------------------------------------------

def clean_answers(attempt: QuizAttempt, answers: object) -> dict[str, list[str]]:
    """Check ``answers`` ({question id: [option keys]}) against the attempt's paper.

    Returns them normalised (string ids, keys in the paper's order, unanswered
    questions left out). Raises ``ValidationError`` naming every unknown question,
    unknown option and second choice on a single-answer question.
    """
    if not isinstance(answers, Mapping):
        raise ValidationError(_("The answers must map question ids to lists of option keys."),
                              errors={"answers": [_("Must be an object.")]})
    kinds = dict(db.session.execute(
        sa.select(Question.id, Question.kind).where(Question.id.in_(attempt.question_order))).all())
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, list[str]] = {}
    for raw_id, chosen in answers.items():
        question_id = str(raw_id)
        field = f"answers.{question_id}"
        offered = attempt.option_order.get(question_id)
        if offered is None:
            errors[field] = [_("This question is not part of the attempt.")]
            continue
        if isinstance(chosen, str) or not isinstance(chosen, list | tuple) \
                or not all(isinstance(key, str) for key in chosen):
            errors[field] = [_("Give a list of option keys.")]
            continue
        unknown = [key for key in chosen if key not in offered]
        if unknown:
            errors[field] = [_("Unknown option: %(keys)s.", keys=", ".join(unknown))]
            continue
        chosen_set = set(chosen)
        if len(chosen_set) > 1 and kinds.get(int(question_id)) in SINGLE_ANSWER_KINDS:
            errors[field] = [_("Choose only one option.")]
            continue
        if chosen_set:
            cleaned[question_id] = [key for key in offered if key in chosen_set]
    if errors:
        raise ValidationError(_("Some answers are not valid: %(fields)s.",
                                fields=", ".join(sorted(errors))), errors=errors)
    return cleaned


def save_answers(attempt: QuizAttempt, answers: object, *,
                 now: datetime | None = None) -> QuizAttempt:
    """Save the answers given so far (autosave); they replace the ones saved before.

    Answers arriving after the deadline are ignored (the attempt is scored with
    what was saved in time); ``accepts_answers`` tells the caller. Raises
    ``ValidationError`` for answers that do not fit the paper and ``Conflict``
    once the attempt is submitted.
    """
    now = now or utcnow()
    if attempt.is_submitted:
        raise Conflict(_("This attempt was already submitted."))
    if not accepts_answers(attempt, now):
        return attempt
    cleaned = clean_answers(attempt, answers)
    db.session.flush()
    # Conditional, so a save racing a submit cannot change answers that were already scored.
    saved = db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.IN_PROGRESS)
        .values(answers=cleaned, answers_saved_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    if not saved:
        raise Conflict(_("This attempt was already submitted."))
    return attempt


# --- submitting --------------------------------------------------------------------------------

def submit_attempt(attempt: QuizAttempt, answers: object | None = None, *,
                   now: datetime | None = None) -> QuizAttempt:
    """Score the attempt and close it; idempotent.

    ``answers`` (if given, and in time) replace the saved ones; after the deadline
    the answers saved up to the deadline are scored and ``submitted_at`` is the
    deadline. Submitting an attempt that is already submitted returns it as it
    is, without looking at ``answers``: a double click or a retry changes nothing,
    even when two submits race (only one of them scores it and sends
    ``attempt_scored``).
    """
    now = now or utcnow()
    if attempt.is_submitted:
        return attempt
    late = attempt.deadline_at is not None and now > attempt.deadline_at
    values: dict = {}
    final = attempt.answers or {}
    if answers is not None and not late:
        final = clean_answers(attempt, answers)
        values.update(answers=final, answers_saved_at=now)
    quiz = attempt.quiz
    result = scoring.score(questions_of(attempt), final, quiz.pass_mark)
    db.session.flush()
    scored = db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.IN_PROGRESS)
        .values(status=AttemptStatus.SUBMITTED, submitted_at=attempt.deadline_at if late else now,
                score_points=result.points, max_points=result.max_points,
                percent=result.percent, passed=result.passed, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    if scored:
        attempt_scored.send(attempt, quiz=quiz, person=attempt.person)
    return attempt


def close_expired_attempts(now: datetime | None = None, *, quiz: Quiz | None = None,
                           person: Person | None = None) -> list[QuizAttempt]:
    """Score every open attempt whose time ran out (optionally of one quiz or person).

    Each is scored with the answers saved up to its deadline, as if submitted then.
    Returns the attempts closed.
    """
    now = now or utcnow()
    query = (
        sa.select(QuizAttempt)
        .where(QuizAttempt.status == AttemptStatus.IN_PROGRESS,
               QuizAttempt.deadline_at.is_not(None), QuizAttempt.deadline_at < now)
        .options(selectinload(QuizAttempt.quiz), selectinload(QuizAttempt.person))
        .order_by(QuizAttempt.id)
    )
    if quiz is not None:
        query = query.where(QuizAttempt.quiz_id == quiz.id)
    if person is not None:
        query = query.where(QuizAttempt.person_id == person.id)
    return [submit_attempt(attempt, now=now) for attempt in db.session.scalars(query).all()]
