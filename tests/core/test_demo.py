"""`certify demo` builds the programme's world, and running it again changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.accounts.models import Country, Municipality, MunicipalityKind, Person, Role, RoleGrant
from certify.certificates.models import Certificate
from certify.cohorts.models import Cohort, Enrolment
from certify.core.clock import utcnow
from certify.demo import national
from certify.demo.builder import build_demo
from certify.extensions import db
from certify.reports.allocations import allocation_totals
from certify.reports.models import Allocation, Milestone, Target
from certify.reports.pace import Standing
from certify.reports.progress import certified_progress
from certify.reports.scope import make_scope
from certify.reports.targets import get_target

pytestmark = pytest.mark.demo_world


@pytest.fixture
def app(demo_world):
    """The demo world built once for the session by `build_demo`; these tests read it."""
    return demo_world.app


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def role_count(role: Role) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RoleGrant).where(RoleGrant.role == role))


def test_demo_world(app, demo):
    report = demo
    assert {c.code for c in db.session.scalars(sa.select(Country))} == {"CL", "UY", "BR", "PY"}
    rural = db.session.scalar(sa.select(sa.func.count()).select_from(Municipality)
                              .where(Municipality.kind == MunicipalityKind.RURAL))
    assert rural == 15
    names = set(db.session.scalars(sa.select(Municipality.name)))
    assert {"Peñalolén", "Calama"} <= names
    from certify.demo import world

    # The demo cohort's, the certified pilot's and the next cohort's (just starting).
    officials = 60 + national.PILOT_SIZE + world.NEXT_COHORT_OFFICIALS
    assert role_count(Role.OFFICIAL) == officials and role_count(Role.TUTOR) == 2
    assert role_count(Role.MANAGER) == 1
    assert len(report.cohort.enrolments) == 60 and len(report.cohort.tutors) == 2
    spread = db.session.scalar(sa.select(sa.func.count(sa.distinct(Person.municipality_id)))
                               .where(Person.role_grants.any(RoleGrant.role == Role.OFFICIAL)))
    assert spread == 17

    before = {model: count(model) for model in (Person, Municipality, Cohort, Enrolment, RoleGrant,
                                                Certificate, Target, Milestone, Allocation)}
    again = build_demo(app.config["CONTENT_DIR"])
    assert again.created_people == 0
    assert {model: count(model) for model in before} == before


def test_the_demo_has_a_national_plan_and_a_certified_pilot(demo):
    report = demo
    assert report.pilot_certificates == national.PILOT_SIZE
    programme = report.cohort.programme
    target = get_target(programme)
    assert (target.certified, target.starts_on, target.due_on) == (5000, national.STARTS_ON,
                                                                   national.DUE_ON)
    assert [(m.year, m.certified) for m in target.milestones] == list(national.MILESTONES)
    totals = allocation_totals(target)
    assert totals.regions_difference == 0 and totals.municipalities_difference == 0
    # Rural municipalities get twice an urban one's quota (equal basis, weight 2).
    quotas = dict(db.session.execute(
        sa.select(Municipality.name, Allocation.certified)
        .join(Allocation, Allocation.municipality_id == Municipality.id)
        .where(Allocation.target_id == target.id)).all())
    assert abs(quotas["Melipeuco"] - 2 * quotas["Peñalolén"]) <= 1
    # The pilot's certificates spread over the last year and a half: the dashboard has a pace.
    pilot = db.session.scalars(sa.select(Certificate)).all()
    dates = sorted(c.issued_at for c in pilot)
    assert len(dates) == national.PILOT_SIZE and dates[-1] < utcnow()
    # Awarded before certify, they went through the historical import's path.
    assert all(c.imported and c.original_reference.startswith("PILOTO-2025-") for c in pilot)
    progress = certified_progress(make_scope(programme_id=programme.id))
    assert progress.certified == national.PILOT_SIZE and progress.pace.standing is Standing.BEHIND
    assert progress.pace.needed_per_month > 0
    assert all(pace.certified and pace.forecast for pace in progress.pace.recent)
    # The demo cohort is left for a manager to certify.
    assert not any(c.cohort_id == report.cohort.id for c in db.session.scalars(sa.select(Certificate)))


def test_demo_logins_work(client):
    from certify.demo import world

    response = client.post("/login", data={"email": "gestora@demo.certify.example",
                                           "password": world.DEMO_PASSWORD})
    assert response.status_code == 302


def test_demo_dates_follow_the_day_it_is_built(demo):
    """Prototypes handed in around the deadline (a few late), not all at build time."""
    from certify.attendance.models import InPersonSession
    from certify.submissions.models import PrototypeSubmission

    cohort = demo.cohort
    now = utcnow()
    submissions = list(db.session.scalars(sa.select(PrototypeSubmission)))
    late = [s for s in submissions if s.late]
    assert submissions and 0 < len(late) <= 2 < len(submissions) - len(late)
    assert all(s.submitted_at < now - timedelta(days=20) for s in submissions)
    assert all((s.submitted_at > cohort.project_due_at) == s.late for s in submissions)
    session = db.session.scalar(sa.select(InPersonSession).where(InPersonSession.cohort_id == cohort.id))
    assert now - timedelta(days=40) < session.ends_at < now
    assert cohort.starts_on < now.date() <= cohort.ends_on


def test_the_starting_official_is_in_a_cohort_open_now(demo):
    from certify.cohorts.schedule import cohort_schedule
    from certify.demo import world

    email = next(email for email, label in demo.logins if label == "official (starting)")
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == world.NEXT_COHORT_NAME))
    assert email in {enrolment.person.email for enrolment in cohort.enrolments}
    today = utcnow().date()
    assert cohort.starts_on <= today < cohort.ends_on
    assert all(row.due_on > today for row in cohort_schedule(cohort))
    assert cohort.project_due_at > utcnow()


def test_the_demo_queues_no_mail_for_a_session_that_ended(demo):
    from certify.attendance.models import InPersonSession, Registration
    from certify.core.mail import OutboxMessage

    registrants = set(db.session.scalars(
        sa.select(Person.email).join(Registration, Registration.person_id == Person.id)
        .join(InPersonSession, InPersonSession.id == Registration.session_id)
        .where(InPersonSession.ends_at < utcnow())))
    assert registrants
    queued = set(db.session.scalars(sa.select(OutboxMessage.to_address)))
    assert not registrants & queued
