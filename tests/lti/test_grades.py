"""Scores go to the platform's gradebook: columns found or created, tokens reused, failures
retried with back-off and shown to managers with the platform's answer, and a late score
never replacing a newer one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from certify.accounts.models import Role
from certify.assessments.models import Quiz
from certify.assessments.services import start_attempt, submit_attempt
from certify.core.clock import utcnow
from certify.core.jobs import Job, JobStatus, run_job
from certify.extensions import db
from certify.lti import grades
from certify.lti.models import AccessToken, GradeSync, LtiContext, LtiLineItem, LtiUser, SyncStatus
from certify.programmes.models import Module
from tests.lti.conftest import COURSE


def person_of(subject: str):
    return db.session.scalar(sa.select(LtiUser).where(LtiUser.subject == subject)).person


def quiz_of(code: str) -> Quiz:
    return db.session.scalar(sa.select(Quiz).join(Quiz.module).where(Module.code == code))


def take_quiz(person, code: str, *, right: bool = True):
    """Start and submit an attempt: every answer right (or every answer left out)."""
    attempt = start_attempt(quiz_of(code), person)
    answers = {str(question.id): sorted(question.correct_keys)
               for question in quiz_of(code).questions if question.id in attempt.question_order}
    submit_attempt(attempt, answers if right else {})
    db.session.commit()
    return attempt


def run_queued(name: str = "lti.push_scores") -> list[Job]:
    ids = db.session.scalars(sa.select(Job.id).where(Job.name == name,
                                                     Job.status == JobStatus.QUEUED)).all()
    return [run_job(job_id) for job_id in ids]


@pytest.fixture
def learners(launcher, registered, course):
    """Both learners launched certify once from the course's M1 activity."""
    for subject in ("learner-1", "learner-2"):
        assert launcher.launch(subject, link_id="link-m1").status_code == 302
    return person_of("learner-1"), person_of("learner-2")


def test_a_passed_quiz_reaches_the_activity_line_item(platform, learners):
    lucia, _luis = learners
    attempt = take_quiz(lucia, "M1")
    sync = db.session.scalar(sa.select(GradeSync))
    assert (sync.status, sync.score_given, sync.scored_at) == (
        SyncStatus.PENDING, Decimal("100.00"), attempt.submitted_at)
    [job] = run_queued()
    assert job.status is JobStatus.SUCCEEDED and job.result["sent"] == 1
    [score] = platform.scores_for("quiz:M1")
    assert score["userId"] == "learner-1"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (100.0, 100.0)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert score["timestamp"].startswith(attempt.submitted_at.strftime("%Y-%m-%dT%H:%M:%S"))
    db.session.refresh(sync)
    assert sync.status is SyncStatus.SENT and sync.attempts == 1 and sync.last_error == ""


def test_tokens_are_reused_until_they_expire(platform, learners):
    lucia, luis = learners
    take_quiz(lucia, "M1")
    take_quiz(luis, "M1")
    run_queued()
    assert len(platform.scores_for("quiz:M1")) == 2
    assert platform.token_requests == 1
    token = db.session.scalar(sa.select(AccessToken))
    token.expires_at = utcnow() + timedelta(seconds=10)  # too close to its end to be used
    db.session.commit()
    take_quiz(lucia, "M2")
    run_queued()
    assert platform.token_requests == 2


def test_a_missing_column_is_created_and_an_existing_one_found(platform, learners):
    lucia, _luis = learners
    existing = platform.add_line_item(COURSE, label="M2 de antes", resource_id="quiz:M2")
    take_quiz(lucia, "M2")
    take_quiz(lucia, "M3")
    run_queued()
    assert [s["userId"] for s in platform.scores[existing["id"]]] == ["learner-1"]
    [created] = [item for item in platform.line_items.values() if item["resourceId"] == "quiz:M3"]
    assert created["label"] == "M3 · Ideación y prototipado"
    assert (created["scoreMaximum"], created["tag"]) == (100.0, "certify-quiz:M3")
    assert len(platform.scores[created["id"]]) == 1
    urls = dict(db.session.execute(sa.select(LtiLineItem.resource_id, LtiLineItem.url)).all())
    assert urls["quiz:M2"] == existing["id"] and urls["quiz:M3"] == created["id"]


def test_a_platform_that_fails_is_tried_again_later(platform, learners):
    lucia, _luis = learners
    platform.fail_next_scores = [(503, "Moodle is in maintenance mode")]
    take_quiz(lucia, "M1")
    before = utcnow()
    [job] = run_queued()
    assert job.status is JobStatus.QUEUED and job.run_after > before  # the job retries later
    sync = db.session.scalar(sa.select(GradeSync))
    assert sync.status is SyncStatus.PENDING and sync.attempts == 1
    assert sync.last_error == "HTTP 503 SERVICE UNAVAILABLE: Moodle is in maintenance mode"
    assert sync.next_attempt_at - sync.last_attempt_at == timedelta(seconds=30)
    job.run_after = utcnow()
    db.session.commit()
    assert run_job(job.id).status is JobStatus.SUCCEEDED
    db.session.refresh(sync)
    assert sync.status is SyncStatus.SENT and sync.attempts == 2
    assert len(platform.scores_for("quiz:M1")) == 1


def test_the_back_off_doubles_and_gives_up_after_the_last_attempt(platform, learners):
    lucia, _luis = learners
    take_quiz(lucia, "M1")
    sync = db.session.scalar(sa.select(GradeSync))
    platform.fail_next_scores = [(502, "Bad gateway")] * grades.MAX_ATTEMPTS
    waits = []
    for _attempt in range(grades.MAX_ATTEMPTS):
        grades.push_score(sync)
        if sync.next_attempt_at:
            waits.append(sync.next_attempt_at - sync.last_attempt_at)
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert sync.status is SyncStatus.FAILED and sync.attempts == grades.MAX_ATTEMPTS


def test_a_refusal_fails_at_once_and_managers_see_it_and_retry_it(client, login_as, manager,
                                                                  platform, learners):
    lucia, _luis = learners
    platform.courses[COURSE].members.remove("learner-1")
    take_quiz(lucia, "M1")
    run_queued()
    sync = db.session.scalar(sa.select(GradeSync))
    assert sync.status is SyncStatus.FAILED and sync.attempts == 1
    assert "user learner-1 is not in the course" in sync.last_error

    login_as(manager)
    page = client.get("/lti/grades?status=failed")
    assert page.status_code == 200
    assert "HTTP 400 BAD REQUEST: user learner-1 is not in the course" in page.text
    assert lucia.full_name in page.text
    platform.courses[COURSE].members.append("learner-1")  # fixed in Moodle
    response = client.post(f"/lti/grades/{sync.id}/retry", data={"status": "failed"})
    assert response.status_code == 302
    db.session.refresh(sync)
    assert sync.status is SyncStatus.SENT
    assert [s["userId"] for s in platform.scores_for("quiz:M1")] == ["learner-1"]


def test_retrying_every_failed_grade_queues_them(client, login_as, manager, platform, learners):
    lucia, luis = learners
    platform.fail_next_scores = [(400, "no"), (400, "no")]
    take_quiz(lucia, "M1")
    take_quiz(luis, "M1")
    run_queued()
    assert grades.grade_sync_counts()[SyncStatus.FAILED] == 2
    login_as(manager)
    assert client.post("/lti/grades/retry-failed").status_code == 302
    assert grades.grade_sync_counts()[SyncStatus.PENDING] == 2
    run_queued()
    assert grades.grade_sync_counts()[SyncStatus.SENT] == 2


def test_a_late_score_never_replaces_a_newer_one(platform, learners):
    lucia, _luis = learners
    take_quiz(lucia, "M1")
    run_queued()
    sync = db.session.scalar(sa.select(GradeSync))
    newest = sync.scored_at
    context = db.session.scalar(sa.select(LtiContext))
    late = grades.Score(lucia.id, Decimal("10"), newest - timedelta(minutes=5))
    assert grades.record_scores([context.cohort_id], "quiz:M1", [late]) == []
    db.session.refresh(sync)
    assert (sync.status, sync.score_given, sync.scored_at) == (SyncStatus.SENT,
                                                              Decimal("100.00"), newest)
    # A stale retry that reaches the platform anyway is refused there, by its timestamp.
    sync.score_given, sync.scored_at, sync.status = Decimal("10"), late.at, SyncStatus.PENDING
    grades.push_score(sync)
    assert [s["scoreGiven"] for s in platform.scores_for("quiz:M1")] == [100.0]
    assert len(platform.refused_scores) == 1


def test_a_newer_score_replaces_the_one_waiting(platform, learners):
    lucia, _luis = learners
    platform.fail_next_scores = [(503, "busy")]
    take_quiz(lucia, "M4", right=False)
    run_queued()
    take_quiz(lucia, "M4")  # a second attempt, passed, while the first waits to be sent
    syncs = db.session.scalars(sa.select(GradeSync)).all()
    assert len(syncs) == 1 and syncs[0].score_given == Decimal("100.00")
    assert syncs[0].attempts == 0  # a new score starts a new series of attempts
    for job in db.session.scalars(sa.select(Job).where(Job.status == JobStatus.QUEUED)):
        job.run_after = utcnow()
    db.session.commit()
    run_queued()
    assert [s["scoreGiven"] for s in platform.scores_for("quiz:M4")] == [100.0]


def test_people_who_never_came_from_the_platform_send_nothing(platform, learners, programme):
    from tests.factories import enrol, make_person

    cohort = db.session.scalar(sa.select(LtiContext)).cohort
    outsider = make_person(Role.OFFICIAL)
    enrol(cohort, outsider)
    take_quiz(outsider, "M1")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GradeSync)) == 0


def test_a_released_prototype_grade_reaches_each_member(platform, launcher, learners):
    from certify.submissions import adjusting
    from tests.submissions.conftest import grade, make_group, submit

    lucia, luis = learners
    assert launcher.launch("teacher-1", link_id="link-plain").status_code == 302
    teacher = person_of("teacher-1")
    cohort = db.session.scalar(sa.select(LtiContext)).cohort
    group = make_group(cohort, "Equipo Moodle", [lucia, luis])
    draft = grade(submit(group, lucia), teacher)
    adjusting.adjust_member(draft, luis, percent=50, reason="Participó poco.", by=teacher)
    db.session.commit()
    grade(draft.submission, teacher, release=True)
    run_queued()
    received = {s["userId"]: s["scoreGiven"] for s in platform.scores_for("project")}
    assert received == {"learner-1": pytest.approx(66.67), "learner-2": 50.0}


def test_recording_a_cohorts_scores_takes_a_fixed_number_of_queries(platform, learners,
                                                                    count_queries):
    from tests.factories import enrol, make_person

    context = db.session.scalar(sa.select(LtiContext))

    def people(n: int) -> list:
        made = []
        for _ in range(n):
            person = make_person(Role.OFFICIAL)
            enrol(context.cohort, person)
            db.session.add(LtiUser(issuer=platform.issuer, subject=f"user-{person.id}",
                                   person=person))
            made.append(person)
        db.session.commit()
        return made

    def record(group) -> int:
        scores = [grades.Score(person.id, Decimal(80), utcnow()) for person in group]
        with count_queries() as counter:
            assert len(grades.record_scores([context.cohort_id], "project", scores)) == len(group)
        db.session.commit()
        return counter["n"]

    record(people(1))  # the first one also records the gradebook column
    assert record(people(3)) == record(people(12))
    # Newer scores for the same people update their rows, in as few queries.
    group = people(5)
    record(group)
    assert record(group) <= record(people(5))


def test_the_launchs_own_line_item_wins_over_a_column_found_by_resource_id(platform, launcher,
                                                                          registered, course):
    # Two columns could hold M3's quiz: one tagged with its resource id, and the one Moodle
    # made for the activity (a column a teacher created has no resource id). The launch names
    # the activity's: the score goes there, and no column is searched for or created.
    tagged = platform.add_line_item(COURSE, label="old M3", resource_id="quiz:M3")
    platform.add_link(COURSE, "link-m3", title="Módulo 3", custom={"certify_target": "quiz:M3"},
                      line_item={"label": "Quiz M3 (teacher's column)"})
    own = platform.courses[COURSE].links["link-m3"]["line_item"]
    columns = len(platform.line_items)
    assert launcher.launch("learner-1", link_id="link-m3").status_code == 302
    take_quiz(person_of("learner-1"), "M3")
    run_queued()
    assert [score["userId"] for score in platform.scores[own["id"]]] == ["learner-1"]
    assert platform.scores[tagged["id"]] == []
    assert len(platform.line_items) == columns
