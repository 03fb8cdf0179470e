"""Verifications answered before Flask from kept responses (certificates.kept_answers): the same
answer Flask gives, with this request's time, limits, count and log line, and never stale."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest

from certify.certificates import api, public_views, verification
from certify.certificates.counting import pending_count
from certify.certificates.issuing import revoke
from certify.extensions import db, limiter
from tests.concurrency import committed_certificate
from tests.conftest import make_app

NOW = datetime(2026, 12, 11, 18, 30, 5, tzinfo=UTC)
PER_REQUEST = {"X-Request-ID", "X-RateLimit-Remaining"}


@pytest.fixture
def judged(monkeypatch):
    """How many verdicts the views judged: what the edge answers never reaches them."""
    calls = []
    for module in (public_views, api):
        original = module.judge
        monkeypatch.setattr(module, "judge",
                            lambda reading, _original=original: calls.append(1) or
                            _original(reading))
    return calls


@pytest.fixture
def clock(monkeypatch):
    """The time verifications are checked at; move it with ``clock.now = ...``."""

    class Clock:
        now = NOW

    monkeypatch.setattr(verification, "utcnow", lambda: Clock.now)
    return Clock


def _same_answer(first, second) -> None:
    assert second.status_code == first.status_code
    assert {key: value for key, value in second.headers.items() if key not in PER_REQUEST} == \
           {key: value for key, value in first.headers.items() if key not in PER_REQUEST}
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]


@pytest.mark.parametrize("language", ["es", "pt-BR,pt;q=0.9", "en-GB"])
def test_a_second_scan_gets_flasks_answer_without_flask(client, issued, judged, clock,
                                                         language):
    page = f"/v/{issued.qr_token}"
    headers = {"Accept-Language": language}
    first = client.get(page, headers=headers)
    second = client.get(page, headers=headers)
    assert len(judged) == 1
    _same_answer(first, second)
    assert second.data == first.data
    assert second.headers["Referrer-Policy"] == "no-referrer"  # its address holds a token
    assert pending_count() == 2  # both counted on the certificate


def test_the_json_answer_states_each_requests_time(client, issued, judged, clock):
    address = f"/api/v1/verify/{issued.serial}?t={issued.qr_token}"
    first = client.get(address)
    clock.now = NOW + timedelta(seconds=7)
    second = client.get(address)
    assert len(judged) == 1
    _same_answer(first, second)
    assert second.get_json() == {**first.get_json(), "checked_at": clock.now.isoformat()}


def test_a_page_in_a_new_minute_is_checked_in_that_minute(client, issued, judged, clock):
    page = f"/v/{issued.qr_token}?lang=en"
    first = client.get(page)
    clock.now = NOW + timedelta(minutes=1)
    later = client.get(page)  # this minute's words are not known yet: Flask writes them
    assert len(judged) == 2
    clock.now = NOW + timedelta(minutes=1, seconds=30)
    again = client.get(page)
    assert len(judged) == 2 and again.data == later.data
    checked = [re.search(r"Checked on ([^<]*)\.", answer.text).group(1) for answer in (first, later)]
    assert [text[-7:-3] for text in checked] == ["3:30", "3:31"], checked  # Santiago: UTC-3


def test_languages_and_addresses_are_kept_apart(client, issued, judged, clock):
    page = f"/v/{issued.qr_token}"
    spanish = client.get(page, headers={"Accept-Language": "es-CL"})
    portuguese = client.get(page, headers={"Accept-Language": "pt-BR"})
    english = client.get(f"{page}?lang=en", headers={"Accept-Language": "pt-BR"})
    assert len(judged) == 3
    assert 'lang="es"' in spanish.text and 'lang="pt-BR"' in portuguese.text
    assert 'lang="en"' in english.text
    assert client.get(page, headers={"Accept-Language": "pt-BR"}).data == portuguese.data
    assert len(judged) == 3


def test_a_revocation_shows_at_once(client, world, issued, judged, clock):
    page, address = f"/v/{issued.qr_token}?lang=en", f"/api/v1/verify/{issued.serial}"
    assert "Valid" in client.get(page).text and client.get(address).get_json()["valid"]
    revoke(issued, reason="issued_in_error", actor=world.manager)
    db.session.flush()
    assert "Revoked" in client.get(page).text
    assert client.get(address).get_json()["state"] == "REVOKED"
    assert len(judged) == 4


def test_a_signed_in_person_is_answered_by_flask(client, login_as, world, issued, judged, clock):
    login_as(world.manager)
    page = f"/v/{issued.qr_token}"
    client.get(page)
    client.get(page)
    assert len(judged) == 2


def test_only_what_may_be_kept_is_kept(client, issued, judged, clock):
    tampered = issued.qr_token[:-1] + ("1" if issued.qr_token[-1] != "1" else "2")
    for address in ("/v/0000-0000-0000", f"/v/{tampered}", "/v/K7QM-3XDA-9PFU"):
        client.get(address)
        client.get(address)
    assert len(judged) == 6


def test_kept_answers_write_the_request_line(client, issued, clock, caplog):
    page = f"/v/{issued.qr_token}"
    client.get(page)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="certify.request"):
        response = client.get(page, headers={"X-Request-ID": "proxy-given-id-1"})
    lines = [record for record in caplog.records if record.name == "certify.request"]
    [line] = lines
    assert line.getMessage().startswith("GET /v/<serial> 200 ")
    assert line.request_id == "proxy-given-id-1" == response.headers["X-Request-ID"]
    assert issued.qr_token not in line.getMessage()


@pytest.mark.committing  # its own app with limits on, and a certificate it can see
def test_kept_answers_count_against_the_limit(app, tmp_path, clock):
    limited = make_app(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                       RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute")
    try:
        with committed_certificate(limited, "KEPTLIMIT", "Limitada") as ids:
            client = limited.test_client()
            for address in (f"/v/{ids['qr_token']}", f"/api/v1/verify/{ids['serial']}"):
                answers = [client.get(address) for _ in range(4)]
                assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
                assert [answer.headers.get("X-RateLimit-Remaining")
                        for answer in answers[:3]] == ["2", "1", "0"]
                assert int(answers[-1].headers["Retry-After"]) > 0
    finally:
        with limited.app_context():
            db.engine.dispose()
        limiter.init_app(app)  # one limiter for the process: back to the test app's settings


def test_other_requests_pass_through_unbuffered(app):
    """Only verifications are read whole: a download or an export still streams."""
    from werkzeug.test import EnvironBuilder

    answer = app.wsgi_app(EnvironBuilder(path="/healthz").get_environ(), lambda *_args: None)
    try:
        assert not isinstance(answer, list)  # Flask's own iterable, not a buffered body
    finally:
        answer.close()
