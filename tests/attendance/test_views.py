"""The pages: scheduling sessions, registering and tickets, and check-in at the door."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person
from certify.attendance import services
from certify.attendance.models import (
    AttendanceStatus,
    CheckIn,
    InPersonSession,
    RegistrationStatus,
)
from certify.extensions import db
from tests.attendance.conftest import in_person, make_programme, make_session, outbox
from tests.factories import make_municipality

# Pages render what the services (tested on both databases) return: SQLite only.
pytestmark = pytest.mark.one_database


def register(session, person):
    registration = services.register(session, person)
    db.session.commit()
    return registration


@pytest.fixture
def started(cohort):
    return make_session(cohort, title="En curso", starts_in=-timedelta(minutes=5))


# --- scheduling (managers) ---------------------------------------------------------------------

def session_form(cohort, **changes) -> dict:
    values = {"cohort_id": cohort.id, "module_id": in_person(cohort.programme).id,
              "title": "Santiago, día 1", "starts_at": "2026-10-06T09:00",
              "ends_at": "2026-10-06T17:30", "venue": "Centro Cultural La Moneda",
              "capacity": "40", "registration_open": "y"}
    values.update(changes)
    return values


def test_a_manager_schedules_a_session_in_santiago_time(client, login_as, manager, cohort):
    login_as(manager)
    form = client.get("/sessions/new")
    assert form.status_code == 200 and cohort.name in form.text
    response = client.post("/sessions/new", data=session_form(cohort))
    session = db.session.scalar(sa.select(InPersonSession))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sessions/{session.id}"
    # October is summer time in Chile (UTC-3).
    assert session.starts_at == datetime(2026, 10, 6, 12, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2026, 10, 6, 20, 30, tzinfo=UTC)
    assert session.capacity == 40 and session.registration_open


def test_bad_session_details_come_back_with_their_errors(client, login_as, manager, cohort):
    login_as(manager)
    elsewhere = make_programme("OTRO")
    response = client.post("/sessions/new?lang=en", data=session_form(
        cohort, ends_at="2026-10-06T08:00", capacity="0", title=""))
    assert response.status_code == 422
    assert "The session must end after it starts." in response.text
    assert "This field is required." in response.text
    response = client.post("/sessions/new?lang=en", data=session_form(
        cohort, module_id=in_person(elsewhere).id))
    assert response.status_code == 422
    assert "This module is not part of the cohort&#39;s programme." in response.text
    assert db.session.scalar(sa.select(sa.func.count(InPersonSession.id))) == 0


def test_a_manager_edits_a_session(client, login_as, manager, session):
    services.update_session(session, starts_at=datetime(2026, 10, 6, 12, 0, tzinfo=UTC),
                            ends_at=datetime(2026, 10, 6, 20, 30, tzinfo=UTC))
    db.session.commit()
    login_as(manager)
    page = client.get(f"/sessions/{session.id}/edit")
    assert page.status_code == 200 and session.title in page.text
    assert 'value="2026-10-06T09:00"' in page.text and 'value="2026-10-06T17:30"' in page.text
    response = client.post(f"/sessions/{session.id}/edit", data={
        "title": "Santiago, día 2", "starts_at": "2026-10-07T09:00",
        "ends_at": "2026-10-07T13:00", "venue": "GAM", "capacity": "12"})
    assert response.status_code == 302
    assert session.title == "Santiago, día 2" and session.capacity == 12
    assert not session.registration_open  # an unticked box closes registration


# --- registering and tickets (officials) -------------------------------------------------------

def test_an_official_sees_the_cohort_s_sessions(client, login_as, enrolled, session,
                                                other_cohort):
    make_session(other_cohort, title="De otra cohorte")
    login_as(enrolled)
    page = client.get("/sessions")
    assert page.status_code == 200
    assert session.title in page.text and "De otra cohorte" not in page.text
    detail = client.get(f"/sessions/{session.id}")
    assert detail.status_code == 200
    assert f'action="/sessions/{session.id}/register"' in detail.text
    assert "Check-in" not in client.get(f"/sessions/{session.id}?lang=en").text


def test_registering_leads_to_the_ticket(client, login_as, enrolled, session):
    login_as(enrolled)
    response = client.post(f"/sessions/{session.id}/register")
    registration = services.find_registration(session, enrolled)
    assert registration.status is RegistrationStatus.CONFIRMED
    assert response.headers["Location"] == f"/registrations/{registration.id}/ticket"
    ticket = client.get(response.headers["Location"])
    assert ticket.status_code == 200 and ticket.headers["Cache-Control"] == "no-store"
    assert "<svg" in ticket.text and 'class="qr"' in ticket.text
    assert enrolled.full_name in ticket.text
    assert len(outbox(enrolled.email)) == 1


def test_a_full_session_puts_the_official_on_the_waitlist(client, login_as, cohort, officials):
    session = make_session(cohort, capacity=1)
    holder, waiting = officials(2)
    register(session, holder)
    login_as(waiting)
    response = client.post(f"/sessions/{session.id}/register?lang=en", follow_redirects=True)
    assert response.status_code == 200
    assert "you are number 1 on the waitlist" in response.text
    registration = services.find_registration(session, waiting)
    assert registration.status is RegistrationStatus.WAITLISTED
    assert client.get(f"/registrations/{registration.id}/ticket").status_code == 302


def test_a_closed_registration_is_explained(client, login_as, cohort, enrolled):
    session = make_session(cohort, registration_open=False)
    login_as(enrolled)
    response = client.post(f"/sessions/{session.id}/register?lang=en")
    assert response.status_code == 409
    assert "Registration for this session is closed." in response.text


def test_cancelling_gives_the_seat_to_the_waitlist(client, login_as, cohort, officials):
    session = make_session(cohort, capacity=1)
    holder, waiting = officials(2)
    registration = register(session, holder)
    register(session, waiting)
    login_as(holder)
    response = client.post(f"/registrations/{registration.id}/cancel")
    assert response.status_code == 302
    assert registration.status is RegistrationStatus.CANCELLED
    assert services.find_registration(session, waiting).status is RegistrationStatus.CONFIRMED


def test_another_person_s_ticket_does_not_exist_for_you(client, login_as, session, enrolled,
                                                        officials, manager):
    registration = register(session, enrolled)
    other, = officials(1)
    for person in (other, manager):
        login_as(person)
        assert client.get(f"/registrations/{registration.id}/ticket").status_code == 404
    login_as(other)
    assert client.post(f"/registrations/{registration.id}/cancel").status_code == 404
    assert registration.status is RegistrationStatus.CONFIRMED


# --- at the door (staff) -----------------------------------------------------------------------

def test_the_check_in_page_lists_seats_and_carries_the_scanner(client, login_as, tutor, started,
                                                               officials):
    ana, beto = officials(2)
    register_before(started, ana)
    register_before(started, beto)
    login_as(tutor)
    page = client.get(f"/sessions/{started.id}/check-in")
    assert page.status_code == 200
    assert ana.full_name in page.text and beto.full_name in page.text
    assert f'data-endpoint="/api/v1/sessions/{started.id}/check-ins"' in page.text
    assert "vendor/jsqr/jsQR.js" in page.text and 'data-csrf="' in page.text
    # The scanner's page alone may use the camera; its script is a static file (versioned
    # for caching), so the page needs no inline-script allowance: scripts from 'self' only.
    assert "camera=(self)" in page.headers["Permissions-Policy"]
    script = re.search(r'<script src="(/static/js/scanner\.js\?v=[0-9a-f]{12})"></script>',
                       page.text).group(1)
    assert "<script>" not in page.text and "<script nonce" not in page.text
    csp = dict(directive.split(" ", 1)
               for directive in page.headers["Content-Security-Policy"].split("; "))
    assert csp["script-src"] == "'self'"
    code = client.get(script)
    assert code.status_code == 200 and b"BarcodeDetector" in code.data
    assert "immutable" in code.headers["Cache-Control"]
    assert "camera=()" in client.get(f"/sessions/{started.id}").headers["Permissions-Policy"]
    found = client.get(f"/sessions/{started.id}/check-in?q={ana.given_names}")
    assert ana.full_name in found.text and beto.full_name not in found.text


def register_before(session, person):
    registration = services.register(session, person, now=session.starts_at - timedelta(days=1))
    db.session.commit()
    return registration


def test_one_tap_sets_a_status(client, login_as, tutor, started, enrolled):
    registration = register_before(started, enrolled)
    login_as(tutor)
    response = client.post(f"/sessions/{started.id}/check-in/attendance", data={
        "registration_id": registration.id, "status": "late", "q": "Persona"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sessions/{started.id}/check-in?q=Persona"
    assert registration.check_in.status is AttendanceStatus.LATE
    client.post(f"/sessions/{started.id}/check-in/attendance",
                data={"registration_id": registration.id, "status": "present"})
    assert registration.check_in.status is AttendanceStatus.PRESENT
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 1
    page = client.get(f"/sessions/{started.id}/check-in").text
    pressed = re.findall(r'value="(\w+)" class="status-\w+"\s+aria-pressed="true"', page)
    assert pressed == ["present"]


def test_a_bad_status_or_another_session_s_registration_is_refused(client, login_as, tutor,
                                                                    cohort, started, enrolled):
    registration = register_before(started, enrolled)
    login_as(tutor)
    assert client.post(f"/sessions/{started.id}/check-in/attendance", data={
        "registration_id": registration.id, "status": "no_show"}).status_code == 422
    other = make_session(cohort, title="Otra", starts_in=-timedelta(minutes=1))
    assert client.post(f"/sessions/{other.id}/check-in/attendance", data={
        "registration_id": registration.id, "status": "present"}).status_code == 404
    assert registration.check_in is None


def test_walk_ins_found_or_created_on_the_spot(client, login_as, tutor, started, officials):
    newcomer, = officials(1, given_names="Rosalía")
    municipality = make_municipality("Curarrehue")
    login_as(tutor)
    search = client.get(f"/sessions/{started.id}/check-in?walk_in_q=rosal")
    assert newcomer.email in search.text
    assert client.post(f"/sessions/{started.id}/walk-ins",
                       data={"person_id": newcomer.id}).status_code == 302
    assert services.find_registration(started, newcomer).walk_in

    response = client.post(f"/sessions/{started.id}/walk-ins/new", data={
        "given_names": "Pedro", "family_names": "Lefián", "email": "pedro@curarrehue.cl",
        "municipality_id": municipality.id})
    assert response.status_code == 302
    pedro = db.session.scalar(sa.select(Person).where(Person.email == "pedro@curarrehue.cl"))
    assert services.find_registration(started, pedro).check_in.status is AttendanceStatus.PRESENT
    figures = services.session_figures([started])[started.id]
    assert figures.walk_ins == 2 and figures.attended == 2


def test_a_new_walk_in_with_bad_details_comes_back_with_errors(client, login_as, tutor, started,
                                                              enrolled):
    municipality = make_municipality("Lonquimay")
    login_as(tutor)
    response = client.post(f"/sessions/{started.id}/walk-ins/new?lang=en", data={
        "given_names": "", "family_names": "Soto", "email": "not-an-email", "municipality_id": 0})
    assert response.status_code == 422 and "Invalid email address." in response.text
    response = client.post(f"/sessions/{started.id}/walk-ins/new?lang=en", data={
        "given_names": "Ana", "family_names": "Soto", "email": enrolled.email.upper(),
        "municipality_id": municipality.id})
    assert response.status_code == 422
    assert "Someone is already registered with this e-mail" in response.text
    assert services.session_figures([started])[started.id].walk_ins == 0


def test_closing_the_session(client, login_as, tutor, started, enrolled):
    register_before(started, enrolled)
    login_as(tutor)
    response = client.post(f"/sessions/{started.id}/close")
    assert response.status_code == 302 and started.closed_at is not None
    assert services.session_figures([started])[started.id].no_shows == 1
    page = client.get(f"/sessions/{started.id}/check-in")
    assert 'id="scanner"' not in page.text and 'id="walk-ins"' not in page.text
    assert client.post(f"/sessions/{started.id}/close").status_code == 409


def test_staff_see_figures_and_registrations_on_the_session_page(client, login_as, manager,
                                                                 started, enrolled):
    register_before(started, enrolled)
    login_as(manager)
    page = client.get(f"/sessions/{started.id}")
    assert enrolled.email in page.text and 'data-figure="registered">1<' in page.text


def test_pages_cost_the_same_queries_for_3_or_15_people(client, login_as, tutor, cohort,
                                                        officials, count_queries):
    def build(n: int) -> tuple[int, str]:
        session = make_session(cohort, title=f"Con {n}", capacity=n,
                               starts_in=-timedelta(minutes=5))
        for person in officials(n, municipality=make_municipality()):
            register_before(session, person)
            services.check_in_person(session, person, AttendanceStatus.PRESENT, by=tutor)
        services.add_walk_in(session, officials(1)[0], by=tutor)
        walk_ins = officials(n, given_names=f"Candidata{n}x", municipality=make_municipality())
        db.session.commit()
        return session.id, walk_ins[0].given_names

    def queries(session_id: int, candidates: str) -> dict[str, int]:
        counts = {}
        for name, url in (("check-in", f"/sessions/{session_id}/check-in?walk_in_q={candidates}"),
                          ("detail", f"/sessions/{session_id}"), ("index", "/sessions")):
            db.session.expunge_all()  # nothing cached: as in a fresh request in production
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts[name] = counter["n"]
        return counts

    small, large = build(3), build(15)
    login_as(tutor)
    assert queries(*small) == queries(*large)


def test_the_ticket_offers_cancelling_only_while_the_service_would_accept_it(
        client, login_as, tutor, enrolled, session):
    login_as(enrolled)
    client.post(f"/sessions/{session.id}/register")
    registration = services.find_registration(session, enrolled)
    ticket_url = f"/registrations/{registration.id}/ticket?lang=en"
    assert "or cancel your registration" in client.get(ticket_url).text
    assert services.can_cancel(registration)
    services.check_in_person(session, enrolled, AttendanceStatus.PRESENT, by=tutor)
    db.session.flush()
    assert not services.can_cancel(registration)
    page = client.get(ticket_url).text
    assert "or cancel your registration" not in page and "Session details" in page
    assert client.post(f"/registrations/{registration.id}/cancel").status_code in (302, 409)
    assert registration.status is RegistrationStatus.CONFIRMED


def test_nothing_is_cancellable_once_the_session_closed(enrolled, tutor, session):
    registration = services.register(session, enrolled)
    db.session.flush()
    session.closed_at = datetime.now(UTC)
    assert not services.can_cancel(registration)
