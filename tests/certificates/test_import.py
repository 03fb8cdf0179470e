"""``certify certificates import``: certificates awarded before certify, checked row by row,
recorded like any other (serial, signature, PDF job) and marked as imported."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person
from certify.certificates.importing import import_certificates
from certify.certificates.issuing import verify
from certify.certificates.models import Certificate, CertificateKind
from certify.certificates.rendering import render_certificate
from certify.core.csv_import import ImportRejected
from certify.extensions import db
from tests.certificates.conftest import make_certificate_programme
from tests.certificates.test_rendering import text_of
from tests.factories import make_municipality, make_person

HEADER = ("email,given_names,family_names,municipality,country,programme,kind,hours,issued_on,"
          "original_reference\n")
ANA = "ana@example.org,Ana,Pérez Soto,Melipeuco,CL,CRT,programme,120,2024-11-29,PIL-2024-017\n"


@pytest.fixture
def pilot(app):
    make_municipality("Melipeuco", country="CL")
    return make_certificate_programme()


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_valid_file_records_signed_imported_certificates(pilot):
    existing = make_person(email="joao@example.org", given_names="João")
    text = HEADER + ANA + (
        "JOAO@example.org,João,Silva,Melipeuco,CL,crt,participation,\"8,5\",2025-01-15,\n")
    report = import_certificates(text)
    assert report.people_created == 1 and report.rows == 2 and not report.errors
    ana, joao = report.certificates
    assert ana.imported and joao.imported
    assert ana.issued_at.replace(tzinfo=UTC) == datetime(2024, 11, 29, 12, tzinfo=UTC)
    assert ana.hours == Decimal("120") and ana.original_reference == "PIL-2024-017"
    assert ana.kind is CertificateKind.PROGRAMME and joao.kind is CertificateKind.PARTICIPATION
    assert joao.person_id == existing.id and joao.hours == Decimal("8.5")
    assert joao.original_reference is None
    assert ana.serial != joao.serial and ana.token
    assert verify(ana.serial, ana.token, count=False).valid


def test_any_bad_row_rejects_the_file_with_line_numbers_and_writes_nothing(pilot):
    before = (count(Person), count(Certificate))
    tomorrow = date.today().replace(year=date.today().year + 1).isoformat()
    text = HEADER + ANA + (
        "bad,,Soto,Atlantis,CL,NOPE,diploma,-3,2024-02-30,\n"
        f"b@example.org,Be,Soto,Melipeuco,CL,CRT,programme,10.25,{tomorrow},{'x' * 101}\n"
        "ana@example.org,Ana,Pérez Soto,Melipeuco,CL,CRT,programme,120,2024-11-29,\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_certificates(text)
    problems = {error.line: " ".join(error.messages) for error in rejected.value.row_errors}
    assert sorted(problems) == [3, 4, 5]
    for word in ("email", "given_names", "municipality", "no programme has the code 'NOPE'",
                 "'diploma' is not one of", "hours: must be more than 0", "'2024-02-30'"):
        assert word in problems[3]
    assert "one decimal place" in problems[4] and "is not in the past" in problems[4]
    assert "original_reference: longer than 100" in problems[4]
    assert "already has a CRT certificate on line 2" in problems[5]
    assert (count(Person), count(Certificate)) == before


def test_skip_invalid_records_the_good_rows_and_reports_the_bad(pilot):
    text = HEADER + ANA + "b@example.org,Be,Soto,Melipeuco,CL,CRT,programme,abc,2024-01-01,\n"
    report = import_certificates(text, skip_invalid=True)
    assert len(report.certificates) == 1 and [error.line for error in report.errors] == [3]
    assert "'abc' is not a number of hours" in str(report.errors[0])


def test_a_holder_of_a_live_certificate_of_the_programme_is_refused(pilot):
    import_certificates(HEADER + ANA)
    with pytest.raises(ImportRejected) as rejected:
        import_certificates(HEADER + ANA)
    assert "already holds a certificate of CRT" in str(rejected.value.row_errors[0])


def test_a_missing_column_is_reported_on_line_1(pilot):
    with pytest.raises(ImportRejected) as rejected:
        import_certificates("email,given_names\nana@example.org,Ana\n")
    assert rejected.value.row_errors[0].line == 1
    assert "programme, kind, hours, issued_on" in str(rejected.value.row_errors[0])


@pytest.mark.parametrize(("lang", "sentence"), [
    ("es", "Importado: otorgado el 29 de noviembre de 2024, antes de certify."),
    ("pt_BR", "Importado: concedido em 29 de novembro de 2024, antes do certify."),
    ("en", "Imported: awarded on November 29, 2024, before certify."),
])
def test_the_verification_page_says_it_was_imported(client, pilot, lang, sentence):
    certificate = import_certificates(HEADER + ANA).certificates[0]
    db.session.commit()
    page = client.get(f"/v/{certificate.serial}?t={certificate.token}&lang={lang}").text
    assert sentence in page and "PIL-2024-017" in page
    assert "certificate-modules" not in page  # no empty list: it states only its hours


def test_a_certificate_issued_in_certify_is_not_marked_imported(client, issued):
    page = client.get(f"/v/{issued.serial}?lang=en").text
    assert "before certify" not in page and not issued.imported


def test_the_pdf_of_an_imported_certificate_states_its_hours_without_modules(app, pilot):
    certificate = import_certificates(HEADER + ANA).certificates[0]
    with app.test_request_context():
        text = text_of(render_certificate(certificate)).upper()
    squeezed = text.replace(" ", "")  # letter-spaced captions come out as spaced letters
    assert "HORASTOTALES" in squeezed and "120HORAS" in squeezed
    assert "29DENOVIEMBREDE2024" in squeezed and "MÓDULO" not in squeezed
