"""Each person's time zone: defaulted from where they work, chosen on the account page, and
used by deadlines, session times and e-mails; the API keeps UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from certify.attendance import services as attendance
from certify.attendance.formatting import session_when
from certify.core.timezones import (
    deadline,
    force_timezone,
    from_programme_wall_clock,
    zone_for_place,
)
from certify.extensions import db
from tests.attendance.conftest import in_person, make_programme, make_session, outbox
from tests.factories import enrol, make_cohort, make_municipality, make_person

TUESDAY = datetime(2026, 10, 6, 12, 0, tzinfo=UTC)  # 9:00 in Santiago, 8:00 in Manaus


def plain(text: str) -> str:
    """CLDR puts a narrow no-break space before AM/PM."""
    return text.replace("\u202f", " ")


@pytest.mark.parametrize(("country", "region", "zone"), [
    ("CL", "Araucanía", "America/Santiago"), ("CL", "Magallanes", "America/Punta_Arenas"),
    ("UY", "Cerro Largo", "America/Montevideo"), ("PY", "Misiones", "America/Asuncion"),
    ("BR", "Rio Grande do Sul", "America/Sao_Paulo"), ("BR", "Amazonas", "America/Manaus"),
])
def test_a_person_reads_in_the_zone_of_their_municipality_until_they_choose(country, region,
                                                                             zone):
    assert zone_for_place(country, region) == zone
    person = make_person(municipality=make_municipality(country=country, region=region))
    assert person.time_zone is None and person.zone_name == zone
    person.time_zone = "UTC"
    assert person.zone_name == "UTC"


def test_the_account_page_offers_and_saves_the_zone(client, login_as):
    person = login_as(make_person(municipality=make_municipality(country="PY", region="Misiones")))
    page = client.get("/account?lang=en").text
    assert '<option selected value="America/Asuncion">' in page and "Paraguay Time" in page
    response = client.post("/account", data={"prefs-preferred_locale": "en",
                                             "prefs-time_zone": "America/Manaus"})
    assert response.status_code == 302 and person.time_zone == "America/Manaus"
    refused = client.post("/account", data={"prefs-preferred_locale": "en",
                                            "prefs-time_zone": "Mars/Olympus"})
    assert refused.status_code == 422 and person.time_zone == "America/Manaus"


def test_a_deadline_at_the_end_of_a_day_reads_as_the_day_in_every_zone(app):
    end_of_day = datetime(2026, 11, 6, 23, 59, 59)  # typed in the programme's zone, as staff do
    with app.test_request_context(), force_locale("es"):
        due = from_programme_wall_clock(end_of_day)
        for zone in ("America/Asuncion", "America/Manaus", "Europe/Madrid"):
            with force_timezone(zone):
                assert deadline(due) == "viernes, 6 de noviembre de 2026"
        afternoon = due - timedelta(hours=9, minutes=59, seconds=59)  # 14:00 in Santiago
        with force_timezone("America/Manaus"), force_locale("en"):
            assert plain(deadline(afternoon)) == "Nov 6, 2026, 1:00:00 PM (Amazon Time)"


def test_a_session_shows_the_venue_time_and_the_readers_own(app, tutor):
    cohort = make_cohort(make_programme("TZ"), "Cohorte TZ", tutors=[tutor])
    session = make_session(cohort)
    attendance.update_session(session, starts_at=TUESDAY, ends_at=TUESDAY + timedelta(hours=8))
    with app.test_request_context(), force_locale("en"):
        with force_timezone("America/Santiago"):
            assert plain(session_when(session)) == \
                "Tuesday, October 6, 2026, 9:00 AM – 5:00 PM in Santiago (Chile Time)"
        with force_timezone("America/Manaus"):
            assert plain(session_when(session)) == (
                "Tuesday, October 6, 2026, 9:00 AM – 5:00 PM in Santiago (Chile Time); "
                "October 6, 2026, 8:00 AM – 4:00 PM your time (Amazon Time)")
    assert in_person(cohort.programme).code


def test_the_ticket_e_mail_is_in_the_recipients_zone(tutor):
    cohort = make_cohort(make_programme("TZM"), "Cohorte TZM", tutors=[tutor])
    session = make_session(cohort)
    attendance.update_session(session, starts_at=TUESDAY, ends_at=TUESDAY + timedelta(hours=8))
    person = make_person(preferred_locale="pt_BR",
                         municipality=make_municipality(country="BR", region="Amazonas"))
    enrol(cohort, person)
    attendance.register(session, person, now=TUESDAY - timedelta(days=7))
    db.session.commit()
    [message] = outbox(person.email)
    assert "08:00 – 16:00 no seu horário (Horário do Amazonas)" in message.text_body


def test_the_api_keeps_utc_whatever_the_readers_zone(client, bearer, manager):
    manager.time_zone = "America/Manaus"
    cohort = make_cohort(make_programme("TZA"), "Cohorte TZA")
    session = make_session(cohort)
    attendance.update_session(session, starts_at=TUESDAY, ends_at=TUESDAY + timedelta(hours=8))
    db.session.commit()
    body = client.get(f"/api/v1/sessions/{session.id}", headers=bearer(manager)).json
    assert body["starts_at"] in ("2026-10-06T12:00:00+00:00", "2026-10-06T12:00:00Z")
