"""The API of project groups and the schedule: /api/v1/cohorts/<id>/groups, /api/v1/groups/<id>/
members, /api/v1/cohorts/<id>/schedule, and the project deadline on PATCH /api/v1/cohorts/<id>."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from certify.cohorts import enrolments, groups, schedule
from certify.cohorts.models import GroupMembership, ProjectGroup
from certify.extensions import db
from tests.cohorts.conftest import make_cohort
from tests.cohorts.test_api import assert_error
from tests.factories import enrol, make_municipality, make_person


@pytest.fixture
def ana(cohort):
    place = make_municipality("Melipeuco")
    return enrol(cohort, make_person(given_names="Ana", family_names="Lagos",
                                     email="ana@example.org", municipality=place)).person


@pytest.fixture
def first(cohort, tutor, ana):
    group = groups.create_group(cohort, "Grupo 1", by=tutor)
    groups.add_member(group, ana, by=tutor)
    db.session.commit()
    return group


def test_list_groups_with_their_members(client, bearer, tutor, cohort, first, ana):
    groups.create_group(cohort, "Grupo 2", by=tutor)
    db.session.commit()
    body = client.get(f"/api/v1/cohorts/{cohort.id}/groups", headers=bearer(tutor)).json
    assert [g["name"] for g in body] == ["Grupo 1", "Grupo 2"]
    assert body[1]["members"] == []
    listed = body[0]
    assert listed["id"] == first.id and listed["cohort_id"] == cohort.id
    assert listed["created_at"].endswith("+00:00")
    member = listed["members"][0]
    assert {key: member[key] for key in ("id", "given_names", "family_names", "email")} == {
        "id": ana.id, "given_names": "Ana", "family_names": "Lagos", "email": "ana@example.org"}
    assert member["municipality"]["name"] == "Melipeuco"
    assert member["municipality"]["country"]["code"] == "CL"


def test_create_group(client, bearer, tutor, cohort, first):
    headers = bearer(tutor)
    response = client.post(f"/api/v1/cohorts/{cohort.id}/groups", headers=headers,
                           json={"name": "Equipo Sur"})
    assert response.status_code == 201
    assert response.json["name"] == "Equipo Sur" and response.json["members"] == []
    body = assert_error(client.post(f"/api/v1/cohorts/{cohort.id}/groups", headers=headers,
                                    json={"name": "grupo 1"}), 409, "conflict")
    assert "name" in body["errors"]
    body = assert_error(client.post(f"/api/v1/cohorts/{cohort.id}/groups", headers=headers,
                                    json={"name": ""}), 422, "validation_error")
    assert "name" in body["errors"]
    assert_error(client.post(f"/api/v1/cohorts/{cohort.id}/groups", headers=headers, json={}),
                 422, "validation_error")
    assert_error(client.post("/api/v1/cohorts/999999/groups", headers=headers,
                             json={"name": "X"}), 404, "not_found")
    assert db.session.scalar(sa.select(sa.func.count(ProjectGroup.id))) == 2


def test_add_a_member_then_again(client, bearer, tutor, cohort, first):
    newcomer = enrol(cohort, make_person()).person
    headers = bearer(tutor)
    url = f"/api/v1/groups/{first.id}/members"
    response = client.post(url, headers=headers, json={"person_id": newcomer.id})
    assert response.status_code == 201
    assert response.json["group_id"] == first.id and response.json["person_id"] == newcomer.id
    assert response.json["left_at"] is None and response.json["moved_by_id"] == tutor.id
    again = client.post(url, headers=headers, json={"person_id": newcomer.id})
    assert again.status_code == 200 and again.json["id"] == response.json["id"]


def test_moving_through_the_api_needs_a_reason(client, bearer, manager, tutor, cohort, first,
                                               ana):
    second = groups.create_group(cohort, "Grupo 2", by=tutor)
    db.session.commit()
    headers = bearer(manager)
    url = f"/api/v1/groups/{second.id}/members"
    body = assert_error(client.post(url, headers=headers, json={"person_id": ana.id}), 422,
                        "validation_error")
    assert "reason" in body["errors"]
    response = client.post(url, headers=headers,
                           json={"person_id": ana.id, "reason": "Equilibrar municipios"})
    assert response.status_code == 201 and response.json["reason"] == "Equilibrar municipios"
    assert groups.current_group(ana, cohort) == second
    assert db.session.scalar(sa.select(sa.func.count(GroupMembership.id)).where(
        GroupMembership.person_id == ana.id)) == 2


def test_add_member_explains_who_cannot_join(client, bearer, tutor, cohort, other_cohort,
                                             first):
    headers = bearer(tutor)
    url = f"/api/v1/groups/{first.id}/members"
    outsider = make_person()
    enrol(other_cohort, outsider)
    withdrawn = enrol(cohort, make_person())
    enrolments.set_enrolment_status(withdrawn, "withdrawn")
    db.session.commit()
    for person_id in (outsider.id, withdrawn.person_id, 999999):
        body = assert_error(client.post(url, headers=headers, json={"person_id": person_id}),
                            422, "validation_error")
        assert "person_id" in body["errors"]
    body = assert_error(client.post(url, headers=headers, json={"person_id": "7"}), 422,
                        "validation_error")
    assert "person_id" in body["errors"]
    body = assert_error(client.post(url, headers=headers,
                                    json={"person_id": outsider.id, "reason": "x" * 1001}),
                        422, "validation_error")
    assert "reason" in body["errors"]
    assert_error(client.post("/api/v1/groups/999999/members", headers=headers,
                             json={"person_id": outsider.id}), 404, "not_found")


def test_the_schedule(client, bearer, official, programme, tutor):
    cohort = make_cohort(programme, "Cohorte con calendario", tutors=[tutor])
    enrol(cohort, official)
    m1 = programme.modules[0]
    schedule.set_module_dates(cohort, m1, opens_on=date(2026, 3, 2), due_on=date(2026, 3, 29))
    db.session.commit()
    body = client.get(f"/api/v1/cohorts/{cohort.id}/schedule", headers=bearer(official)).json
    assert body["cohort_id"] == cohort.id and body["project_due_at"] is None
    assert [m["code"] for m in body["modules"]] == ["M1", "M2", "M3", "M4", "M5"]
    assert body["modules"][0] == {
        "module_id": m1.id, "code": "M1", "title": m1.title, "kind": "virtual",
        "opens_on": "2026-03-02", "due_on": "2026-03-29"}
    assert body["modules"][4]["kind"] == "in_person" and body["modules"][4]["due_on"] is None


def test_patch_sets_the_project_deadline(client, bearer, manager, cohort):
    headers = bearer(manager)
    url = f"/api/v1/cohorts/{cohort.id}"
    response = client.patch(url, headers=headers,
                            json={"project_due_at": "2026-07-10T18:00:00-04:00"})
    assert response.status_code == 200
    assert response.json["project_due_at"] == "2026-07-10T22:00:00+00:00"
    schedule_body = client.get(f"{url}/schedule", headers=headers).json
    assert schedule_body["project_due_at"] == "2026-07-10T22:00:00+00:00"
    for bad in ("2026-07-10T18:00:00", "mañana"):  # no time zone; not a date
        body = assert_error(client.patch(url, headers=headers, json={"project_due_at": bad}),
                            422, "validation_error")
        assert "project_due_at" in body["errors"]
    body = assert_error(client.patch(url, headers=headers, json={
        "project_due_at": "2027-01-10T18:00:00+00:00"}), 422, "validation_error")
    assert "project_due_at" in body["errors"]
    # The deadline is checked against the dates sent with it, and nothing is half-saved.
    body = assert_error(client.patch(url, headers=headers, json={
        "name": "Otro nombre", "ends_on": "2026-06-30",
        "project_due_at": "2026-07-10T18:00:00+00:00"}), 422, "validation_error")
    db.session.expire_all()
    assert cohort.name == "Cohorte Araucanía 2026" and cohort.ends_on == date(2026, 7, 31)
    cleared = client.patch(url, headers=headers, json={"project_due_at": None})
    assert cleared.status_code == 200 and cleared.json["project_due_at"] is None
