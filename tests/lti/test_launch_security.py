"""Every launch is checked before anything is written; each attack is refused with a page that
says what failed. A valid launch of each role signs the person in."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person, Role
from certify.bench.lti_platform import (
    ADMINISTRATOR,
    CLAIM,
    CONTENT_DEVELOPER,
    INSTRUCTOR,
    MENTOR,
    TEACHING_ASSISTANT,
    new_key,
)
from certify.cohorts.models import Cohort, Enrolment
from certify.core.jobs import Job
from certify.extensions import db
from certify.lti.models import LoginState, LtiContext, LtiUser
from tests.lti.conftest import COURSE


def counts() -> tuple[int, int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Person, LtiUser, LtiContext, Enrolment))


def assert_refused(response, status: int, check: str, reason: str) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:800]
    assert f'data-check="{check}"' in text
    assert re.search(reason, text), text[:800]


@pytest.fixture
def before(registered, course):
    return counts()


# --- valid launches ----------------------------------------------------------------------------

def test_a_learner_is_created_enrolled_signed_in_and_sent_to_the_module(client, launcher,
                                                                       before):
    response = launcher.launch("learner-1", link_id="link-m1")
    assert response.status_code == 302, response.get_data(as_text=True)
    link = db.session.scalar(sa.select(LtiUser).where(LtiUser.subject == "learner-1"))
    person = link.person
    assert person.email == "lucia@moodle.example.org"
    assert (person.given_names, person.family_names) == ("Lucía", "Alumna")
    assert person.roles == {Role.OFFICIAL} and person.preferred_locale == "es"
    context = db.session.scalar(sa.select(LtiContext).where(LtiContext.context_id == COURSE))
    assert context.cohort.name == "Innovación municipal 2026"
    assert db.session.scalar(sa.select(Enrolment).where(
        Enrolment.cohort_id == context.cohort_id, Enrolment.person_id == person.id))
    assert response.headers["Location"] == f"/my-programme/{context.cohort_id}/modules/M1"
    # Signed in: the landing page opens.
    assert client.get(response.headers["Location"]).status_code == 200
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)


@pytest.mark.parametrize("role_uri", [INSTRUCTOR, TEACHING_ASSISTANT, CONTENT_DEVELOPER])
def test_instructors_assistants_and_content_developers_become_tutors_of_the_cohort(
        client, launcher, platform, before, role_uri):
    platform.users["teacher-1"].roles = [role_uri]
    response = launcher.launch("teacher-1", link_id="link-plain")
    assert response.status_code == 302
    person = db.session.scalar(sa.select(LtiUser).where(LtiUser.subject == "teacher-1")).person
    context = db.session.scalar(sa.select(LtiContext))
    assert person.roles == {Role.TUTOR} and person in context.cohort.tutors
    assert response.headers["Location"] == f"/cohorts/{context.cohort_id}"
    assert client.get(response.headers["Location"]).status_code == 200
    # Each instructor launch brings the roster up to date, in a job after the commit.
    job = db.session.scalar(sa.select(Job).where(Job.name == "lti.sync_roster"))
    assert job.payload == {"context_id": context.id}


def test_an_administrator_becomes_a_manager(client, launcher, platform, before):
    platform.add_user("admin-1", [ADMINISTRATOR, INSTRUCTOR], given_name="Ada",
                      family_name="Admin")
    platform.courses[COURSE].members.append("admin-1")
    response = launcher.launch("admin-1", link_id="link-plain")
    assert response.status_code == 302
    person = db.session.scalar(sa.select(LtiUser).where(LtiUser.subject == "admin-1")).person
    assert person.roles == {Role.MANAGER, Role.TUTOR}
    assert client.get("/people").status_code == 200  # a manager's page


def test_a_second_launch_finds_the_same_person_course_and_cohort(launcher, before):
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    assert launcher.launch("learner-1", link_id="link-quiz-m2").status_code == 302
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)


def test_a_role_without_access_is_refused(launcher, platform, before):
    platform.users["learner-1"].roles = [MENTOR]
    assert_refused(launcher.launch("learner-1", link_id="link-m1"), 403, "roles", "Mentor")
    assert counts() == before


# --- attacks and broken messages: refused, nothing created -------------------------------------

ATTACKS = [
    # (what, launch options, status, check, reason in the page)
    ("bad signature", {"key": new_key()}, 403, "signature", "signature does not match"),
    ("wrong issuer", {"tamper": lambda b: b.update(iss="https://evil.example.org")}, 403,
     "issuer", "not by the platform the login started with"),
    ("wrong audience", {"tamper": lambda b: b.update(aud="someone-else")}, 403, "audience",
     "meant for someone-else"),
    ("several audiences, no azp", {"tamper": lambda b: b.update(
        aud=[b["aud"], "someone-else"])}, 403, "audience", "which certify does not trust"),
    ("an untrusted extra audience, azp certify", {"tamper": lambda b: b.update(
        aud=[b["aud"], "someone-else"], azp=b["aud"])}, 403, "audience",
     "also meant for someone-else"),
    ("wrong azp", {"tamper": lambda b: b.update(azp="someone-else")}, 403, "azp",
     "authorised party"),
    ("expired token", {"tamper": lambda b: b.update(iat=int(time.time()) - 4000,
                                                    exp=int(time.time()) - 3600)},
     403, "exp", "has expired"),
    ("issued in the future", {"tamper": lambda b: b.update(iat=int(time.time()) + 3600,
                                                           exp=int(time.time()) + 3700)},
     403, "iat", "issued in the future"),
    ("no expiry", {"tamper": lambda b: b.pop("exp")}, 400, "exp", "has no exp claim"),
    ("unknown deployment", {"tamper": lambda b: b.update(
        {CLAIM + "deployment_id": "deployment-99"})}, 403, "deployment",
     "Deployment deployment-99 is not registered"),
    ("missing roles claim", {"tamper": lambda b: b.pop(CLAIM + "roles")}, 400, "roles",
     "no roles claim"),
    ("wrong message type", {"tamper": lambda b: b.update(
        {CLAIM + "message_type": "LtiSubmissionReviewRequest"})}, 400, "message_type",
     "LtiSubmissionReviewRequest is not one certify handles"),
    ("wrong version", {"tamper": lambda b: b.update({CLAIM + "version": "1.1"})}, 400,
     "version", "LTI version 1.1"),
    ("no user", {"tamper": lambda b: b.pop("sub")}, 400, "sub", "no sub"),
    ("another target than the login's", {"tamper": lambda b: b.update(
        {CLAIM + "target_link_uri": "https://certify.test/admin"})}, 400, "target_link_uri",
     "not what its login asked for"),
    ("tampered state", {"state": "state-made-up-by-an-attacker"}, 403, "state",
     "state is unknown"),
    ("alg none", {"alg": "HS256", "key": "a shared secret of thirty-two bytes!!"}, 403,
     "signature", "certify accepts only RS256"),
    ("another nonce", {"tamper": lambda b: b.update(nonce="a-nonce-of-another-login")}, 403,
     "nonce", "not the one issued for this login"),
    ("a target the programme lacks", {"tamper": lambda b: b.update(
        {CLAIM + "custom": {"certify_target": "quiz:M9"}})}, 400, "target",
     "points to module M9"),
]


@pytest.mark.parametrize("options, status, check, reason",
                         [attack[1:] for attack in ATTACKS], ids=[a[0] for a in ATTACKS])
def test_attacks_are_refused_and_create_nothing(launcher, before, options, status, check,
                                               reason):
    response = launcher.launch("learner-1", link_id="link-m1", **options)
    assert_refused(response, status, check, reason)
    assert counts() == before
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Cohort).where(
        Cohort.name == "Innovación municipal 2026"))


def test_an_unknown_kid_is_fetched_again_once_then_refused(launcher, platform, before):
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    fetched = platform.jwks_requests
    response = launcher.launch("learner-2", link_id="link-m1", key=new_key(), kid="kid-nobody-has")
    assert_refused(response, 403, "kid", "no key kid-nobody-has, even after fetching it again")
    assert platform.jwks_requests == fetched + 1


def test_a_rotated_platform_key_is_picked_up_by_fetching_the_key_set_again(launcher, platform,
                                                                          before):
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    assert platform.jwks_requests == 1  # cached after the first launch
    platform.rotate_key()
    assert launcher.launch("learner-2", link_id="link-m1").status_code == 302
    assert platform.jwks_requests == 2


def test_a_replayed_launch_is_refused(client, launcher, platform, before):
    auth = launcher.login(user_id="learner-1", context_id=COURSE, link_id="link-m1")
    token = launcher.token(user_id="learner-1", nonce=auth["nonce"], context_id=COURSE,
                           link_id="link-m1")
    first = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert first.status_code == 302
    after_first = counts()
    again = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert_refused(again, 403, "replay", "already used")
    # The same token with a fresh login's state: its nonce belongs to the first login.
    fresh = launcher.login(user_id="learner-1", context_id=COURSE, link_id="link-m1")
    replayed = client.post("/lti/launch", data={"id_token": token, "state": fresh["state"]})
    assert_refused(replayed, 403, "nonce", "not the one issued for this login")
    assert counts() == after_first


def test_a_login_that_expired_is_refused(client, launcher, before):
    auth = launcher.login(user_id="learner-1", context_id=COURSE, link_id="link-m1")
    db.session.execute(sa.update(LoginState).where(LoginState.state == auth["state"])
                       .values(expires_at=LoginState.created_at))
    token = launcher.token(user_id="learner-1", nonce=auth["nonce"], context_id=COURSE,
                           link_id="link-m1")
    response = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert_refused(response, 403, "state", "expired")


@pytest.mark.parametrize("data, check", [({"state": "x"}, "id_token"),
                                         ({"id_token": "a.b.c", "state": "x"}, "id_token"),
                                         ({"id_token": "not-a-jwt", "state": "x"}, "id_token")])
def test_malformed_launches_are_refused(client, before, data, check):
    assert_refused(client.post("/lti/launch", data=data), 400, check, "id_token")


def test_an_inactive_platform_is_refused(launcher, registered, before):
    auth = launcher.login(user_id="learner-1", context_id=COURSE, link_id="link-m1")
    registered.active = False
    db.session.commit()
    token = launcher.token(user_id="learner-1", nonce=auth["nonce"], context_id=COURSE,
                           link_id="link-m1")
    response = launcher.client.post("/lti/launch", data={"id_token": token,
                                                         "state": auth["state"]})
    assert_refused(response, 403, "issuer", "not active")
    assert counts() == before
