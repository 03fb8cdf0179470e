"""Real concurrency on PostgreSQL: launches racing in threads, each with its own connection.

A replayed launch posted many times at once is accepted once; the first launches of one new
person from a new course, at the same moment, make one person, one course and one enrolment.
These tests commit (``committing``): they build their own world and delete it at the end.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person
from certify.bench.lti_platform import LEARNER
from certify.cohorts.models import Cohort, Enrolment
from certify.extensions import db
from certify.lti.keys import public_key_set
from certify.lti.models import CacheEntry, LtiContext, LtiPlatform, LtiUser
from certify.lti.platforms import save_platform, tool_url
from certify.programmes.models import Module, ModuleKind, Programme
from tests.lti.conftest import Launcher

pytestmark = [pytest.mark.postgres_only, pytest.mark.committing]
THREADS = 6


@pytest.fixture
def race_world(app, test_platform):
    test_platform.reset()
    with app.app_context():
        test_platform.configure_tool(jwks=public_key_set(), login_url=tool_url("lti.login"),
                                     redirect_uri=tool_url("lti.launch"))
        programme = Programme(code="LTIRACE", title={"es": "Carrera"}, modules=[
            Module(code="M1", position=1, kind=ModuleKind.VIRTUAL, hours=Decimal(1),
                   title={"es": "Uno"})])
        db.session.add(programme)
        db.session.flush()
        platform = save_platform(
            name="Carrera", issuer=test_platform.issuer, client_id=test_platform.client_id,
            auth_login_url=test_platform.auth_login_url, auth_token_url=test_platform.token_url,
            key_set_url=test_platform.key_set_url, deployment_ids=[test_platform.deployment_id],
            programme=programme, trusted_for_email=False, active=True)
        db.session.commit()
        ids = SimpleNamespace(programme=programme.id, platform=platform.id)
        db.session.remove()
    test_platform.add_user("racer", [LEARNER], email="racer@moodle.example.org")
    test_platform.add_user("warmer", [LEARNER])
    test_platform.add_course("race-course", "Curso carrera", members=["racer"])
    test_platform.add_link("race-course", "race-link")
    # A first launch from elsewhere caches the platform's key set, so the racing launches
    # below write nothing to the platform's row (which would queue them one behind the other).
    warmer = Launcher(app.test_client(), test_platform)
    with app.app_context():
        assert warmer.launch("warmer", context_id=None, tamper=lambda body: body.update({
            "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "x"}})
        ).status_code == 302
    yield ids
    with app.app_context():
        people = db.session.scalars(sa.select(LtiUser.person_id).where(
            LtiUser.issuer == test_platform.issuer)).all()
        db.session.execute(sa.delete(LtiPlatform).where(LtiPlatform.id == ids.platform))
        db.session.execute(sa.delete(LtiUser).where(LtiUser.issuer == test_platform.issuer))
        db.session.execute(sa.delete(Person).where(Person.id.in_(people)))
        db.session.execute(sa.delete(Cohort).where(Cohort.programme_id == ids.programme))
        db.session.execute(sa.delete(Programme).where(Programme.id == ids.programme))
        db.session.execute(sa.delete(CacheEntry))
        db.session.commit()
        db.session.remove()


def race(posts) -> list[int]:
    """Send each ``(client, data)`` launch at the same moment; the status codes."""
    barrier = threading.Barrier(len(posts))
    statuses: list = [None] * len(posts)

    def run(i: int) -> None:
        client, data = posts[i]
        barrier.wait()
        statuses[i] = client.post("/lti/launch", data=data).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return statuses


def logged_in_launch(app, platform) -> tuple:
    launcher = Launcher(app.test_client(), platform)
    with app.app_context():
        auth = launcher.login(user_id="racer", context_id="race-course", link_id="race-link")
    token = launcher.token(user_id="racer", nonce=auth["nonce"], context_id="race-course",
                           link_id="race-link")
    return launcher.client, {"id_token": token, "state": auth["state"]}


def counts(app, issuer: str) -> tuple[int, int, int]:
    with app.app_context():
        people = db.session.scalar(sa.select(sa.func.count()).select_from(LtiUser)
                                   .where(LtiUser.issuer == issuer, LtiUser.subject == "racer"))
        contexts = db.session.scalar(sa.select(sa.func.count()).select_from(LtiContext))
        enrolments = db.session.scalar(
            sa.select(sa.func.count()).select_from(Enrolment)
            .join(LtiUser, LtiUser.person_id == Enrolment.person_id)
            .where(LtiUser.issuer == issuer))
        db.session.remove()
        return people, contexts, enrolments


def test_a_launch_replayed_many_times_at_once_is_accepted_once(app, test_platform, race_world):
    client, data = logged_in_launch(app, test_platform)
    statuses = race([(app.test_client(), data) for _ in range(THREADS - 1)] + [(client, data)])
    assert sorted(statuses) == [302] + [403] * (THREADS - 1)
    assert counts(app, test_platform.issuer) == (1, 1, 1)


def test_simultaneous_first_launches_make_one_person_course_and_enrolment(app, test_platform,
                                                                          race_world):
    posts = [logged_in_launch(app, test_platform) for _ in range(THREADS)]
    assert race(posts) == [302] * THREADS
    assert counts(app, test_platform.issuer) == (1, 1, 1)
