"""Real concurrency on PostgreSQL: 20 simultaneous issue requests make one live certificate.

These tests commit (``committing``), so they create their own programme,
cohort and people, and delete everything at the end.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person
from certify.certificates.issuing import issue_programme_certificate
from certify.certificates.models import Certificate
from certify.cohorts.models import Cohort
from certify.cohorts.services import create_cohort
from certify.core.audit import AuditEvent
from certify.core.mail import OutboxMessage
from certify.extensions import db
from certify.programmes.models import Programme
from tests.certificates.conftest import enrolled, make_certificate_programme
from tests.concurrency import race
from tests.conftest import make_app
from tests.factories import make_person

pytestmark = [pytest.mark.postgres_only, pytest.mark.committing]
THREADS = 20


@pytest.fixture
def racing_app(app, tmp_path):
    """The same database, with a connection for every thread (the default pool holds 15)."""
    racing = make_app(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                      SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 2, "pool_pre_ping": True})
    yield racing
    with racing.app_context():
        db.engine.dispose()


@pytest.fixture
def race_world(racing_app):
    app = racing_app
    with app.app_context():
        programme = make_certificate_programme(code="RACECERT")
        cohort = create_cohort(programme, name="Cohorte carrera certificados")
        db.session.commit()
        holder = enrolled(cohort, given_names="Carrera")
        manager = make_person("manager")
        ids = {"programme": programme.id, "cohort": cohort.id, "holder": holder.id,
               "manager": manager.id}
        db.session.remove()
    yield ids
    with app.app_context():
        certificate_ids = sa.select(Certificate.id).where(
            Certificate.programme_id == ids["programme"])
        db.session.execute(sa.delete(AuditEvent).where(
            AuditEvent.subject_type == "Certificate", AuditEvent.subject_id.in_(certificate_ids)))
        db.session.execute(sa.delete(Certificate).where(
            Certificate.programme_id == ids["programme"]))
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_address.in_(
            sa.select(Person.email).where(Person.id == ids["holder"]))))
        db.session.execute(sa.delete(Cohort).where(Cohort.id == ids["cohort"]))
        db.session.execute(sa.delete(Programme).where(Programme.id == ids["programme"]))
        db.session.execute(sa.delete(Person).where(Person.id.in_([ids["holder"],
                                                                  ids["manager"]])))
        db.session.commit()
        db.session.remove()


def test_twenty_concurrent_issues_make_one_live_certificate(racing_app, race_world):
    app = racing_app
    def issue(_i: int, barrier: threading.Barrier) -> str:
        person = db.session.get(Person, race_world["holder"])
        cohort = db.session.get(Cohort, race_world["cohort"])
        manager = db.session.get(Person, race_world["manager"])
        cohort.programme.modules  # noqa: B018 - loaded before the race starts
        barrier.wait(timeout=60)
        return issue_programme_certificate(person, cohort, actor=manager).serial

    outcomes = race(app, THREADS, issue, timeout=120)
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    assert len(set(outcomes)) == 1  # every request got the same certificate

    with app.app_context():
        certificates = db.session.scalars(sa.select(Certificate).where(
            Certificate.programme_id == race_world["programme"])).all()
        issued_events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.subject_type == "Certificate", AuditEvent.action == "certificate_issued",
            AuditEvent.subject_id.in_([certificate.id for certificate in certificates])))
        db.session.remove()
    assert [certificate.serial for certificate in certificates] == [outcomes[0]]
    assert certificates[0].revoked_at is None
    assert issued_events == 1
