"""Quiz attempts as services: the paper, attempts allowed, saving, deadlines, scoring, results."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from certify.assessments import papers, services
from certify.assessments.models import (
    AttemptStatus,
    CountingAttempt,
    Question,
    QuestionKind,
    QuestionOption,
    QuizAttempt,
)
from certify.assessments.results import quiz_result, quiz_results
from certify.cohorts.enrolments import find_enrolment, set_enrolment_status
from certify.cohorts.models import EnrolmentStatus
from certify.core.errors import Conflict, PermissionDenied, ValidationError
from certify.core.signals import attempt_scored
from certify.extensions import db
from tests.assessments.conftest import T0, enrolled_official, right_answers, wrong_answers
from tests.factories import make_person


def question_ids(attempt: QuizAttempt) -> dict[str, int]:
    """{question key: id} of the attempt's questions."""
    rows = db.session.execute(sa.select(Question.key, Question.id).where(
        Question.id.in_(attempt.question_order))).all()
    return dict(rows)


@pytest.fixture(autouse=True)
def english():
    """Messages in English, whatever the default language, so tests can quote them."""
    with force_locale("en"):
        yield


@pytest.fixture
def scored():
    """Every (attempt, keywords) ``attempt_scored`` sends during the test."""
    received = []

    def receiver(sender, **details):
        received.append((sender, details))

    attempt_scored.connect(receiver)
    yield received
    attempt_scored.disconnect(receiver)


# --- starting and the paper --------------------------------------------------------------------

def test_starting_draws_a_paper_of_the_active_questions(world):
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    db.session.commit()
    assert attempt.number == 1 and attempt.status is AttemptStatus.IN_PROGRESS
    assert attempt.started_at == T0 and attempt.deadline_at == T0 + timedelta(minutes=20)
    assert set(question_ids(attempt)) == {"q1", "q2", "q3"}  # q0 is retired
    for item in papers.attempt_paper(attempt):
        keys = [option.key for option in item.options]
        assert sorted(keys) == sorted(option.key for option in item.question.options)
        if item.question.kind is QuestionKind.TRUE_FALSE:
            assert keys == ["true", "false"]  # never shuffled
    assert len(attempt.token) == 32


def test_the_shuffle_uses_the_system_random_and_is_kept_by_the_attempt(world, monkeypatch):
    class Reversing:
        def shuffle(self, items):
            items.reverse()

    monkeypatch.setattr(services.secrets, "SystemRandom", Reversing)
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    db.session.commit()
    by_position = [q.id for q in world.quiz.active_questions]
    assert attempt.question_order == list(reversed(by_position))
    q1 = next(q for q in world.quiz.questions if q.key == "q1")
    assert attempt.option_order[str(q1.id)] == ["c", "b", "a"]

    # Kept: reading it again, resuming it, or changing the content does not reshuffle it.
    monkeypatch.undo()
    db.session.expire_all()
    assert services.start_attempt(world.quiz, world.official, now=T0).id == attempt.id
    q1.active = False
    world.quiz.questions.append(Question(key="q9", position=9, kind=QuestionKind.TRUE_FALSE,
                                         prompt="¿Nueva?", options=[
                                             QuestionOption(key="true", position=1, correct=True),
                                             QuestionOption(key="false", position=2)]))
    db.session.commit()
    db.session.expire_all()
    paper = papers.attempt_paper(db.session.get(QuizAttempt, attempt.id))
    assert [item.question.id for item in paper] == list(reversed(by_position))
    assert [o.key for o in paper[-1].options] == ["c", "b", "a"]


def test_each_attempt_draws_its_own_order(world):
    world.quiz.max_attempts = None
    orders = set()
    for _ in range(12):
        attempt = services.start_attempt(world.quiz, world.official, now=T0)
        orders.add((tuple(attempt.question_order),
                    tuple(tuple(keys) for keys in attempt.option_order.values())))
        services.submit_attempt(attempt, {}, now=T0)
    # 3! question orders x 3! x 3! option orders: twelve identical draws would be a broken shuffle.
    assert len(orders) > 1


def test_without_shuffling_the_file_order_is_kept(world):
    world.quiz.shuffle_questions = world.quiz.shuffle_options = False
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    assert attempt.question_order == [q.id for q in world.quiz.active_questions]
    assert all(keys == ["a", "b", "c"] or keys == ["true", "false"]
               for keys in attempt.option_order.values())


def test_an_untimed_quiz_has_no_deadline(world):
    world.quiz.time_limit_minutes = None
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    assert attempt.deadline_at is None and papers.seconds_left(attempt, T0) is None
    assert papers.accepts_answers(attempt, T0 + timedelta(days=30))


def test_only_active_participants_of_the_programme_may_start(world):
    with pytest.raises(PermissionDenied):
        services.start_attempt(world.quiz, make_person(), now=T0)
    set_enrolment_status(find_enrolment(world.cohort, world.official), EnrolmentStatus.WITHDRAWN)
    with pytest.raises(PermissionDenied):
        services.start_attempt(world.quiz, world.official, now=T0)


def test_no_more_attempts_than_allowed(world):
    for number in (1, 2, 3):
        attempt = services.start_attempt(world.quiz, world.official, now=T0)
        assert attempt.number == number
        services.submit_attempt(attempt, wrong_answers(attempt), now=T0)
    with pytest.raises(Conflict, match="all 3 attempts"):
        services.start_attempt(world.quiz, world.official, now=T0)
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 3


def test_an_open_attempt_is_resumed_not_started_again(world):
    first = services.start_attempt(world.quiz, world.official, now=T0)
    again = services.start_attempt(world.quiz, world.official, now=T0 + timedelta(minutes=5))
    assert again.id == first.id and again.started_at == T0


def test_with_the_best_attempt_counting_a_pass_does_not_block_a_retake(world):
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    services.submit_attempt(attempt, right_answers(attempt), now=T0)
    retake = services.start_attempt(world.quiz, world.official, now=T0)
    assert retake.number == 2


def test_with_the_last_attempt_counting_a_pass_ends_the_quiz(world):
    world.quiz.counting_attempt = CountingAttempt.LAST
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    services.submit_attempt(attempt, wrong_answers(attempt), now=T0)
    attempt = services.start_attempt(world.quiz, world.official, now=T0)  # failed: may retry
    services.submit_attempt(attempt, right_answers(attempt), now=T0)
    with pytest.raises(Conflict, match="already passed"):
        services.start_attempt(world.quiz, world.official, now=T0)


# --- saving ------------------------------------------------------------------------------------

def test_saving_replaces_the_answers_in_the_papers_order(world):
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    ids = question_ids(attempt)
    services.save_answers(attempt, {ids["q1"]: ["a"]}, now=T0 + timedelta(minutes=1))
    services.save_answers(attempt, {str(ids["q2"]): ["c", "a", "c"], str(ids["q1"]): []},
                          now=T0 + timedelta(minutes=2))
    db.session.commit()
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt.id)
    order = attempt.option_order[str(ids["q2"])]
    assert attempt.answers == {str(ids["q2"]): [key for key in order if key in {"a", "c"}]}
    assert attempt.answers_saved_at == T0 + timedelta(minutes=2)


@pytest.mark.parametrize("bad, message", [
    (lambda ids: {"999999": ["a"]}, "not part of the attempt"),
    (lambda ids: {ids["q0"]: ["a"]}, "not part of the attempt"),  # retired before the start
    (lambda ids: {ids["q1"]: ["z"]}, "Unknown option: z"),
    (lambda ids: {ids["q1"]: ["a", "b"]}, "only one"),
    (lambda ids: {ids["q3"]: ["true", "false"]}, "only one"),
    (lambda ids: {ids["q1"]: "a"}, "list of option keys"),
    (lambda ids: {ids["q1"]: [1]}, "list of option keys"),
    (lambda ids: ["a"], "must map question ids"),
])
def test_answers_that_do_not_fit_the_paper_are_refused_and_nothing_is_saved(world, bad, message):
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    ids = question_ids(attempt)
    ids["q0"] = next(q.id for q in world.quiz.questions if q.key == "q0")
    services.save_answers(attempt, {ids["q2"]: ["a"]}, now=T0)
    with pytest.raises(ValidationError) as caught:
        services.save_answers(attempt, {ids["q2"]: ["c"], **bad(ids)}
                              if isinstance(bad(ids), dict) else bad(ids), now=T0)
    assert message in " ".join(m for ms in caught.value.errors.values() for m in ms) + \
        caught.value.message
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).answers == {str(ids["q2"]): ["a"]}


def test_answers_after_the_deadline_are_ignored(world):
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    ids = question_ids(attempt)
    services.save_answers(attempt, {ids["q1"]: ["b"]}, now=T0 + timedelta(minutes=20))
    services.save_answers(attempt, {ids["q1"]: ["a"]}, now=T0 + timedelta(minutes=21))
    assert attempt.answers == {str(ids["q1"]): ["b"]}
    assert not papers.accepts_answers(attempt, T0 + timedelta(minutes=21))
    assert papers.seconds_left(attempt, T0 + timedelta(minutes=19)) == 60


def test_a_submitted_attempt_takes_no_more_answers(world):
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    services.submit_attempt(attempt, {}, now=T0)
    with pytest.raises(Conflict):
        services.save_answers(attempt, {}, now=T0)


# --- scoring and submitting --------------------------------------------------------------------

def test_right_answers_score_full_marks(world, scored):
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    services.submit_attempt(attempt, right_answers(attempt), now=T0 + timedelta(minutes=3))
    db.session.commit()
    assert (attempt.score_points, attempt.max_points, attempt.percent, attempt.passed) == \
        (3, 3, Decimal("100.00"), True)
    assert attempt.status is AttemptStatus.SUBMITTED
    assert attempt.submitted_at == T0 + timedelta(minutes=3)
    assert scored == [(attempt, {"quiz": world.quiz, "person": world.official})]


def test_multiple_choice_earns_its_point_only_for_exactly_the_right_options(world):
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    ids = question_ids(attempt)
    answers = {ids["q1"]: ["b"], ids["q2"]: ["a"], ids["q3"]: ["true"]}  # q2 half right
    services.submit_attempt(attempt, answers, now=T0)
    assert (attempt.score_points, attempt.percent, attempt.passed) == (2, Decimal("66.67"), True)
    review = {item.question.key: item for item in papers.attempt_review(attempt, papers.Disclosure.ANSWERS)}
    assert not review["q2"].earned_point and review["q2"].correct_keys == {"a", "c"}

    second = services.start_attempt(world.quiz, world.official, now=T0)
    services.submit_attempt(second, {ids["q1"]: ["b"], ids["q2"]: ["a", "b", "c"]}, now=T0)
    assert (second.score_points, second.percent, second.passed) == (1, Decimal("33.33"), False)


def test_submitting_again_returns_the_scored_attempt_unchanged(world, scored):
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    services.submit_attempt(attempt, right_answers(attempt), now=T0 + timedelta(minutes=2))
    db.session.commit()
    before = (attempt.answers, attempt.submitted_at, attempt.percent, attempt.updated_at)
    again = services.submit_attempt(attempt, wrong_answers(attempt),
                                    now=T0 + timedelta(minutes=3))
    db.session.commit()
    assert again is attempt
    assert (attempt.answers, attempt.submitted_at, attempt.percent, attempt.updated_at) == before
    assert len(scored) == 1


def test_a_stale_copy_submitted_again_does_not_score_twice(world, scored):
    """Two requests holding the same attempt: the second finds it already submitted in SQL."""
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    db.session.commit()
    services.submit_attempt(attempt, right_answers(attempt), now=T0)
    # Pretend this copy was loaded before the first submit (as another request's would be).
    attempt.status = AttemptStatus.IN_PROGRESS
    db.session.flush()
    db.session.execute(sa.update(QuizAttempt).where(QuizAttempt.id == attempt.id)
                       .values(status=AttemptStatus.SUBMITTED))
    services.submit_attempt(attempt, wrong_answers(attempt), now=T0 + timedelta(minutes=1))
    assert attempt.is_submitted and attempt.percent == Decimal("100.00")
    assert len(scored) == 1


def test_a_late_submission_scores_the_answers_saved_by_the_deadline(world):
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    ids = question_ids(attempt)
    services.save_answers(attempt, {ids["q1"]: ["b"]}, now=T0 + timedelta(minutes=10))
    services.submit_attempt(attempt, right_answers(attempt), now=T0 + timedelta(minutes=25))
    assert attempt.answers == {str(ids["q1"]): ["b"]}
    assert attempt.score_points == 1 and attempt.submitted_at == attempt.deadline_at


def test_expired_attempts_are_closed_with_their_saved_answers(world, scored):
    late = services.start_attempt(world.quiz, world.official, now=T0)
    services.save_answers(late, right_answers(late), now=T0 + timedelta(minutes=5))
    other = enrolled_official(world.cohort)
    running = services.start_attempt(world.quiz, other, now=T0 + timedelta(minutes=15))
    db.session.commit()

    closed = services.close_expired_attempts(T0 + timedelta(minutes=30))
    db.session.commit()
    assert closed == [late]
    assert late.is_submitted and late.passed and late.submitted_at == T0 + timedelta(minutes=20)
    assert not running.is_submitted
    assert [sender for sender, _details in scored] == [late]
    assert services.close_expired_attempts(T0 + timedelta(minutes=31)) == []


def test_starting_after_an_expired_attempt_scores_it_first(world):
    first = services.start_attempt(world.quiz, world.official, now=T0)
    second = services.start_attempt(world.quiz, world.official, now=T0 + timedelta(hours=1))
    assert first.is_submitted and first.submitted_at == first.deadline_at
    assert second.number == 2 and second.id != first.id


def test_the_review_is_refused_before_submission(world):
    attempt = services.start_attempt(world.quiz, world.official, now=T0)
    with pytest.raises(Conflict):
        papers.attempt_review(attempt, papers.Disclosure.ANSWERS)


def test_close_expired_command(app, world):
    services.start_attempt(world.quiz, world.official, now=T0)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["quizzes", "close-expired"])
    assert result.exit_code == 0, result.output
    assert "1 expired attempt(s) scored." in result.output
    assert db.session.scalar(sa.select(QuizAttempt.status)) is AttemptStatus.SUBMITTED


# --- results -----------------------------------------------------------------------------------

def _take(quiz, person, answers_of, *, now=T0):
    attempt = services.start_attempt(quiz, person, now=now)
    return services.submit_attempt(attempt, answers_of(attempt), now=now)


def test_the_best_or_the_last_attempt_counts(world):
    _take(world.quiz, world.official, right_answers)
    _take(world.quiz, world.official, wrong_answers, now=T0 + timedelta(hours=1))
    best = quiz_result(world.quiz, world.official)
    assert (best.percent, best.passed, best.attempts_used, best.attempts_left) == \
        (Decimal("100.00"), True, 2, 1)
    assert best.last_submitted_at == T0 + timedelta(hours=1)

    world.quiz.counting_attempt = CountingAttempt.LAST
    last = quiz_result(world.quiz, world.official)
    assert (last.percent, last.passed) == (Decimal("0.00"), False)


def test_a_result_before_any_attempt(world):
    result = quiz_result(world.quiz, world.official)
    assert (result.percent, result.passed, result.attempts_used, result.last_submitted_at) == \
        (None, False, 0, None)
    services.start_attempt(world.quiz, world.official, now=T0)
    result = quiz_result(world.quiz, world.official)
    assert result.attempts_used == 1 and result.open_attempt_id is not None and not result.submitted


def test_bulk_results_cover_everyone_and_every_quiz(world):
    passer, failer, idle = world.official, enrolled_official(world.cohort), make_person()
    _take(world.quiz, passer, right_answers)
    _take(world.quiz, failer, wrong_answers)
    module_id = world.quiz.module_id
    results = quiz_results([passer.id, failer.id, idle.id], world.programme)
    assert set(results) == {passer.id, failer.id, idle.id}
    assert all(set(by_module) == {module_id} for by_module in results.values())
    assert results[passer.id][module_id].passed
    assert results[failer.id][module_id].percent == Decimal("0.00")
    assert not results[failer.id][module_id].passed
    assert results[idle.id][module_id].attempts_used == 0
    assert results[idle.id][module_id].max_attempts == 3
    assert quiz_results([], world.programme) == {}


def test_bulk_results_take_the_same_few_queries_for_many_people(world, count_queries):
    people = [enrolled_official(world.cohort) for _ in range(25)]
    for person in people:
        _take(world.quiz, person, right_answers)
    db.session.commit()
    ids = [person.id for person in people]
    db.session.expire_all()
    programme = db.session.get(type(world.programme), world.programme.id)

    with count_queries() as few:
        quiz_results(ids[:2], programme)
    with count_queries() as many:
        results = quiz_results(ids, programme)
    assert few["n"] == many["n"] <= 3
    assert all(by_module[world.quiz.module_id].passed for by_module in results.values())
