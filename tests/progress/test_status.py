"""One status per person and cohort: in progress, awaiting issuance, certified, out of reach."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import url_for

from certify.attendance.models import InPersonSession
from certify.cohorts.models import CohortModule
from certify.extensions import db
from certify.progress.eligibility import Eligibility, Requirement, Step
from certify.progress.services import person_progress
from certify.progress.status import BlockedBy, CohortStatus, certified_people, cohort_status
from tests.factories import enrol, make_cohort

TODAY = date(2026, 6, 15)


@pytest.fixture
def row(programme, official, tutor):
    cohort = make_cohort(programme, "Cohorte de prueba", tutors=[tutor])
    return person_progress(enrol(cohort, official))


def with_missing(row, *requirements: Requirement):
    return replace(row, eligibility=Eligibility(row.person.id, tuple(requirements)))


def due_every_module(cohort, due_on: date):
    for module in cohort.programme.modules:
        db.session.add(CohortModule(cohort_id=cohort.id, module_id=module.id, due_on=due_on))
    db.session.flush()


def one_session(cohort, *, closed: bool):
    module = next(m for m in cohort.programme.modules if not m.is_virtual)
    starts_at = datetime(2026, 6, 1, 12, tzinfo=UTC)
    db.session.add(InPersonSession(cohort=cohort, module=module, title="Santiago", venue="Santiago",
                                   starts_at=starts_at, ends_at=starts_at + timedelta(hours=8),
                                   capacity=40, closed_at=starts_at + timedelta(hours=9) if closed else None))
    db.session.flush()


def test_missing_something_with_time_left_is_in_progress(row):
    assert not row.eligibility.eligible
    assert cohort_status(row, certified=False, today=TODAY).status is CohortStatus.IN_PROGRESS


def test_eligible_without_a_certificate_awaits_issuance(row):
    eligible = with_missing(row, Requirement(Step.FINAL_SURVEY, True))
    assert cohort_status(eligible, certified=False, today=TODAY).status is CohortStatus.AWAITING_ISSUANCE


def test_holding_the_certificate_is_certified(row):
    assert cohort_status(row, certified=True, today=TODAY).status is CohortStatus.CERTIFIED


def test_every_deadline_passed_is_out_of_reach_with_the_tutors_to_contact(row, tutor):
    due_every_module(row.enrolment.cohort, TODAY - timedelta(days=1))
    report = cohort_status(row, certified=False, today=TODAY)
    assert report.status is CohortStatus.OUT_OF_REACH
    assert BlockedBy.DEADLINES_PASSED in report.blocked_by
    assert report.contacts == (tutor,)
    # The last deadline is today: still in progress.
    assert cohort_status(row, certified=False, today=TODAY - timedelta(days=1)).status \
        is CohortStatus.IN_PROGRESS


def test_the_only_session_closed_without_attending_is_out_of_reach(row):
    cohort = row.enrolment.cohort
    module = next(m for m in cohort.programme.modules if not m.is_virtual)
    missing = with_missing(row, Requirement(Step.IN_PERSON, False, module, {"status": "no_show"}))
    one_session(cohort, closed=False)
    assert cohort_status(missing, certified=False, today=TODAY).status is CohortStatus.IN_PROGRESS
    db.session.get(InPersonSession, cohort_sessions(cohort)[0]).closed_at = datetime.now(UTC)
    report = cohort_status(missing, certified=False, today=TODAY)
    assert report.status is CohortStatus.OUT_OF_REACH
    assert report.blocked_by == (BlockedBy.SESSIONS_CLOSED,)


def cohort_sessions(cohort):
    from certify.attendance.services import sessions_of_cohort
    return [session.id for session in sessions_of_cohort(cohort)]


def test_a_quiz_failed_with_no_attempts_left_is_out_of_reach(row):
    module = row.enrolment.cohort.programme.modules[0]
    failed = with_missing(row, Requirement(Step.QUIZ, False, module,
                                           {"started": True, "attempts_left": 0}))
    assert cohort_status(failed, certified=False, today=TODAY).blocked_by == (BlockedBy.NO_ATTEMPTS_LEFT,)


def test_nobody_is_certified_without_a_live_certificate(row):
    assert certified_people(row.enrolment.cohort, [row.person.id]) == set()


def test_my_programme_says_when_the_cohort_can_no_longer_certify_and_whom_to_write(
        client, login_as, official, tutor, row):
    due_every_module(row.enrolment.cohort, date.today() - timedelta(days=2))
    login_as(official)
    page = client.get("/my-programme?lang=en").text
    assert "You can no longer be certified in this cohort." in page
    assert "Every module deadline has passed." in page
    assert f"mailto:{tutor.email}" in page
    assert "You can no longer be certified" in client.get("/my-certificates?lang=en").text


def test_every_missing_item_links_to_where_it_is_done_and_late_modules_say_overdue(
        client, login_as, official, row):
    cohort = row.enrolment.cohort
    first = cohort.programme.modules[0]
    db.session.add(CohortModule(cohort_id=cohort.id, module_id=first.id,
                                due_on=date.today() - timedelta(days=1)))
    db.session.flush()
    login_as(official)
    page = client.get("/my-programme?lang=en").text
    missing = page.split('class="missing"')[1].split("</ul>")[0]
    with client.application.test_request_context():
        assert url_for("assessments.quiz", cohort_id=cohort.id, code=first.code) in missing
    for target in ("/sessions", "/my-prototype", "/my-surveys"):
        assert target in missing
    assert missing.count("<a ") == missing.count("<li>")
    assert "Overdue" in page
