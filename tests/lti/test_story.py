"""The whole story with the test platform: an instructor deep-links the four virtual modules and
the group project, the roster sync enrols the course's learners page by page, a learner
launches, passes a quiz, and the platform's line item receives the score."""

from __future__ import annotations

import re
from html import unescape

import requests
import sqlalchemy as sa

from certify.bench.lti_platform import INSTRUCTOR, LEARNER
from certify.cohorts.models import EnrolmentStatus
from certify.core.jobs import Job, JobStatus, run_job
from certify.extensions import db
from certify.lti.models import LtiContext, LtiUser
from tests.lti.conftest import COURSE
from tests.lti.test_grades import person_of, take_quiz


def run_queued(name: str) -> None:
    for job_id in db.session.scalars(sa.select(Job.id).where(
            Job.name == name, Job.status == JobStatus.QUEUED)).all():
        assert run_job(job_id).status is JobStatus.SUCCEEDED


def test_deep_link_roster_launch_quiz_and_the_score_in_the_gradebook(client, launcher, platform,
                                                                    registered):
    platform.add_user("teacher-1", [INSTRUCTOR], given_name="Teresa", family_name="Docente")
    learners = [f"learner-{n}" for n in range(1, 6)]
    for n, subject in enumerate(learners, start=1):
        platform.add_user(subject, [LEARNER], given_name=f"Persona{n}", family_name="Moodle",
                          email=f"{subject}@moodle.example.org")
    platform.add_course(COURSE, "Innovación municipal 2026", members=["teacher-1", *learners])

    # 1. The instructor adds the four virtual modules and the group project.
    picker = launcher.launch("teacher-1", message_type="LtiDeepLinkingRequest")
    assert picker.status_code == 302
    chosen = ["module:M1", "module:M2", "module:M3", "module:M4", "project"]
    page = client.post(picker.headers["Location"], data={"targets": chosen}).text
    action = unescape(re.search(r'action="([^"]+)" id="deep-link-return"', page).group(1))
    token = re.search(r'name="JWT" value="([^"]+)"', page).group(1)
    assert "Added 5 activities" in requests.post(action, data={"JWT": token}, timeout=10).text
    links = {link["custom"]["certify_target"]: link_id
             for link_id, link in platform.courses[COURSE].links.items()}
    assert set(links) == set(chosen) and len(platform.line_items) == 5

    # 2. The roster sync queued by the instructor's launch enrols the learners (3 pages).
    run_queued("lti.sync_roster")
    assert platform.membership_requests == 3
    context = db.session.scalar(sa.select(LtiContext))
    enrolled = {enrolment.person.email: enrolment.status
                for enrolment in context.cohort.enrolments}
    assert enrolled == {f"{subject}@moodle.example.org": EnrolmentStatus.ACTIVE
                        for subject in learners}

    # 3. A learner opens module 2 from the course and lands on it, signed in.
    landing = launcher.launch("learner-3", link_id=links["module:M2"])
    assert landing.headers["Location"] == f"/my-programme/{context.cohort_id}/modules/M2"
    assert client.get(landing.headers["Location"]).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiUser)) == 6

    # 4. She passes the module's quiz; the job sends the score to the deep-linked column.
    take_quiz(person_of("learner-3"), "M2")
    run_queued("lti.push_scores")
    column = platform.courses[COURSE].links[links["module:M2"]]["line_item"]
    [score] = platform.scores[column["id"]]
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == ("learner-3", 100.0,
                                                                            100.0)
    assert len(platform.line_items) == 5  # found the column, created none
