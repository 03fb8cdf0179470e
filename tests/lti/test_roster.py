"""The course roster into the cohort: every page read, learners enrolled, instructors tutors,
and the platform's users gone from the course marked inactive, never deleted."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.accounts.models import Role
from certify.bench.lti_platform import INSTRUCTOR, LEARNER, TEACHING_ASSISTANT
from certify.cohorts.enrolments import find_enrolment, set_enrolment_status
from certify.cohorts.models import Enrolment, EnrolmentStatus
from certify.core.jobs import Job, JobStatus, run_job
from certify.extensions import db
from certify.lti.errors import PlatformError
from certify.lti.models import LtiContext, LtiUser
from certify.lti.roster import sync_roster
from tests.factories import enrol, make_person
from tests.lti.conftest import COURSE


def statuses(context) -> dict[str, EnrolmentStatus]:
    rows = db.session.execute(
        sa.select(LtiUser.subject, Enrolment.status)
        .join(Enrolment, Enrolment.person_id == LtiUser.person_id)
        .where(Enrolment.cohort_id == context.cohort_id)).all()
    return {subject: status for subject, status in rows}


@pytest.fixture
def context(launcher, platform, registered, course):
    """The course, linked by its teacher's first launch; five learners and an assistant."""
    for n in range(3, 6):
        platform.add_user(f"learner-{n}", [LEARNER], given_name=f"Persona{n}",
                          email=f"learner{n}@moodle.example.org")
    platform.add_user("assistant-1", [TEACHING_ASSISTANT], given_name="Ayu", family_name="Dante")
    platform.courses[COURSE].members += ["learner-3", "learner-4", "learner-5", "assistant-1"]
    assert launcher.launch("teacher-1", link_id="link-plain").status_code == 302
    return db.session.scalar(sa.select(LtiContext))


def test_the_roster_is_read_page_by_page_and_brought_into_the_cohort(platform, context):
    report = sync_roster(context)
    db.session.commit()
    assert (report.pages, report.members) == (4, 7)  # two per page
    assert platform.membership_requests == 4
    assert (report.people_created, report.enrolled, report.tutors) == (6, 5, 1)
    assert statuses(context) == {f"learner-{n}": EnrolmentStatus.ACTIVE for n in range(1, 6)}
    tutors = {person.email for person in context.cohort.tutors}
    assert tutors == {"teresa@moodle.example.org",
                      db.session.scalar(sa.select(LtiUser).where(
                          LtiUser.subject == "assistant-1")).person.email}
    assert context.roster_synced_at is not None
    again = sync_roster(context)
    assert (again.people_created, again.enrolled, again.tutors, again.deactivated) == (0, 0, 0, 0)


def test_members_gone_from_the_course_become_inactive_and_come_back(platform, context):
    outsider = make_person(Role.OFFICIAL)
    enrol(context.cohort, outsider)  # enrolled in certify by hand: not the platform's business
    sync_roster(context)
    platform.courses[COURSE].members.remove("learner-2")
    platform.users["learner-3"].status = "Inactive"
    withdrawn = db.session.scalar(sa.select(LtiUser).where(LtiUser.subject == "learner-4")).person
    set_enrolment_status(find_enrolment(context.cohort, withdrawn), EnrolmentStatus.WITHDRAWN)
    report = sync_roster(context)
    assert report.deactivated == 2
    assert statuses(context) == {
        "learner-1": EnrolmentStatus.ACTIVE, "learner-2": EnrolmentStatus.INACTIVE,
        "learner-3": EnrolmentStatus.INACTIVE, "learner-4": EnrolmentStatus.WITHDRAWN,
        "learner-5": EnrolmentStatus.ACTIVE}
    assert find_enrolment(context.cohort, outsider).status is EnrolmentStatus.ACTIVE

    platform.courses[COURSE].members.append("learner-2")
    platform.users["learner-3"].status = "Active"
    report = sync_roster(context)
    assert report.reactivated == 2
    assert statuses(context)["learner-2"] is EnrolmentStatus.ACTIVE
    assert statuses(context)["learner-4"] is EnrolmentStatus.WITHDRAWN


def test_each_instructor_launch_queues_a_roster_sync(platform, context):
    [job] = db.session.scalars(sa.select(Job).where(Job.name == "lti.sync_roster")).all()
    assert run_job(job.id).status is JobStatus.SUCCEEDED
    assert len(statuses(context)) == 5


def test_a_refused_roster_changes_nothing(platform, context):
    platform.users["learner-1"].roles = [LEARNER]
    platform.tokens.clear()
    platform.token_lifetime = -1  # every token the platform gives is already expired
    with pytest.raises(PlatformError, match="refused the roster: HTTP 401"):
        sync_roster(context)
    assert statuses(context) == {}


def test_without_the_roster_service_the_manager_is_told_why(client, login_as, manager, platform,
                                                           context):
    context.memberships_url = None
    db.session.commit()
    login_as(manager)
    response = client.post(f"/lti/contexts/{context.id}/roster", follow_redirects=True)
    assert response.status_code == 200
    assert "has not shared the course roster" in response.text


def test_a_manager_syncs_the_roster_from_the_platform_page(client, login_as, manager, context):
    login_as(manager)
    page = client.get(f"/lti/platforms/{context.platform_id}")
    assert page.status_code == 200 and "Innovación municipal 2026" in page.text
    response = client.post(f"/lti/contexts/{context.id}/roster", follow_redirects=True)
    assert "7 members read in 4 page(s)" in response.text
    assert len(statuses(context)) == 5


def test_instructors_become_tutors_once(platform, context):
    platform.users["learner-5"].roles = [LEARNER, INSTRUCTOR]
    report = sync_roster(context)
    assert report.tutors == 2
    person = db.session.scalar(sa.select(LtiUser).where(LtiUser.subject == "learner-5")).person
    assert person.roles == {Role.OFFICIAL, Role.TUTOR} and person in context.cohort.tutors
