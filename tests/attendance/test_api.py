"""The attendance API: sessions, registrations, and the check-in endpoint the scanner calls."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from certify.attendance import services
from certify.attendance.models import InPersonSession, RegistrationStatus
from certify.extensions import db
from tests.attendance.conftest import in_person, make_programme, make_session


def assert_error(response, status: int, code: str) -> dict:
    """A JSON error in the house format."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"} and body["code"] == code, body
    assert body["message"]
    return body


def register_before(session, person):
    registration = services.register(session, person, now=session.starts_at - timedelta(days=1))
    db.session.commit()
    return registration


@pytest.fixture
def started(cohort):
    return make_session(cohort, title="En curso", starts_in=-timedelta(minutes=5))


# --- sessions ----------------------------------------------------------------------------------

def test_sessions_are_listed_to_those_who_may_see_them(client, bearer, manager, tutor, enrolled,
                                                       cohort, other_cohort, session):
    theirs = make_session(other_cohort, title="Uruguay", starts_in=timedelta(days=20))
    response = client.get("/api/v1/sessions?page_size=1", headers=bearer(manager))
    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    first = response.json[0]
    assert first == {
        "id": session.id, "cohort_id": cohort.id, "cohort_name": cohort.name,
        "module_id": session.module_id, "module_code": "M5", "title": session.title,
        "starts_at": first["starts_at"], "ends_at": first["ends_at"],
        "venue": session.venue, "time_zone": "America/Santiago", "capacity": 30,
        "registration_open": True, "closed_at": None,
    }
    assert [s["id"] for s in client.get("/api/v1/sessions", headers=bearer(tutor)).json] == [
        session.id]
    assert [s["id"] for s in client.get("/api/v1/sessions", headers=bearer(enrolled)).json] == [
        session.id]
    found = client.get(f"/api/v1/sessions?cohort_id={other_cohort.id}", headers=bearer(manager))
    assert [s["id"] for s in found.json] == [theirs.id]


def test_a_manager_creates_and_changes_a_session(client, bearer, manager, cohort):
    headers = bearer(manager)
    body = {"cohort_id": cohort.id, "module_id": in_person(cohort.programme).id,
            "title": "Santiago", "starts_at": "2026-10-06T09:00:00-03:00",
            "ends_at": "2026-10-06T17:30:00-03:00", "venue": "GAM", "capacity": 25}
    response = client.post("/api/v1/sessions", json=body, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["starts_at"].startswith("2026-10-06T12:00:00")
    session_id = response.json["id"]
    changed = client.patch(f"/api/v1/sessions/{session_id}",
                           json={"capacity": 30, "registration_open": False}, headers=headers)
    assert changed.status_code == 200
    assert changed.json["capacity"] == 30 and changed.json["registration_open"] is False


def test_bad_session_data_is_a_422_naming_the_fields(client, bearer, manager, cohort):
    headers = bearer(manager)
    body = {"cohort_id": cohort.id, "module_id": in_person(cohort.programme).id,
            "title": "Santiago", "starts_at": "2026-10-06T09:00:00",
            "ends_at": "2026-10-06T08:00:00-03:00", "venue": "GAM", "capacity": 0}
    errors = assert_error(client.post("/api/v1/sessions", json=body, headers=headers), 422,
                          "validation_error")["errors"]
    assert {"starts_at", "capacity"} <= set(errors)
    virtual = next(m for m in cohort.programme.modules if m.is_virtual)
    body.update(starts_at="2026-10-06T07:00:00-03:00", capacity=5, module_id=virtual.id)
    errors = assert_error(client.post("/api/v1/sessions", json=body, headers=headers), 422,
                          "validation_error")["errors"]
    assert set(errors) == {"module_id"}
    body.update(module_id=in_person(make_programme("OTRO")).id, cohort_id=999999)
    assert set(assert_error(client.post("/api/v1/sessions", json=body, headers=headers), 422,
                            "validation_error")["errors"]) == {"cohort_id"}
    assert db.session.query(InPersonSession).count() == 0


def test_capacity_below_the_seats_taken_is_refused(client, bearer, manager, cohort, officials):
    session = make_session(cohort, capacity=3)
    for person in officials(2):
        register_before(session, person)
    response = client.patch(f"/api/v1/sessions/{session.id}", json={"capacity": 1},
                            headers=bearer(manager))
    assert "capacity" in assert_error(response, 422, "validation_error")["errors"]


# --- registrations -----------------------------------------------------------------------------

def test_an_official_registers_gets_a_ticket_and_cancels(client, bearer, cohort, officials):
    session = make_session(cohort, capacity=1)
    holder, waiting = officials(2)

    response = client.post(f"/api/v1/sessions/{session.id}/registrations", headers=bearer(holder))
    assert response.status_code == 201
    mine = response.json
    assert mine["status"] == "confirmed" and mine["waitlist_position"] is None
    assert services.read_ticket(mine["ticket_token"], session).id == mine["id"]
    again = client.post(f"/api/v1/sessions/{session.id}/registrations", headers=bearer(holder))
    assert again.status_code == 200 and again.json["id"] == mine["id"]

    queued = client.post(f"/api/v1/sessions/{session.id}/registrations", headers=bearer(waiting))
    assert queued.status_code == 201
    assert queued.json["status"] == "waitlisted" and queued.json["waitlist_position"] == 1
    assert queued.json["ticket_token"] is None

    gone = client.delete(f"/api/v1/registrations/{mine['id']}", headers=bearer(holder))
    assert gone.status_code == 204
    promoted = services.find_registration(session, waiting)
    assert promoted.status is RegistrationStatus.CONFIRMED
    with pytest.raises(services.TicketRejected):
        services.read_ticket(mine["ticket_token"], session)
    assert client.delete(f"/api/v1/registrations/{mine['id']}",
                         headers=bearer(holder)).status_code == 204  # idempotent


def test_registration_refusals(client, bearer, cohort, enrolled, officials):
    closed = make_session(cohort, registration_open=False)
    assert_error(client.post(f"/api/v1/sessions/{closed.id}/registrations",
                             headers=bearer(enrolled)), 409, "conflict")
    assert_error(client.post("/api/v1/sessions/999999/registrations", headers=bearer(enrolled)),
                 404, "not_found")
    session = make_session(cohort)
    registration = register_before(session, enrolled)
    other, = officials(1)
    assert_error(client.delete(f"/api/v1/registrations/{registration.id}",
                               headers=bearer(other)), 404, "not_found")


def test_staff_list_registrations_with_their_check_ins(client, bearer, tutor, started, officials):
    ana, beto = officials(2)
    first = register_before(started, ana)
    register_before(started, beto)
    services.check_in_with_ticket(started, services.ticket_token(first), by=tutor)
    db.session.commit()
    response = client.get(f"/api/v1/sessions/{started.id}/registrations", headers=bearer(tutor))
    assert response.status_code == 200
    rows = {row["person"]["id"]: row for row in response.json}
    assert rows[ana.id]["check_in"]["status"] == "present"
    assert rows[ana.id]["check_in"]["method"] == "ticket"
    assert rows[beto.id]["check_in"] is None and rows[beto.id]["status"] == "confirmed"
    assert "ticket_token" not in rows[ana.id] and "ticket_code" not in rows[ana.id]
    found = client.get(f"/api/v1/sessions/{started.id}/registrations?q={beto.email}",
                       headers=bearer(tutor))
    assert [row["person"]["id"] for row in found.json] == [beto.id]


# --- check-in ----------------------------------------------------------------------------------

def test_a_scanned_ticket_checks_in_then_reports_the_second_scan(client, login_as, tutor,
                                                                 started, enrolled):
    token = services.ticket_token(register_before(started, enrolled))
    login_as(tutor)
    # As the check-in page's scanner does: the session cookie and the page's CSRF token.
    page = client.get(f"/sessions/{started.id}/check-in").text
    csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
    url = f"/api/v1/sessions/{started.id}/check-ins?lang=en"
    refused = client.post(url, json={"token": token})  # without the CSRF token
    assert refused.status_code == 400 and refused.json["message"]

    first = client.post(url, json={"token": token}, headers={"X-CSRFToken": csrf})
    second = client.post(url, json={"token": token}, headers={"X-CSRFToken": csrf})

    assert first.status_code == 201 and second.status_code == 200
    assert first.json["outcome"] == "checked_in" and first.json["status"] == "present"
    assert first.json["person"] == {"id": enrolled.id, "full_name": enrolled.full_name}
    assert first.json["message"] == f"{enrolled.full_name}: present."
    assert second.json["outcome"] == "already_checked_in"
    assert second.json["message"].startswith(f"{enrolled.full_name} was already checked in at ")
    assert services.session_figures([started])[started.id].attended == 1


def test_bad_tickets_are_refused_with_a_reason(client, bearer, tutor, cohort, started,
                                               enrolled):
    headers = bearer(tutor)
    url = f"/api/v1/sessions/{started.id}/check-ins?lang=en"
    other = make_session(cohort, title="Otra")
    token = services.ticket_token(register_before(other, enrolled))
    body = assert_error(client.post(url, json={"token": token}, headers=headers), 422,
                        "invalid_ticket")
    assert body["message"] == "This ticket is not valid for this session."
    assert "token" in body["errors"]
    assert_error(client.post(url, json={"token": token[:-3] + "xyz"}, headers=headers), 422,
                 "invalid_ticket")
    assert services.session_figures([started])[started.id].attended == 0


def test_checking_in_by_person_and_status(client, bearer, tutor, started, enrolled, officials):
    headers = bearer(tutor)
    url = f"/api/v1/sessions/{started.id}/check-ins"
    register_before(started, enrolled)
    created = client.post(url, json={"person_id": enrolled.id, "status": "late"}, headers=headers)
    assert created.status_code == 201 and created.json["status"] == "late"
    updated = client.post(url, json={"person_id": enrolled.id, "status": "excused"},
                          headers=headers)
    assert updated.status_code == 200 and updated.json["outcome"] == "updated"
    without_seat, = officials(1)
    assert_error(client.post(url, json={"person_id": without_seat.id, "status": "present"},
                             headers=headers), 404, "not_found")


@pytest.mark.parametrize("body, field", [
    ({}, "_schema"),
    ({"token": "abc", "person_id": 1, "status": "present"}, "_schema"),
    ({"person_id": 1}, "status"),
    ({"token": "abc", "status": "late"}, "status"),
    ({"person_id": 1, "status": "no_show"}, "status"),
    ({"person_id": "1", "status": "present"}, "person_id"),
    ({"token": "", }, "token"),
])
def test_malformed_check_ins_are_a_422(client, bearer, tutor, started, body, field):
    response = client.post(f"/api/v1/sessions/{started.id}/check-ins", json=body,
                           headers=bearer(tutor))
    assert field in assert_error(response, 422, "validation_error")["errors"]
