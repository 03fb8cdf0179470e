"""The managers' import page: the CLI's CSV checked first (line numbers, nothing written),
refused unless invalid rows may be skipped, confirmed with a summary, then recorded."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person
from certify.certificates.models import Certificate
from certify.core.jobs import Job
from certify.extensions import db
from tests.certificates.test_import import ANA, HEADER, count, pilot  # noqa: F401 - fixture

pytestmark = pytest.mark.one_database  # a page over the service tested on both databases
BAD = "bad,,Soto,Atlantis,CL,NOPE,diploma,-3,2024-02-30,\n"
BRUNO = "bruno@example.org,Bruno,Lima,Melipeuco,CL,CRT,participation,8,2025-01-15,\n"


def upload(client, text: str | bytes, *, skip: bool = False, name: str = "pilot.csv"):
    data = {"file": (io.BytesIO(text.encode() if isinstance(text, str) else text), name)}
    if skip:
        data["skip_invalid"] = "y"
    return client.post("/certificates/import?lang=en", data=data,
                       content_type="multipart/form-data")


def hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def test_a_bad_row_refuses_the_file_with_its_line_and_writes_nothing(client, login_as, manager,
                                                                      pilot):  # noqa: F811
    login_as(manager)
    before = (count(Person), count(Certificate))
    response = upload(client, HEADER + ANA + BAD)
    assert response.status_code == 422
    assert "Nothing was imported" in response.text and "Line 3" in response.text
    assert "no programme has the code" in response.text
    assert (count(Person), count(Certificate)) == before


def test_a_valid_file_is_summarised_then_recorded_once_confirmed(client, login_as, manager,
                                                                 pilot):  # noqa: F811
    login_as(manager)
    response = upload(client, HEADER + ANA + BRUNO)
    assert response.status_code == 200
    assert "Import 2 certificates?" in response.text
    assert "2 people not yet registered will be created" in response.text
    assert "CRT, programme: 1" in response.text and "CRT, participation: 1" in response.text
    assert count(Certificate) == 0  # nothing yet: the summary only
    values = hidden(response.text)
    assert values["expected"] == "2" and values["confirmed"] == "yes"
    done = client.post("/certificates/import?lang=en", data=values)
    assert done.status_code == 302 and done.headers["Location"].endswith("/certificates")
    certificates = db.session.scalars(sa.select(Certificate)).all()
    assert len(certificates) == 2 and all(c.imported for c in certificates)
    assert db.session.scalar(sa.select(Job).where(Job.name == "render_certificates"))
    # The staged file is gone: the same confirmation cannot record the file twice.
    again = client.post("/certificates/import?lang=en", data=values)
    assert again.status_code == 422 and "upload it again" in again.text
    assert count(Certificate) == 2


def test_skipping_invalid_rows_lists_them_and_records_the_others(client, login_as, manager,
                                                                 pilot):  # noqa: F811
    login_as(manager)
    response = upload(client, HEADER + ANA + BAD, skip=True)
    assert response.status_code == 200
    assert "Import 1 certificate?" in response.text
    assert "1 row with problems will be skipped:" in response.text and "Line 3" in response.text
    values = hidden(response.text)
    assert values["skip_invalid"] == "y"
    assert client.post("/certificates/import", data=values).status_code == 302
    assert [c.holder_name for c in db.session.scalars(sa.select(Certificate))] == [
        "Ana Pérez Soto"]


def test_a_register_that_changed_since_the_check_asks_again(client, login_as, manager,
                                                            pilot):  # noqa: F811
    login_as(manager)
    values = hidden(upload(client, HEADER + ANA + BRUNO, skip=True).text)
    # Meanwhile Ana's certificate is recorded another way: her row now clashes.
    from certify.certificates.importing import import_certificates
    import_certificates(HEADER + ANA)
    db.session.commit()
    response = client.post("/certificates/import?lang=en", data=values)
    assert response.status_code == 409
    assert "The register changed since the file was checked" in response.text
    assert "Import 1 certificate?" in response.text
    assert count(Certificate) == 1


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "pilot.csv", "The file must be UTF-8 encoded text."),
    (HEADER.encode("utf-16"), "pilot.csv", "The file must be UTF-8 encoded text."),
    (b"a" * (5 * 1024 * 1024 + 1), "pilot.csv", "The file is larger than 5 MB."),
    (HEADER.encode(), "pilot.xlsx", "Upload a .csv file."),
    (HEADER.encode(), "pilot.csv", "the file has a header but no rows"),
])
def test_uploads_that_are_not_a_csv_of_rows_are_refused(client, login_as, manager, pilot,  # noqa: F811
                                                         content, name, message):
    login_as(manager)
    response = upload(client, content, name=name)
    assert response.status_code == 422 and message in response.text
    assert count(Certificate) == 0


def test_a_confirmation_for_a_file_that_is_not_there(client, login_as, manager,
                                                     pilot):  # noqa: F811
    login_as(manager)
    for token in ("../../secret_key", "x" * 22, ""):
        response = client.post("/certificates/import", data={
            "confirmed": "yes", "token": token, "expected": "1"})
        assert response.status_code == 422 and count(Certificate) == 0


def test_the_template_has_the_columns_the_import_reads(client, login_as, manager):
    from certify.certificates.importing import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

    login_as(manager)
    response = client.get("/certificates/import/template.csv")
    assert response.mimetype == "text/csv"
    assert response.text.splitlines()[0].split(",") == [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
