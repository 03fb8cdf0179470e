"""Each session keeps its venue's time zone: defaulted from the venue's municipality as people's
zones are, chosen in the staff form, and used to show the session at its venue's local time
with the reader's own time beside it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import flask_migrate
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from certify.attendance import services
from certify.attendance.formatting import session_when
from certify.attendance.models import InPersonSession
from certify.core.errors import ValidationError
from certify.core.timezones import force_timezone
from certify.extensions import db
from tests.accounts.test_time_zones import TUESDAY, plain  # 8:00 in Manaus, 9:00 in Santiago
from tests.attendance.conftest import in_person, make_programme, make_session
from tests.attendance.test_views import session_form
from tests.conftest import make_app
from tests.core.test_migrations import migrated_url  # noqa: F401 (a fixture)
from tests.factories import make_cohort, make_municipality


@pytest.mark.parametrize(("country", "region", "zone"), [
    ("PY", "Central", "America/Asuncion"), ("BR", "Amazonas", "America/Manaus"),
    ("BR", "Rio Grande do Sul", "America/Sao_Paulo"), ("UY", "Rivera", "America/Montevideo"),
])
def test_a_session_takes_the_zone_of_its_venue_municipality(cohort, country, region, zone):
    venue = make_municipality(country=country, region=region)
    session = make_session(cohort, venue_municipality=venue)
    assert session.venue_municipality == venue and session.time_zone == zone
    # With no venue municipality, the programme's zone; a zone chosen by staff wins.
    assert make_session(cohort).time_zone == "America/Santiago"
    chosen = make_session(cohort, venue_municipality=venue, time_zone="America/Cuiaba")
    assert chosen.time_zone == "America/Cuiaba"
    services.update_session(chosen, time_zone="")  # emptied: the municipality's again
    assert chosen.time_zone == zone


def test_an_unknown_zone_is_refused(cohort, session):
    with pytest.raises(ValidationError) as refused:
        services.update_session(session, time_zone="Mars/Olympus")
    assert "time_zone" in refused.value.errors and session.time_zone == "America/Santiago"


def test_a_session_reads_at_its_venue_time_and_the_readers_own(app, cohort):
    parintins = make_municipality("Parintins", country="BR", region="Amazonas")
    session = make_session(cohort, venue_municipality=parintins)
    services.update_session(session, starts_at=TUESDAY, ends_at=TUESDAY + timedelta(hours=8))
    with app.test_request_context():
        with force_timezone("America/Manaus"), force_locale("en"):
            assert plain(session_when(session)) == \
                "Tuesday, October 6, 2026, 8:00 AM – 4:00 PM in Parintins (Amazon Time)"
        with force_timezone("America/Santiago"), force_locale("en"):
            assert plain(session_when(session)) == (
                "Tuesday, October 6, 2026, 8:00 AM – 4:00 PM in Parintins (Amazon Time); "
                "October 6, 2026, 9:00 AM – 5:00 PM your time (Chile Time)")
        with force_timezone("America/Santiago"), force_locale("es"):
            assert plain(session_when(session)) == (
                "martes, 6 de octubre de 2026, 8:00 – 16:00 en Parintins (hora del Amazonas); "
                "6 de octubre de 2026, 9:00 – 17:00 en tu hora (hora de Chile)")
        with force_timezone("America/Santiago"), force_locale("pt_BR"):
            assert "08:00 – 16:00 em Parintins (Horário do Amazonas); " \
                in plain(session_when(session))
        # Without a venue municipality, the city that names the zone, in the reader's language.
        session.venue_municipality = None
        with force_timezone("America/Santiago"), force_locale("es"):
            assert "16:00 en Manaos (hora del Amazonas); " in plain(session_when(session))


@pytest.mark.one_database
def test_staff_type_the_times_at_the_venue_clock(client, login_as, manager, cohort):
    login_as(manager)
    manaus = make_municipality("Manaus", country="BR", region="Amazonas")
    form = client.get("/sessions/new?lang=en")
    assert "Venue time zone" in form.text and "Manaus (BR)" in form.text
    response = client.post("/sessions/new", data=session_form(
        cohort, venue_municipality_id=manaus.id, time_zone=""))
    assert response.status_code == 302
    session = db.session.scalar(sa.select(InPersonSession))
    # 9:00 in Manaus (UTC-4), not in Santiago.
    assert session.time_zone == "America/Manaus"
    assert session.starts_at == datetime(2026, 10, 6, 13, 0, tzinfo=UTC)
    edit = client.get(f"/sessions/{session.id}/edit")
    assert 'value="2026-10-06T09:00"' in edit.text
    response = client.post(f"/sessions/{session.id}/edit", data=session_form(
        cohort, venue_municipality_id=manaus.id, time_zone="America/Asuncion"))
    assert response.status_code == 302 and session.time_zone == "America/Asuncion"
    assert session.starts_at == datetime(2026, 10, 6, 12, 0, tzinfo=UTC)  # Asunción is UTC-3
    refused = client.post(f"/sessions/{session.id}/edit", data=session_form(
        cohort, time_zone="Mars/Olympus"))
    assert refused.status_code == 422 and session.time_zone == "America/Asuncion"
    assert in_person(cohort.programme).id == session.module_id


@pytest.mark.committing
def test_the_migration_gives_existing_sessions_the_programme_zone(migrated_url,  # noqa: F811
                                                                   tmp_path):
    migrated = make_app(migrated_url, str(tmp_path / "instance"))
    with migrated.app_context():
        flask_migrate.upgrade()
        make_session(make_cohort(make_programme("MIG"), "Cohorte MIG"),
                     venue_municipality=make_municipality(country="BR", region="Amazonas"))
        db.session.close()
        flask_migrate.downgrade(revision="e5a1c9d3b7f4")  # the sessions from before the zone
        flask_migrate.upgrade()
        backfilled = db.session.execute(
            sa.select(InPersonSession.time_zone, InPersonSession.venue_municipality_id)).one()
        db.session.close()
        db.engine.dispose()
    # They were scheduled and typed in the programme's zone: they keep reading as they did.
    assert backfilled == ("America/Santiago", None)


def test_the_api_sets_and_shows_the_venue_zone(client, bearer, manager, cohort, session):
    response = client.patch(f"/api/v1/sessions/{session.id}", headers=bearer(manager),
                            json={"time_zone": "America/Asuncion"})
    assert response.status_code == 200 and response.json["time_zone"] == "America/Asuncion"
    refused = client.patch(f"/api/v1/sessions/{session.id}", headers=bearer(manager),
                           json={"time_zone": "Mars/Olympus"})
    assert refused.status_code == 422 and "time_zone" in refused.json["errors"]
    assert session.time_zone == "America/Asuncion"
