"""``certify certificates issue`` as a person runs it: on a SQLite file, every commit real.

Inside the tests' rolled-back transaction one session sees everything; only a real
database shows what the command reads after its job ran in a session of its own.
"""

from __future__ import annotations

import pytest

from certify.accounts.models import Person, Role
from certify.certificates.models import Certificate
from certify.cohorts.services import create_cohort
from certify.extensions import db
from tests.certificates.conftest import enrolled, make_certificate_programme
from tests.conftest import make_app, reset_database
from tests.factories import make_municipality, make_person

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


def test_importing_historical_certificates_commits_them_or_nothing(file_app, tmp_path):
    with file_app.app_context():
        make_certificate_programme()
        make_municipality("Melipeuco", country="CL")
        db.session.commit()
        db.session.remove()
    header = ("email,given_names,family_names,municipality,country,programme,kind,hours,"
              "issued_on,original_reference\n")
    good = "ana@example.org,Ana,Pérez,Melipeuco,CL,CRT,programme,120,2024-11-29,PIL-17\n"
    bad = "bea@example.org,Bea,Soto,Melipeuco,CL,CRT,programme,120,2999-01-01,\n"
    file = tmp_path / "pilot.csv"
    file.write_text(header + good + bad, encoding="utf-8")
    runner = file_app.test_cli_runner()

    refused = runner.invoke(args=["certificates", "import", str(file)])
    assert refused.exit_code == 2
    assert f"{file}:3: issued_on: 2999-01-01 is not in the past" in refused.output
    with file_app.app_context():
        assert db.session.query(Certificate).count() == 0
        assert db.session.query(Person).count() == 0

    skipped = runner.invoke(args=["certificates", "import", str(file), "--skip-invalid"])
    assert skipped.exit_code == 0, skipped.output
    assert f"{file}:3: skipped" in skipped.output
    assert "1 certificates imported (1 people created), 1 skipped, 2 rows read." in skipped.output
    assert "PDFs created: 1." in skipped.output
    with file_app.app_context():
        certificate = db.session.query(Certificate).one()
        assert certificate.imported and certificate.original_reference == "PIL-17"
        assert certificate.pdf_path and certificate.pdf_sha256
        assert certificate.serial in skipped.output
