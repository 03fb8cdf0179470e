"""Names and free text: what certify refuses, wherever it comes from."""

from __future__ import annotations

import pytest

from certify.accounts import services
from certify.accounts.importing import ImportRejected, import_people
from certify.core.errors import ValidationError
from certify.core.text import check_text, text_problem
from tests.factories import make_municipality, make_person

REFUSED = {
    "nul": "Ana\x00María",
    "surrogate": "Ana\udc80",
    "right-to-left override": "Ana \u202egnp.exe",
    "isolate": "Ana\u2067María\u2069",
    "right-to-left mark": "Ana\u200f",
    "combining stack": "Ana" + "\u0301\u0302\u0303\u0304",
}
ACCEPTED = ["Ana María", "João Ñuñoa-Pérez", "Nguyễn Thị Minh Khai", "O'Higgins",
            "Zoë Brontë", "e\u0301 (decomposed)", "Tr\u1ea7n (two marks: \u0323\u0302)"]


@pytest.mark.parametrize("value", REFUSED.values(), ids=REFUSED.keys())
def test_refused_text(value):
    assert text_problem(value)
    with pytest.raises(ValidationError) as refused:
        check_text(value, "given_names")
    assert list(refused.value.errors) == ["given_names"]


@pytest.mark.parametrize("value", ACCEPTED)
def test_names_of_real_people_pass(value):
    assert text_problem(value) is None


def test_passwords_only_need_to_be_storable():
    assert text_problem("\u202e\u0301\u0302\u0303\u0304", storable_only=True) is None
    assert text_problem("a\x00", storable_only=True)


@pytest.mark.parametrize("value", REFUSED.values(), ids=REFUSED.keys())
def test_names_are_refused_by_the_service_whatever_the_road(app_context, value):
    with pytest.raises(ValidationError) as refused:
        services.create_person(email="x@example.org", given_names=value, family_names="Soto")
    assert "given_names" in refused.value.errors
    person = make_person()
    with pytest.raises(ValidationError):
        services.update_person(person, family_names=value)


def test_the_api_says_which_field(client, bearer, manager):
    response = client.post("/api/v1/people", headers=bearer(manager), json={
        "email": "rlo@example.org", "given_names": "Ana", "family_names": "Soto \u202eZ",
        "position": "x" + "\u0300" * 6})
    assert response.status_code == 422
    assert response.json["code"] == "validation_error" and "family_names" in response.json["errors"]


def test_the_person_form_shows_the_message(client, login_as, manager):
    login_as(manager)
    page = client.post("/people/new?lang=en", data={
        "email": "rlo@example.org", "given_names": "Ana\u202e", "family_names": "Soto"})
    assert page.status_code == 422
    assert "writing direction" in page.text


def test_the_csv_import_names_the_line(app_context):
    make_municipality("Melipeuco", country="CL")
    header = ("email,given_names,family_names,municipality,country,position,gender,"
              "birth_year,locale\n")
    with pytest.raises(ImportRejected) as rejected:
        import_people(header + "rlo@example.org,Ana\u202e,Soto,Melipeuco,CL,,,,\n")
    [error] = rejected.value.row_errors
    assert error.line == 2 and "given_names" in " ".join(error.messages)
