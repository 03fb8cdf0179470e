"""From a launch's claims to certify: people (and when e-mail links accounts), roles, cohorts,
activities, and the page each launch opens."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.accounts.models import Role
from certify.attendance.models import InPersonSession
from certify.bench.lti_platform import (
    ADMINISTRATOR,
    CLAIM,
    CONTENT_DEVELOPER,
    INSTRUCTOR,
    LEARNER,
    MENTOR,
    TEACHING_ASSISTANT,
)
from certify.cohorts.enrolments import find_enrolment, set_enrolment_status
from certify.cohorts.models import Cohort, EnrolmentStatus
from certify.core.clock import utcnow
from certify.extensions import db
from certify.lti.models import LtiContext, LtiLineItem, LtiResourceLink, LtiUser, TargetKind
from certify.lti.people import map_roles, placeholder_email
from certify.lti.targets import TargetError, parse_target
from tests.factories import make_cohort, make_person
from tests.lti.conftest import COURSE


@pytest.mark.parametrize("uris, roles", [
    ([LEARNER], {Role.OFFICIAL}),
    (["Learner"], {Role.OFFICIAL}),
    ([INSTRUCTOR], {Role.TUTOR}),
    ([TEACHING_ASSISTANT], {Role.TUTOR}),
    ([CONTENT_DEVELOPER], {Role.TUTOR}),
    ([ADMINISTRATOR], {Role.MANAGER}),
    (["http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"], {Role.MANAGER}),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator"], {Role.MANAGER}),
    # Being an instructor somewhere in the institution does not make a tutor of this course.
    (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"], set()),
    ([MENTOR], set()),
    ([LEARNER, INSTRUCTOR], {Role.OFFICIAL, Role.TUTOR}),
    ([], set()),
])
def test_lti_roles_map_to_certify_roles(uris, roles):
    assert map_roles(uris) == roles


def person_of(subject: str):
    return db.session.scalar(sa.select(LtiUser).where(LtiUser.subject == subject)).person


def test_an_existing_account_is_not_taken_over_by_e_mail_unless_the_platform_is_trusted(
        launcher, platform, registered, course):
    existing = make_person(Role.OFFICIAL, email="lucia@moodle.example.org")
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    created = person_of("learner-1")
    assert created.id != existing.id
    assert created.email == placeholder_email(platform.issuer, "learner-1")
    assert created.email.endswith("@lti-users.certify.example")

    registered.trusted_for_email = True
    db.session.commit()
    platform.add_user("learner-3", [LEARNER], email="LUIS.ANTIGUO@example.org")
    platform.courses[COURSE].members.append("learner-3")
    old_account = make_person(Role.OFFICIAL, email="luis.antiguo@example.org")
    assert launcher.launch("learner-3", link_id="link-m1").status_code == 302
    link = db.session.scalar(sa.select(LtiUser).where(LtiUser.subject == "learner-3"))
    assert link.person_id == old_account.id and link.created_person is False


def test_people_without_an_e_mail_or_names_get_usable_placeholders(launcher, platform,
                                                                  registered, course):
    platform.add_user("anon-7", [LEARNER], given_name="", family_name="", email=None)
    platform.courses[COURSE].members.append("anon-7")
    assert launcher.launch("anon-7", link_id="link-m1").status_code == 302
    person = person_of("anon-7")
    assert person.email == placeholder_email(platform.issuer, "anon-7")
    assert person.given_names and person.family_names == "anon-7"


def test_the_course_links_to_an_unlinked_cohort_of_the_same_name(launcher, registered, course,
                                                                 programme):
    existing = make_cohort(programme, "innovación MUNICIPAL 2026")
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    context = db.session.scalar(sa.select(LtiContext))
    assert context.cohort_id == existing.id


def test_a_cohort_name_already_linked_elsewhere_gets_a_distinct_name(launcher, platform,
                                                                     registered, course):
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    platform.add_course("course-202", "Innovación municipal 2026", label="INNOV26-B",
                        members=["learner-1"])
    platform.add_link("course-202", "link-x", custom={"certify_target": "module:M2"})
    assert launcher.launch("learner-1", context_id="course-202", link_id="link-x") \
        .status_code == 302
    names = set(db.session.scalars(sa.select(Cohort.name).join(
        LtiContext, LtiContext.cohort_id == Cohort.id)))
    assert names == {"Innovación municipal 2026", "Innovación municipal 2026 (INNOV26-B)"}


def test_a_withdrawn_enrolment_stays_withdrawn_an_inactive_one_is_reactivated(launcher,
                                                                             registered, course):
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    person = person_of("learner-1")
    cohort = db.session.scalar(sa.select(LtiContext)).cohort
    set_enrolment_status(find_enrolment(cohort, person), EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    assert find_enrolment(cohort, person).status is EnrolmentStatus.WITHDRAWN
    set_enrolment_status(find_enrolment(cohort, person), EnrolmentStatus.INACTIVE)
    db.session.commit()
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    assert find_enrolment(cohort, person).status is EnrolmentStatus.ACTIVE


def test_each_activity_lands_learners_and_tutors_on_its_page(client, launcher, registered,
                                                            course, programme):
    def lands(user_id: str, link_id: str) -> str:
        response = launcher.launch(user_id, link_id=link_id)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    assert lands("learner-1", "link-plain") == "/my-programme"
    cohort_id = db.session.scalar(sa.select(LtiContext.cohort_id))
    assert lands("learner-1", "link-m1") == f"/my-programme/{cohort_id}/modules/M1"
    assert lands("learner-1", "link-quiz-m2") == f"/my-programme/{cohort_id}/modules/M2/quiz"
    assert lands("learner-1", "link-session") == f"/my-programme/{cohort_id}/modules/M5"
    assert lands("learner-1", "link-project") == "/my-prototype"
    assert client.get(f"/my-programme/{cohort_id}/modules/M2/quiz").status_code == 200

    module5 = next(module for module in programme.modules if module.code == "M5")
    session = InPersonSession(cohort_id=cohort_id, module=module5, title="Santiago",
                              starts_at=utcnow(), ends_at=utcnow().replace(year=2100),
                              venue="Santiago", capacity=40)
    db.session.add(session)
    db.session.commit()
    assert lands("learner-1", "link-session") == f"/sessions/{session.id}"

    assert lands("teacher-1", "link-m1") == f"/programmes/{programme.id}/modules/M1"
    quiz_page = lands("teacher-1", "link-quiz-m2")
    assert quiz_page.startswith(f"/cohorts/{cohort_id}/quizzes/")
    assert client.get(quiz_page).status_code == 200
    assert lands("teacher-1", "link-project") == f"/grading?cohort={cohort_id}"
    assert lands("teacher-1", "link-plain") == f"/cohorts/{cohort_id}"


def test_activities_and_their_gradebook_columns_are_remembered(launcher, registered, course):
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    link = db.session.scalar(sa.select(LtiResourceLink).where(
        LtiResourceLink.resource_link_id == "link-m1"))
    assert (link.target_kind, link.module.code, link.title) == (TargetKind.MODULE, "M1",
                                                                "Módulo 1")
    item = db.session.scalar(sa.select(LtiLineItem))
    assert item.resource_id == "quiz:M1"
    assert item.url == launcher.platform.courses[COURSE].links["link-m1"]["line_item"]["id"]
    context = db.session.scalar(sa.select(LtiContext))
    assert context.lineitems_url == launcher.platform.lineitems_url(COURSE)
    assert context.memberships_url == launcher.platform.memberships_url(COURSE)
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in context.ags_scopes


def test_an_edited_custom_parameter_repoints_the_activity(launcher, platform, registered,
                                                          course):
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    platform.courses[COURSE].links["link-m1"]["custom"] = {"certify_target": "module:M3"}
    response = launcher.launch("learner-1", link_id="link-m1")
    assert response.headers["Location"].endswith("/modules/M3")


@pytest.mark.parametrize("value, problem", [
    ("module:M9", "M9"), ("session:M1", "virtual module"), ("quiz:M5", "has no quiz"),
    ("everything", "is not one of"),
])
def test_targets_the_programme_does_not_have_are_refused(programme, value, problem):
    with pytest.raises(TargetError, match=problem):
        parse_target(value, programme)


def test_targets_name_what_gets_graded(programme):
    assert parse_target("module:M1", programme).resource_id == "quiz:M1"
    assert parse_target("quiz:M4", programme).resource_id == "quiz:M4"
    assert parse_target("session:M5", programme).resource_id is None
    assert parse_target("project", programme).resource_id == "project"
    assert parse_target(None, programme).kind is TargetKind.PROGRAMME


def test_a_launch_without_a_course_signs_in_without_a_cohort(launcher, registered, course):
    response = launcher.launch("learner-1", context_id=None,
                               tamper=lambda body: body.update(
                                   {CLAIM + "resource_link": {"id": "global-link"}}))
    assert response.status_code == 302 and response.headers["Location"] == "/my-programme"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiContext)) == 0
