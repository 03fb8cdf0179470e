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

from certify.certificates.counting import flush_verification_counts, forget_pending_counts
from certify.certificates.models import Certificate
from certify.extensions import db
from tests.concurrency import committed_certificate, race
from tests.conftest import make_app

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
    with committed_certificate(crowd_app, "CROWD", "Multitud") as ids:
        yield ids


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
