"""Real concurrency on PostgreSQL: threads with their own sessions race on one attempt.

These tests commit (``committing``), so each creates its own programme and
people and deletes them at the end.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person
from certify.assessments import services
from certify.assessments.models import QuizAttempt
from certify.cohorts.models import Cohort
from certify.cohorts.services import create_cohort
from certify.core.signals import attempt_scored
from certify.extensions import db
from certify.programmes.models import Programme
from tests.assessments.conftest import (
    T0,
    enrolled_official,
    make_quiz_programme,
    quiz_of,
    right_answers,
    wrong_answers,
)
from tests.concurrency import race

pytestmark = [pytest.mark.postgres_only, pytest.mark.committing]
THREADS = 6


@pytest.fixture
def race_world(app):
    """A committed programme, cohort and official; everything is deleted afterwards."""
    with app.app_context():
        programme = make_quiz_programme(code="RACE")
        cohort = create_cohort(programme, name="Cohorte carrera")
        db.session.commit()
        official = enrolled_official(cohort)
        ids = {"programme": programme.id, "cohort": cohort.id, "official": official.id,
               "quiz": quiz_of(programme).id}
        db.session.remove()
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(QuizAttempt).where(QuizAttempt.quiz_id == ids["quiz"]))
        db.session.execute(sa.delete(Cohort).where(Cohort.id == ids["cohort"]))
        db.session.execute(sa.delete(Programme).where(Programme.id == ids["programme"]))
        db.session.execute(sa.delete(Person).where(Person.id == ids["official"]))
        db.session.commit()
        db.session.remove()


def test_concurrent_submits_score_the_attempt_once(app, race_world):
    with app.app_context():
        quiz = services.get_quiz(race_world["quiz"])
        attempt = services.start_attempt(quiz, db.session.get(Person, race_world["official"]),
                                         now=T0)
        db.session.commit()
        attempt_id = attempt.id
        db.session.remove()

    lock = threading.Lock()
    signals: list[int] = []

    def receiver(sender, **_details):
        with lock:
            signals.append(sender.id)

    def submit(i: int, barrier: threading.Barrier):
        attempt = db.session.get(QuizAttempt, attempt_id)
        # Half the threads send the right answers, half wrong ones: whoever wins decides.
        answers = (right_answers if i % 2 else wrong_answers)(attempt)
        barrier.wait()
        services.submit_attempt(attempt, answers, now=T0)
        return (attempt.status, attempt.percent, attempt.submitted_at, attempt.answers)

    attempt_scored.connect(receiver)
    try:
        outcomes = race(app, THREADS, submit)
    finally:
        attempt_scored.disconnect(receiver)

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    assert len(set(map(repr, outcomes))) == 1, outcomes  # everyone sees the same result
    assert signals == [attempt_id]
    with app.app_context():
        stored = db.session.get(QuizAttempt, attempt_id)
        assert (stored.status, stored.percent, stored.submitted_at, stored.answers) == outcomes[0]
        db.session.remove()


def test_concurrent_starts_open_one_attempt(app, race_world):
    def start(i: int, barrier: threading.Barrier):
        quiz = services.get_quiz(race_world["quiz"])
        person = db.session.get(Person, race_world["official"])
        barrier.wait()
        return services.start_attempt(quiz, person, now=T0).id

    outcomes = race(app, THREADS, start)
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    assert len(set(outcomes)) == 1
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(QuizAttempt.id)).where(
            QuizAttempt.quiz_id == race_world["quiz"]))
        db.session.remove()
    assert count == 1
