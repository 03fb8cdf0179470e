"""CSV import of officials: all rows checked first, nothing half-written."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from certify.accounts.importing import ImportRejected, import_people
from certify.accounts.models import Person
from certify.extensions import db
from tests.factories import make_municipality, make_person

HEADER = "email,given_names,family_names,municipality,country,position,gender,birth_year,locale\n"


@pytest.fixture
def places():
    make_municipality("Melipeuco", country="CL")
    make_municipality("Río Branco", country="UY", region="Cerro Largo")


def people_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person))


def test_valid_rows_are_imported_and_a_second_import_updates(places):
    text = HEADER + (
        "ana@example.org,Ana,Pérez Soto,Melipeuco,CL,Encargada,female,1984,es\n"
        "joao@example.org,João,Silva,río branco,uy,,male,,pt_BR\n"
    )
    report = import_people(text)
    assert (len(report.created), len(report.updated)) == (2, 0)
    joao = db.session.scalar(sa.select(Person).where(Person.email == "joao@example.org"))
    assert joao.municipality.name == "Río Branco" and joao.preferred_locale == "pt_BR"
    again = import_people(text.replace("Encargada", "Directora"))
    assert (len(again.created), len(again.updated)) == (0, 2)
    assert people_count() == 2


def test_any_invalid_row_rejects_the_whole_file_with_line_numbers(places):
    before = people_count()
    text = HEADER + (
        "ok@example.org,Ok,Row,Melipeuco,CL,,,,\n"
        "broken-email,Bad,Email,Melipeuco,CL,,,,\n"
        "x@example.org,,Nameless,Melipeuco,CL,,,,\n"
        "y@example.org,Y,Z,Atlantis,CL,,,,\n"
        "ok@example.org,Dup,Licate,Melipeuco,CL,,robot,1800,xx\n"
    )
    with pytest.raises(ImportRejected) as raised:
        import_people(text)
    lines = {error.line: " ".join(error.messages) for error in raised.value.row_errors}
    assert set(lines) == {3, 4, 5, 6}
    assert "email" in lines[3]
    assert "given_names: is required" in lines[4]
    assert "'Atlantis' is not a known municipality" in lines[5]
    assert "already appears on line 2" in lines[6] and "gender" in lines[6]
    assert "birth_year" in lines[6] and "locale" in lines[6]
    assert people_count() == before


def test_skip_invalid_imports_the_good_rows_and_reports_the_rest(places):
    text = HEADER + "good@example.org,Good,Row,Melipeuco,CL,,,,\nbad,Bad,Row,Melipeuco,CL,,,,\n"
    report = import_people(text, skip_invalid=True)
    assert [p.email for p in report.created] == ["good@example.org"]
    assert [error.line for error in report.errors] == [3]


def test_missing_columns_and_semicolon_files(places):
    with pytest.raises(ImportRejected, match="1 row"):
        import_people("email;given_names\nana@example.org;Ana\n")
    report = import_people("\ufeffemail;given_names;family_names;municipality;country\n"
                           "semi@example.org;Semi;Colon;Melipeuco;CL\n")
    assert len(report.created) == 1


def test_an_existing_person_keeps_their_account(places):
    existing = make_person(email="already@example.org")
    report = import_people(HEADER + "ALREADY@example.org,New,Name,Melipeuco,CL,,,,\n")
    assert report.updated == [existing] and existing.given_names == "New"


def test_the_cli_imports_with_exit_code_2_on_bad_rows(app, places, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "bad,Bad,Row,Melipeuco,CL,,,,\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["people", "import", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:2:" in result.output
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "cli@example.org,Cli,Person,Melipeuco,CL,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["people", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output


def test_the_import_page_shows_every_bad_row(client, login_as, manager, places):
    login_as(manager)
    data = {"file": (io.BytesIO((HEADER + "bad,B,R,Melipeuco,CL,,,,\n").encode()), "people.csv")}
    response = client.post("/people/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Line 2" in response.text or "Línea 2" in response.text
    data = {"file": (io.BytesIO((HEADER + "page@example.org,Pa,Ge,Melipeuco,CL,,,,\n").encode()),
                     "people.csv")}
    response = client.post("/people/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert db.session.scalar(sa.select(Person).where(Person.email == "page@example.org"))
