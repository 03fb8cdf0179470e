"""Where people stand on the quizzes: one person, many people at once, a cohort's table.

A quiz's result is its counting attempt's: the best submitted attempt or the
last one, as the quiz says (``counting_attempt``). :func:`quiz_results` is the
bulk form the progress and reports areas call for hundreds of people: it runs
two queries whatever their number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from certify.accounts.models import Person
from certify.assessments.models import AttemptStatus, CountingAttempt, Quiz, QuizAttempt
from certify.cohorts.enrolments import enrolments_query
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.extensions import db
from certify.programmes.models import Module, Programme


@dataclass(frozen=True)
class QuizResult:
    """A person's standing on one quiz.

    ``percent`` and ``passed`` are the counting attempt's (None and False before
    any submitted attempt); ``attempts_used`` counts every attempt started,
    including one still open (``open_attempt_id``).
    """

    percent: Decimal | None
    passed: bool
    attempts_used: int
    max_attempts: int | None
    last_submitted_at: datetime | None
    open_attempt_id: int | None = None

    @property
    def attempts_left(self) -> int | None:
        """Attempts that may still be started (None when unlimited)."""
        if self.max_attempts is None:
            return None
        return max(0, self.max_attempts - self.attempts_used)

    @property
    def submitted(self) -> bool:
        return self.last_submitted_at is not None


@dataclass(frozen=True)
class _AttemptRow:
    id: int
    number: int
    status: AttemptStatus
    percent: Decimal | None
    passed: bool | None
    submitted_at: datetime | None


def summarise(attempts: Iterable[_AttemptRow | QuizAttempt], *, counting: CountingAttempt,
              max_attempts: int | None) -> QuizResult:
    """The result of a person's attempts at one quiz (any order)."""
    attempts = sorted(attempts, key=lambda attempt: attempt.number)
    submitted = [attempt for attempt in attempts if attempt.status is AttemptStatus.SUBMITTED]
    open_ids = [attempt.id for attempt in attempts if attempt.status is AttemptStatus.IN_PROGRESS]
    counting_attempt = None
    if submitted:
        # Ties go to the earlier attempt; only percent and passed are read from it.
        counting_attempt = submitted[-1] if counting is CountingAttempt.LAST else max(
            submitted, key=lambda attempt: (attempt.percent, -attempt.number))
    return QuizResult(
        percent=counting_attempt.percent if counting_attempt else None,
        passed=bool(counting_attempt and counting_attempt.passed),
        attempts_used=len(attempts), max_attempts=max_attempts,
        last_submitted_at=max((a.submitted_at for a in submitted), default=None),
        open_attempt_id=open_ids[-1] if open_ids else None,
    )


def quiz_result(quiz: Quiz, person: Person) -> QuizResult:
    """``person``'s result on ``quiz`` (see :class:`QuizResult`), in one query."""
    attempts = db.session.scalars(sa.select(QuizAttempt).where(
        QuizAttempt.quiz_id == quiz.id, QuizAttempt.person_id == person.id)).all()
    return summarise(attempts, counting=quiz.counting_attempt, max_attempts=quiz.max_attempts)


def quiz_results(person_ids: Collection[int],
                 programme: Programme) -> dict[int, dict[int, QuizResult]]:
    """``{person id: {module id: QuizResult}}`` for every quiz of ``programme``.

    Every person asked about gets an entry for every module that has a quiz,
    attempted or not. Two queries, whatever the number of people: the quizzes,
    then all their attempts by these people.
    """
    person_ids = list(dict.fromkeys(person_ids))
    if not person_ids:
        return {}
    quizzes = db.session.execute(
        sa.select(Quiz.id, Quiz.module_id, Quiz.counting_attempt, Quiz.max_attempts)
        .join(Quiz.module).where(Module.programme_id == programme.id)
    ).all()
    attempts: dict[tuple[int, int], list[_AttemptRow]] = defaultdict(list)
    if quizzes:
        rows = db.session.execute(
            sa.select(QuizAttempt.person_id, QuizAttempt.quiz_id, QuizAttempt.id,
                      QuizAttempt.number, QuizAttempt.status, QuizAttempt.percent,
                      QuizAttempt.passed, QuizAttempt.submitted_at)
            .where(QuizAttempt.quiz_id.in_([quiz.id for quiz in quizzes]),
                   QuizAttempt.person_id.in_(person_ids))
        ).all()
        for row in rows:
            attempts[row.person_id, row.quiz_id].append(_AttemptRow(
                row.id, row.number, AttemptStatus(row.status), row.percent, row.passed,
                row.submitted_at))
    return {
        person_id: {
            quiz.module_id: summarise(attempts.get((person_id, quiz.id), ()),
                                      counting=CountingAttempt(quiz.counting_attempt),
                                      max_attempts=quiz.max_attempts)
            for quiz in quizzes
        }
        for person_id in person_ids
    }


# --- a cohort's tables, for its tutors and the managers -----------------------------------------

@dataclass(frozen=True)
class CohortQuizRow:
    enrolment: Enrolment
    result: QuizResult

    @property
    def person(self) -> Person:
        return self.enrolment.person


def cohort_quiz_table(cohort: Cohort, quiz: Quiz) -> list[CohortQuizRow]:
    """One row per enrolment of ``cohort`` (by family names) with its result on ``quiz``.

    A fixed number of queries, whatever the cohort's size.
    """
    enrolments = db.session.scalars(enrolments_query(cohort)).unique().all()
    results = quiz_results([enrolment.person_id for enrolment in enrolments], cohort.programme)
    return [CohortQuizRow(enrolment, results[enrolment.person_id][quiz.module_id])
            for enrolment in enrolments]


@dataclass(frozen=True)
class QuizSummary:
    """How a cohort's active participants stand on one quiz."""

    quiz: Quiz
    participants: int
    attempted: int
    passed: int


def cohort_quiz_summaries(cohort: Cohort) -> list[QuizSummary]:
    """Per quiz of the cohort's programme (in module order): active participants who
    submitted an attempt and who passed. A fixed number of queries."""
    quizzes = db.session.scalars(
        sa.select(Quiz).join(Quiz.module).where(Module.programme_id == cohort.programme_id)
        .options(contains_eager(Quiz.module)).order_by(Module.position)
    ).all()
    person_ids = db.session.scalars(sa.select(Enrolment.person_id).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)).all()
    results = quiz_results(person_ids, cohort.programme)
    summaries = []
    for quiz in quizzes:
        standing = [results[person_id][quiz.module_id] for person_id in person_ids]
        summaries.append(QuizSummary(
            quiz, participants=len(person_ids),
            attempted=sum(result.submitted for result in standing),
            passed=sum(result.passed for result in standing)))
    return summaries
