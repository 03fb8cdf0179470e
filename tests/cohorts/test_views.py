"""The cohorts pages: listing, creating, editing, enrolling by e-mail and CSV, statuses."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from certify.accounts import services as accounts
from certify.accounts.models import Role
from certify.cohorts import enrolments, services
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.extensions import db
from tests.cohorts.conftest import make_cohort
from tests.factories import enrol, make_municipality, make_person

# Pages render what the services (tested on both databases) return: SQLite only.
pytestmark = pytest.mark.one_database


def enrolment_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Enrolment.id)))


# --- the list ----------------------------------------------------------------------------------

def test_managers_see_every_cohort_and_the_new_cohort_button(client, login_as, manager, cohort,
                                                             other_cohort, enrolled):
    login_as(manager)
    response = client.get("/cohorts")
    assert response.status_code == 200
    page = response.text
    assert "Cohorte Araucanía 2026" in page and "Cohorte Uruguay 2026" in page
    assert 'href="/cohorts/new"' in page
    assert "Programa COH" in page  # the programme title in Spanish, the default locale
    row = page[page.index("Cohorte Araucanía 2026"):]
    row = row[:row.index("</tr>")]
    assert cohort.tutors[0].full_name in row
    assert "<td>1</td>" in row  # one active enrolment


def test_tutors_see_only_their_cohorts(client, login_as, tutor, cohort, other_cohort):
    login_as(tutor)
    response = client.get("/cohorts")
    assert response.status_code == 200
    assert "Cohorte Araucanía 2026" in response.text
    assert "Cohorte Uruguay 2026" not in response.text
    assert 'href="/cohorts/new"' not in response.text


def test_officials_may_not_see_the_cohorts_list(client, login_as, official, enrolled):
    login_as(official)
    assert client.get("/cohorts").status_code == 403


def test_the_list_searches_and_filters(client, login_as, manager, cohort, other_cohort):
    login_as(manager)
    response = client.get("/cohorts?q=urug")
    assert "Cohorte Uruguay 2026" in response.text
    assert "Cohorte Araucanía 2026" not in response.text


def test_the_list_costs_the_same_queries_for_many_cohorts(client, login_as, manager,
                                                          small_programme, count_queries):
    login_as(manager)

    def add_cohorts(start: int, stop: int):
        for n in range(start, stop):
            tutor = make_person(Role.TUTOR)
            cohort = make_cohort(small_programme, f"Cohorte {n}", tutors=[tutor])
            enrol(cohort, make_person())

    add_cohorts(0, 2)
    with count_queries() as few:
        assert client.get("/cohorts").status_code == 200
    add_cohorts(2, 12)
    with count_queries() as many:
        assert client.get("/cohorts").status_code == 200
    assert many["n"] == few["n"]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/cohorts")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- creating and editing ----------------------------------------------------------------------

def test_a_manager_creates_a_cohort_through_the_form(client, login_as, manager, small_programme,
                                                     tutor, other_tutor, official):
    login_as(manager)
    form = client.get("/cohorts/new")
    assert form.status_code == 200
    assert tutor.email in form.text and other_tutor.email in form.text
    assert official.email not in form.text  # only tutors are offered
    response = client.post("/cohorts/new", data={
        "programme_id": small_programme.id, "name": "Cohorte Paraguay 2027",
        "starts_on": "2027-03-01", "ends_on": "2027-07-30", "tutor_ids": [tutor.id, other_tutor.id],
    })
    assert response.status_code == 302
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == "Cohorte Paraguay 2027"))
    assert cohort is not None
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    assert (cohort.starts_on, cohort.ends_on) == (date(2027, 3, 1), date(2027, 7, 30))
    assert {t.id for t in cohort.tutors} == {tutor.id, other_tutor.id}
    assert cohort.programme_id == small_programme.id


def test_the_form_reports_bad_input_with_422(client, in_english, login_as, manager,
                                             small_programme, cohort, official):
    login_as(manager)
    response = client.post("/cohorts/new", data={
        "programme_id": small_programme.id, "name": "Al revés",
        "starts_on": "2027-03-01", "ends_on": "2027-02-01"})
    assert response.status_code == 422
    assert "The cohort cannot end before it starts." in response.text
    response = client.post("/cohorts/new", data={
        "programme_id": small_programme.id, "name": "cohorte araucanía 2026"})
    assert response.status_code == 422
    assert "Another cohort of this programme already has this name." in response.text
    response = client.post("/cohorts/new", data={
        "programme_id": small_programme.id, "name": "Con oficial", "tutor_ids": [official.id]})
    assert response.status_code == 422  # not among the choices
    response = client.post("/cohorts/new", data={"programme_id": small_programme.id, "name": ""})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Cohort.id))) == 1


def test_a_manager_edits_a_cohort(client, login_as, manager, cohort, tutor, other_tutor):
    login_as(manager)
    form = client.get(f"/cohorts/{cohort.id}/edit")
    assert form.status_code == 200
    assert 'value="Cohorte Araucanía 2026"' in form.text
    response = client.post(f"/cohorts/{cohort.id}/edit", data={
        "name": "Cohorte Araucanía 2026-I", "starts_on": "2026-03-02", "ends_on": "",
        "tutor_ids": [other_tutor.id]})
    assert response.status_code == 302
    db.session.expire_all()
    assert cohort.name == "Cohorte Araucanía 2026-I"
    assert cohort.ends_on is None
    assert cohort.tutors == [other_tutor]


def test_editing_a_missing_cohort_is_404(client, login_as, manager):
    login_as(manager)
    assert client.get("/cohorts/999999/edit").status_code == 404
    assert client.get("/cohorts/999999").status_code == 404


# --- the cohort page ---------------------------------------------------------------------------

def test_the_cohort_page_lists_enrolments_with_search_and_status(client, login_as, tutor, cohort):
    ana = make_person(given_names="Ana", family_names="Zúñiga")
    luis = make_person(given_names="Luis", family_names="Alvarado")
    enrol(cohort, ana)
    enrolments.set_enrolment_status(enrol(cohort, luis), EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    login_as(tutor)
    page = client.get(f"/cohorts/{cohort.id}")
    assert page.status_code == 200
    assert "Zúñiga, Ana" in page.text and "Alvarado, Luis" in page.text
    assert "Enrol by e-mail" not in page.text  # tutors do not manage enrolments
    assert "Zúñiga, Ana" not in client.get(f"/cohorts/{cohort.id}?q=alvara").text
    withdrawn = client.get(f"/cohorts/{cohort.id}?status=withdrawn").text
    assert "Alvarado, Luis" in withdrawn and "Zúñiga, Ana" not in withdrawn


def test_the_cohort_page_paginates_enrolments(client, login_as, manager, cohort):
    for n in range(55):
        enrol(cohort, make_person(family_names=f"Apellido{n:02d}"))
    login_as(manager)
    first = client.get(f"/cohorts/{cohort.id}").text
    second = client.get(f"/cohorts/{cohort.id}?page=2").text
    assert "Apellido00" in first and "Apellido54" not in first
    assert "Apellido54" in second and "Apellido00" not in second
    assert f"/cohorts/{cohort.id}?page=2" in first


def test_another_tutor_may_not_see_the_cohort(client, login_as, other_tutor, cohort):
    login_as(other_tutor)
    assert client.get(f"/cohorts/{cohort.id}").status_code == 403


# --- enrolling ---------------------------------------------------------------------------------

def test_enrol_by_email(client, login_as, manager, cohort, official):
    second = make_person()
    login_as(manager)
    response = client.post(f"/cohorts/{cohort.id}/enrol",
                           data={"emails": f"{official.email.upper()}\n\n  {second.email}  \n"})
    assert response.status_code == 302
    assert services.is_enrolled_in(official, cohort) and services.is_enrolled_in(second, cohort)


def test_an_unknown_email_enrols_nobody(client, in_english, login_as, manager, cohort, official):
    login_as(manager)
    response = client.post(f"/cohorts/{cohort.id}/enrol", data={
        "emails": f"{official.email}\nnadie@example.org\nsin-arroba"})
    assert response.status_code == 422
    assert "Nobody is registered with nadie@example.org." in response.text
    assert "sin-arroba is not a valid e-mail address." in response.text
    assert official.email not in response.text.split("Nobody is registered")[1][:200]
    assert enrolment_count() == 0
    assert client.post(f"/cohorts/{cohort.id}/enrol", data={"emails": ""}).status_code == 422


CSV_HEADER = "email,given_names,family_names,municipality,country\n"


def upload(client, cohort, text: str, **extra):
    data = {"file": (io.BytesIO(text.encode()), "officials.csv"), **extra}
    return client.post(f"/cohorts/{cohort.id}/import", data=data,
                       content_type="multipart/form-data")


def test_csv_import_creates_people_and_enrols_them(client, in_english, login_as, manager, cohort,
                                                   official):
    make_municipality("Melipeuco", country="CL")
    login_as(manager)
    response = upload(client, cohort, CSV_HEADER + "nueva@example.org,Nueva,Persona,Melipeuco,CL\n"
                      + f"{official.email},{official.given_names},Pérez,Melipeuco,CL\n")
    assert response.status_code == 200
    assert "1 created, 1 updated, 0 skipped." in response.text
    new_person = accounts.find_person_by_email("nueva@example.org")
    assert new_person is not None
    assert services.is_enrolled_in(new_person, cohort) and services.is_enrolled_in(official, cohort)


def test_a_bad_csv_row_imports_and_enrols_nothing(client, in_english, login_as, manager, cohort):
    make_municipality("Melipeuco", country="CL")
    login_as(manager)
    text = (CSV_HEADER + "nueva@example.org,Nueva,Persona,Melipeuco,CL\n"
            + "mala@example.org,Mala,Fila,Atlántida,CL\n")
    response = upload(client, cohort, text)
    assert response.status_code == 422
    assert "Nothing was imported" in response.text
    assert "Line 3" in response.text and "Atlántida" in response.text
    assert accounts.find_person_by_email("nueva@example.org") is None
    assert enrolment_count() == 0
    response = upload(client, cohort, text, skip_invalid="y")
    assert response.status_code == 200
    assert "1 created, 0 updated, 1 skipped." in response.text
    assert services.is_enrolled_in(accounts.find_person_by_email("nueva@example.org"), cohort)


def test_the_import_needs_a_file(client, login_as, manager, cohort):
    login_as(manager)
    response = client.post(f"/cohorts/{cohort.id}/import", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422


def test_changing_an_enrolment_status(client, login_as, manager, cohort, enrolled, other_cohort):
    login_as(manager)
    back = f"/cohorts/{cohort.id}?q=x&page=1"
    response = client.post(f"/cohorts/{cohort.id}/enrolments/{enrolled.id}/status",
                           data={"status": "withdrawn", "back": back})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(back)
    db.session.expire_all()
    assert enrolled.status is EnrolmentStatus.WITHDRAWN
    bad = client.post(f"/cohorts/{cohort.id}/enrolments/{enrolled.id}/status",
                      data={"status": "graduated"})
    assert bad.status_code == 422
    elsewhere = client.post(f"/cohorts/{cohort.id}/enrolments/{enrolled.id}/status",
                            data={"status": "active", "back": "https://evil.example/"})
    assert elsewhere.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    wrong_cohort = client.post(f"/cohorts/{other_cohort.id}/enrolments/{enrolled.id}/status",
                               data={"status": "inactive"})
    assert wrong_cohort.status_code == 404
