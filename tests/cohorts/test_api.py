"""The cohorts API: /api/v1/cohorts and /api/v1/enrolments."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from certify.cohorts import enrolments
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.extensions import db
from tests.cohorts.conftest import make_cohort, make_programme
from tests.factories import enrol, make_person


def assert_error(response, status: int, code: str) -> dict:
    """A JSON error in the house format."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"} and body["code"] == code, body
    assert body["message"]
    return body


# --- cohorts -----------------------------------------------------------------------------------

def test_list_cohorts_paginates_and_filters(client, bearer, manager, small_programme, cohort,
                                            other_cohort, tutor):
    headers = bearer(manager)
    response = client.get("/api/v1/cohorts?page_size=1", headers=headers)
    assert response.status_code == 200
    assert [c["name"] for c in response.json] == ["Cohorte Uruguay 2026"]
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    second = client.get("/api/v1/cohorts?page_size=1&page=2", headers=headers).json
    assert second[0] == {
        "id": cohort.id, "programme_id": small_programme.id, "programme_code": "COH",
        "name": "Cohorte Araucanía 2026", "starts_on": "2026-03-02", "ends_on": "2026-07-31",
        "tutors": [{"id": tutor.id, "given_names": tutor.given_names,
                    "family_names": tutor.family_names}],
        "project_due_at": None,
        "created_at": second[0]["created_at"], "updated_at": second[0]["updated_at"],
    }
    found = client.get("/api/v1/cohorts?q=URUG", headers=headers).json
    assert [c["id"] for c in found] == [other_cohort.id]
    elsewhere = make_programme("OTRO")
    make_cohort(elsewhere, "Otra")
    found = client.get(f"/api/v1/cohorts?programme_id={elsewhere.id}", headers=headers).json
    assert [c["name"] for c in found] == ["Otra"]
    assert_error(client.get("/api/v1/cohorts?programme_id=abc", headers=headers), 422,
                 "validation_error")


def test_list_cohorts_shows_each_person_their_own(client, bearer, tutor, official, cohort,
                                                  other_cohort, enrolled):
    assert [c["id"] for c in client.get("/api/v1/cohorts", headers=bearer(tutor)).json] == [
        cohort.id]
    assert [c["id"] for c in client.get("/api/v1/cohorts", headers=bearer(official)).json] == [
        cohort.id]
    stranger = make_person()
    assert client.get("/api/v1/cohorts", headers=bearer(stranger)).json == []


def test_the_list_costs_the_same_queries_for_many_cohorts(client, bearer, manager,
                                                          small_programme, count_queries):
    from certify.accounts.models import Role

    headers = bearer(manager)

    def add(start, stop):
        for n in range(start, stop):
            make_cohort(small_programme, f"C{n}", tutors=[make_person(Role.TUTOR)])

    add(0, 2)
    client.get("/api/v1/cohorts", headers=headers)  # the token's use is noted once an hour
    db.session.commit()  # each request starts a transaction with nothing loaded, as in production
    with count_queries() as few:
        client.get("/api/v1/cohorts?page_size=50", headers=headers)
    add(2, 10)
    with count_queries() as many:
        assert len(client.get("/api/v1/cohorts?page_size=50", headers=headers).json) == 10
    assert many["n"] == few["n"]


def test_create_cohort(client, bearer, manager, small_programme, tutor):
    response = client.post("/api/v1/cohorts", headers=bearer(manager), json={
        "programme_id": small_programme.id, "name": "Cohorte API", "starts_on": "2027-01-10",
        "ends_on": "2027-04-10", "tutor_ids": [tutor.id]})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["name"] == "Cohorte API" and body["tutors"][0]["id"] == tutor.id
    cohort = db.session.get(Cohort, body["id"])
    assert cohort.name == "Cohorte API" and cohort.tutors == [tutor]


def test_create_cohort_conflict_is_409(client, bearer, manager, small_programme, cohort):
    response = client.post("/api/v1/cohorts", headers=bearer(manager), json={
        "programme_id": small_programme.id, "name": "COHORTE ARAUCANÍA 2026"})
    body = assert_error(response, 409, "conflict")
    assert "name" in body["errors"]


@pytest.mark.parametrize("payload, fields", [
    ({}, {"programme_id", "name"}),
    ({"name": "X", "programme_id": "uno"}, {"programme_id"}),
    ({"name": "", "programme_id": 1}, {"name"}),
    ({"name": "X", "programme_id": 1, "starts_on": "2027-05-01", "ends_on": "2027-04-01"},
     {"ends_on"}),
    ({"name": "X", "programme_id": 1, "starts_on": "1st of May"}, {"starts_on"}),
    ({"name": "X", "programme_id": 1, "colour": "blue"}, {"colour"}),
    ({"name": "X", "programme_id": 999999}, {"programme_id"}),
    ({"name": "X", "programme_id": 1, "tutor_ids": [999999]}, {"tutor_ids"}),
])
def test_create_cohort_validation_errors_are_422(client, bearer, manager, small_programme,
                                                 payload, fields):
    if payload.get("programme_id") == 1:
        payload = {**payload, "programme_id": small_programme.id}
    body = assert_error(client.post("/api/v1/cohorts", headers=bearer(manager), json=payload),
                        422, "validation_error")
    assert set(body["errors"]) == fields
    assert db.session.scalar(sa.select(sa.func.count(Cohort.id))) == 0


def test_assigning_a_non_tutor_is_422(client, bearer, manager, small_programme, official):
    response = client.post("/api/v1/cohorts", headers=bearer(manager), json={
        "programme_id": small_programme.id, "name": "X", "tutor_ids": [official.id]})
    assert set(assert_error(response, 422, "validation_error")["errors"]) == {"tutor_ids"}


def test_get_cohort(client, bearer, official, other_tutor, cohort, enrolled):
    response = client.get(f"/api/v1/cohorts/{cohort.id}", headers=bearer(official))
    assert response.status_code == 200 and response.json["name"] == cohort.name
    assert_error(client.get(f"/api/v1/cohorts/{cohort.id}", headers=bearer(other_tutor)), 403,
                 "forbidden")
    assert_error(client.get("/api/v1/cohorts/999999", headers=bearer(official)), 404, "not_found")


def test_patch_cohort(client, bearer, manager, small_programme, cohort, other_tutor):
    headers = bearer(manager)
    response = client.patch(f"/api/v1/cohorts/{cohort.id}", headers=headers,
                            json={"name": "Renombrada", "ends_on": None,
                                  "tutor_ids": [other_tutor.id]})
    assert response.status_code == 200, response.json
    assert response.json["name"] == "Renombrada" and response.json["ends_on"] is None
    db.session.expire_all()
    assert cohort.name == "Renombrada" and cohort.tutors == [other_tutor]
    make_cohort(small_programme, "Tomada")
    assert_error(client.patch(f"/api/v1/cohorts/{cohort.id}", headers=headers,
                              json={"name": "Tomada"}), 409, "conflict")
    body = assert_error(client.patch(f"/api/v1/cohorts/{cohort.id}", headers=headers,
                                     json={"ends_on": "2020-01-01"}), 422, "validation_error")
    assert "ends_on" in body["errors"]  # before the start already stored
    assert_error(client.patch("/api/v1/cohorts/999999", headers=headers, json={"name": "X"}),
                 404, "not_found")
    db.session.expire_all()
    assert cohort.name == "Renombrada"


def test_no_token_is_401_and_a_wrong_role_403(client, bearer, official, tutor, small_programme,
                                              cohort):
    assert_error(client.get("/api/v1/cohorts"), 401, "unauthorized")
    assert_error(client.get("/api/v1/cohorts", headers={"Authorization": "Bearer cfy_nope"}),
                 401, "unauthorized")
    payload = {"programme_id": small_programme.id, "name": "X"}
    assert_error(client.post("/api/v1/cohorts", json=payload), 401, "unauthorized")
    for person in (official, tutor):
        assert_error(client.post("/api/v1/cohorts", headers=bearer(person), json=payload), 403,
                     "forbidden")
        assert_error(client.patch(f"/api/v1/cohorts/{cohort.id}", headers=bearer(person),
                                  json={"name": "Y"}), 403, "forbidden")
    assert db.session.scalar(sa.select(sa.func.count(Cohort.id))) == 1


# --- enrolments --------------------------------------------------------------------------------

def test_create_enrolment_is_idempotent(client, bearer, manager, cohort, official):
    headers = bearer(manager)
    payload = {"cohort_id": cohort.id, "person_id": official.id}
    first = client.post("/api/v1/enrolments", headers=headers, json=payload)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "active" and first.json["person"]["email"] == official.email
    again = client.post("/api/v1/enrolments", headers=headers, json=payload)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    enrolments.set_enrolment_status(db.session.get(Enrolment, first.json["id"]), "withdrawn")
    db.session.commit()
    reactivated = client.post("/api/v1/enrolments", headers=headers, json=payload)
    assert reactivated.status_code == 200 and reactivated.json["status"] == "active"
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 1


def test_create_enrolment_validation(client, bearer, manager, cohort, official):
    headers = bearer(manager)
    body = assert_error(client.post("/api/v1/enrolments", headers=headers, json={}), 422,
                        "validation_error")
    assert set(body["errors"]) == {"cohort_id", "person_id"}
    body = assert_error(client.post("/api/v1/enrolments", headers=headers,
                                    json={"cohort_id": 999999, "person_id": official.id}),
                        422, "validation_error")
    assert set(body["errors"]) == {"cohort_id"}


def test_patch_enrolment_status(client, bearer, manager, enrolled):
    headers = bearer(manager)
    response = client.patch(f"/api/v1/enrolments/{enrolled.id}", headers=headers,
                            json={"status": "inactive"})
    assert response.status_code == 200 and response.json["status"] == "inactive"
    db.session.expire_all()
    assert enrolled.status is EnrolmentStatus.INACTIVE
    body = assert_error(client.patch(f"/api/v1/enrolments/{enrolled.id}", headers=headers,
                                     json={"status": "graduated"}), 422, "validation_error")
    assert set(body["errors"]) == {"status"}
    assert_error(client.patch("/api/v1/enrolments/999999", headers=headers,
                              json={"status": "active"}), 404, "not_found")


def test_list_enrolments_by_role(client, bearer, manager, tutor, official, cohort, other_cohort,
                                 enrolled):
    elsewhere = enrol(other_cohort, make_person())
    classmate = enrol(cohort, make_person())
    enrolments.set_enrolment_status(classmate, EnrolmentStatus.WITHDRAWN)
    db.session.commit()

    def ids(person, query=""):
        response = client.get(f"/api/v1/enrolments{query}", headers=bearer(person))
        assert response.status_code == 200, response.json
        return {e["id"] for e in response.json}

    assert ids(manager) == {enrolled.id, elsewhere.id, classmate.id}
    assert ids(manager, f"?cohort_id={other_cohort.id}") == {elsewhere.id}
    assert ids(manager, f"?person_id={official.id}") == {enrolled.id}
    assert ids(manager, "?status=withdrawn") == {classmate.id}
    assert ids(tutor) == {enrolled.id, classmate.id}
    assert ids(tutor, f"?cohort_id={other_cohort.id}") == set()
    assert ids(official) == {enrolled.id}
    assert_error(client.get("/api/v1/enrolments?status=graduated", headers=bearer(manager)),
                 422, "validation_error")
