"""A crowd at once: verifications (page and JSON) and writes from many threads, each request
in its own session and connection, on the SQLite file and on PostgreSQL, every commit real.

On SQLite a request that reads and then writes in a deferred transaction fails at once
("database is locked") when another one committed in between; requests that will write
begin as writers (``certify.core.transactions``) and wait their turn instead.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask_login.utils import _create_identifier

from certify.accounts.models import Person, Role
from certify.certificates.counting import flush_verification_counts, forget_pending_counts
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

pytestmark = pytest.mark.committing
VERIFIERS, WRITERS, REQUESTS_EACH = 16, 6, 4


@pytest.fixture
def crowd_app(app, tmp_path):
    """The test database, with a connection for every thread (the default pool holds 15)."""
    crowd = make_app(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                     SQLALCHEMY_ENGINE_OPTIONS={"pool_size": VERIFIERS + WRITERS + 2})
    yield crowd
    with crowd.app_context():
        db.engine.dispose()


@pytest.fixture
def certified(crowd_app):
    """A committed certificate to verify and a cohort a manager edits; all deleted after."""
    with crowd_app.app_context():
        programme = make_certificate_programme(code="CROWD")
        cohort = create_cohort(programme, name="Cohorte multitud")
        db.session.commit()
        holder = enrolled(cohort, given_names="Multitud")
        manager = make_person(Role.MANAGER)
        certificate = issue_programme_certificate(holder, cohort, actor=manager)
        db.session.commit()
        ids = {"programme": programme.id, "cohort": cohort.id, "people": [holder.id, manager.id],
               "certificate": certificate.id, "serial": certificate.serial,
               "token": certificate.token}
        db.session.remove()
    yield ids
    with crowd_app.app_context():
        db.session.execute(sa.delete(AuditEvent).where(sa.or_(
            sa.and_(AuditEvent.subject_type == "Certificate",
                    AuditEvent.subject_id == ids["certificate"]),
            sa.and_(AuditEvent.subject_type == "Cohort", AuditEvent.subject_id == ids["cohort"]))))
        db.session.execute(sa.delete(Certificate).where(Certificate.id == ids["certificate"]))
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_address.in_(
            sa.select(Person.email).where(Person.id.in_(ids["people"])))))
        db.session.execute(sa.delete(Cohort).where(Cohort.id == ids["cohort"]))
        db.session.execute(sa.delete(Programme).where(Programme.id == ids["programme"]))
        db.session.execute(sa.delete(Person).where(Person.id.in_(ids["people"])))
        db.session.commit()
        db.session.remove()


def _signed_in_client(app, person_id: int):
    client = app.test_client()
    with app.test_request_context():
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.update({"_user_id": str(person_id), "_fresh": True, "_id": identifier})
    return client


def test_a_crowd_verifying_while_a_manager_writes_meets_no_error(crowd_app, certified):
    app, serial, token = crowd_app, certified["serial"], certified["token"]
    forget_pending_counts()
    manager_id = certified["people"][1]

    def visit(i: int, barrier: threading.Barrier) -> list[int]:
        writer = i < WRITERS
        client = _signed_in_client(app, manager_id) if writer else app.test_client()
        barrier.wait(timeout=60)
        statuses = []
        for n in range(REQUESTS_EACH):
            if writer:
                response = client.post(f"/cohorts/{certified['cohort']}/edit",
                                       data={"name": f"Cohorte multitud {i}-{n}"})
            elif i % 2:
                response = client.get(f"/v/{serial}?t={token}")
            else:
                response = client.get(f"/api/v1/verify/{serial}?t={token}")
            statuses.append(response.status_code)
        return statuses

    outcomes = race(app, VERIFIERS + WRITERS, visit)
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert errors == []
    assert {status for statuses in outcomes[WRITERS:] for status in statuses} == {200}
    assert {status for statuses in outcomes[:WRITERS] for status in statuses} == {302}
    with app.app_context():
        flush_verification_counts()  # what the workers had not written yet
        count = db.session.scalar(sa.select(Certificate.verification_count)
                                  .where(Certificate.id == certified["certificate"]))
        db.session.remove()
    assert count == VERIFIERS * REQUESTS_EACH
