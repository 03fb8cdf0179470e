"""``certify certificates issue`` as a person runs it: on a SQLite file, every commit real.

Inside the tests' rolled-back transaction one session sees everything; only a real
database shows what the command reads after its job ran in a session of its own.
"""

from __future__ import annotations

import pytest

from certify.accounts.models import Role
from certify.certificates.models import Certificate
from certify.cohorts.services import create_cohort
from certify.extensions import db
from tests.certificates.conftest import enrolled, make_certificate_programme
from tests.conftest import make_app, reset_database
from tests.factories import make_person

pytestmark = pytest.mark.committing


@pytest.fixture
def file_app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'certify.db'}", str(tmp_path / "instance"))
    reset_database(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_issuing_a_cohort_prints_the_jobs_real_result_and_exits_0(file_app):
    with file_app.app_context():
        cohort = create_cohort(make_certificate_programme(), name="Cohorte en archivo")
        db.session.commit()
        for n in range(3):
            enrolled(cohort, given_names=f"Persona {n}")
        manager = make_person(Role.MANAGER)
        cohort_id, manager_email = cohort.id, manager.email
        db.session.remove()
    result = file_app.test_cli_runner().invoke(args=[
        "certificates", "issue", "--cohort", str(cohort_id), "--by", manager_email,
        "--processes", "1"])
    assert result.exit_code == 0, result.output
    assert "Issued: 3." in result.output and "PDFs created: 3." in result.output
    assert "queued" not in result.output
    with file_app.app_context():
        assert db.session.query(Certificate).count() == 3
