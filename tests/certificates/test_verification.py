"""Public verification: the verdicts, the page and its JSON twin, and no input that breaks them."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from certify.certificates.counting import flush_verification_counts
from certify.certificates.issuing import issue_programme_certificate, revoke, verify
from certify.certificates.models import Certificate
from certify.certificates.serials import ALPHABET
from certify.certificates.tokens import sign_certificate
from certify.certificates.verification import VerificationState
from certify.extensions import db, limiter
from tests.api.conftest import assert_house_error
from tests.certificates.conftest import T0, enrolled
from tests.conftest import make_app

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def mistyped(serial: str) -> str:
    """``serial`` with its last character changed: the check character no longer fits."""
    return serial[:-1] + ALPHABET[(ALPHABET.index(serial[-1]) + 1) % len(ALPHABET)]


def test_the_verdicts(world, issued):
    assert verify(issued.serial).state is VerificationState.VALID
    assert verify(issued.serial, issued.token).token_checked
    assert verify(issued.serial.lower().replace("-", "")).state is VerificationState.VALID
    other = issue_programme_certificate(enrolled(world.cohort), world.cohort, actor=None)
    assert verify(issued.serial, other.token).state is VerificationState.INVALID_SIGNATURE
    issued.expires_at = T0 + timedelta(days=365)
    sign_certificate(issued)  # as if issued with this expiry date
    assert verify(issued.serial, now=T0 + timedelta(days=366)).state is VerificationState.EXPIRED
    revoke(issued, reason="Error de datos", actor=world.manager)
    assert verify(issued.serial, now=T0 + timedelta(days=366)).state is VerificationState.REVOKED
    unknown = "0000-0000-000" + "0"
    assert verify(unknown).state is VerificationState.NOT_FOUND
    assert verify(mistyped(issued.serial)).state is VerificationState.MALFORMED


def test_a_record_altered_in_the_database_fails_its_own_signature(issued):
    db.session.execute(sa.update(Certificate).where(Certificate.id == issued.id)
                       .values(holder_name="Otra Persona"))
    db.session.expire_all()
    assert verify(issued.serial).state is VerificationState.INVALID_SIGNATURE


def test_every_single_character_change_of_the_token_is_rejected(issued):
    token = issued.token
    for position, original in enumerate(token):
        for replacement in ("A" if original != "A" else "B", "." if original != "." else "_"):
            mutated = token[:position] + replacement + token[position + 1:]
            verdict = verify(issued.serial, mutated, count=False)
            assert verdict.state is VerificationState.INVALID_SIGNATURE, (position, mutated)
    for cut in (1, 10, len(token) // 2, len(token) - 1):
        assert verify(issued.serial, token[:-cut], count=False).state is \
            VerificationState.INVALID_SIGNATURE
    assert verify(issued.serial, token + "A", count=False).state is \
        VerificationState.INVALID_SIGNATURE


def test_every_byte_of_the_token_mutated_through_the_page_gives_a_clear_rejection(client, issued):
    token = issued.token
    for position in range(len(token)):
        original = token[position]
        replacement = B64URL[(B64URL.index(original) + 7) % 64] if original != "." else "x"
        mutated = token[:position] + replacement + token[position + 1:]
        response = client.get(f"/v/{issued.serial}?t={mutated}")
        assert response.status_code == 400, position
        assert "verdict-invalid_signature" in response.text


def test_verifications_are_counted_without_keeping_visitor_data(client, issued):
    for _ in range(3):
        client.get(f"/v/{issued.serial}", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    client.get(f"/api/v1/verify/{issued.serial}")
    db.session.expire_all()
    assert db.session.get(Certificate, issued.id).verification_count == 0  # not on the way
    assert flush_verification_counts() == 4  # after the responses: in one transaction
    db.session.expire_all()
    assert db.session.get(Certificate, issued.id).verification_count == 4
    rows = db.session.execute(sa.select(Certificate.__table__)).mappings().all()
    assert not any("203.0.113.9" in str(value) for row in rows for value in row.values())


def test_the_page_says_valid_and_shows_only_what_the_certificate_states(client, world, issued):
    response = client.get(f"/v/{issued.serial}?t={issued.token}&lang=en")
    assert response.status_code == 200
    page = response.text
    assert "verdict-valid" in page
    for text in ("María José Ñancupil Huenchumán", "Public Innovation", "Public value",
                 "Encounter", "16.5", "Red de Laboratorios", issued.serial, "December 11, 2026"):
        assert text in page, text
    assert world.holder.email not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_the_page_speaks_the_visitors_language(client, issued):
    portuguese = client.get(f"/v/{issued.serial}", headers={"Accept-Language": "pt-BR,pt;q=0.9"})
    assert '<html lang="pt-BR">' in portuguese.text and "Inovação Pública" in portuguese.text
    english = client.get(f"/v/{issued.serial}?lang=en")
    assert '<html lang="en">' in english.text and "Public Innovation" in english.text
    spanish = client.get(f"/v/{issued.serial}", headers={"Accept-Language": "es-CL"})
    assert '<html lang="es">' in spanish.text and "Innovación Pública" in spanish.text


def test_the_page_says_revoked_with_the_date_and_the_reason(client, world, issued):
    revoke(issued, reason="issued_in_error", note="Se detectó un error en los datos",
           actor=world.manager,
           now=T0 + timedelta(days=2))
    db.session.commit()
    page = client.get(f"/v/{issued.serial}?lang=en").text
    assert "verdict-revoked" in page
    assert "Issued in error" in page and "December 13, 2026" in page
    assert "Se detectó un error en los datos" not in page  # the internal note


def test_other_spellings_redirect_to_the_one_address(client, issued):
    typed = issued.serial.lower().replace("-", "")
    response = client.get(f"/v/{typed}?t={issued.token}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/v/{issued.serial}?t={issued.token}")


def test_not_found_and_malformed_serials(client):
    assert "verdict-not_found" in (response := client.get("/v/0000-0000-0000")).text
    assert response.status_code == 404
    response = client.get("/v/K7QM-3XDA-9PFU?lang=en")  # U is never part of a code
    assert response.status_code == 400 and "cannot appear in it" in response.text


@pytest.mark.parametrize("text", [
    "x", "💥", "ÑÑÑÑ-ÑÑÑÑ-ÑÑÑÑ", "' OR 1=1 --", "<script>alert(1)</script>", "%00", "%ff%fe",
    "a" * 5000, "....", "K7QM 3XDA 9PF", "\u200b" * 12, "%0d%0aSet-Cookie:x=1",
])
def test_no_serial_breaks_the_page_or_the_api(client, text):
    for url in (f"/v/{quote(text, safe='%')}", f"/api/v1/verify/{quote(text, safe='%')}"):
        response = client.get(url)
        # 422: text no database can store (NUL), refused before any view (core.request_guards)
        assert response.status_code in {400, 404, 422}, (url, response.status_code)
        assert "<script>alert" not in response.text


@pytest.mark.parametrize("token", ["", "x", "a.b.c", "....", "💥", "%ff", "e" * 9000])
def test_no_token_breaks_the_page(client, issued, token):
    response = client.get(f"/v/{issued.serial}?t={quote(token, safe='%')}")
    assert response.status_code in {200, 400}
    if token:
        assert "verdict-invalid_signature" in response.text


def test_typing_a_serial(client, count_queries, issued):
    assert client.get("/v").status_code == 200
    response = client.get("/v", query_string={"serial": issued.serial.lower()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/v/{issued.serial}")
    swapped = issued.serial[1] + issued.serial[0] + issued.serial[2:]
    if swapped != issued.serial:
        with count_queries() as counter:
            response = client.get("/v", query_string={"serial": swapped, "lang": "en"})
        assert response.status_code == 422 and "typing mistake" in response.text
        assert counter["n"] == 0  # caught by the check character, nothing looked up
    response = client.get("/v", query_string={"serial": ""})
    assert response.status_code == 422


def test_the_json_twin(client, world, issued):
    response = client.get(f"/api/v1/verify/{issued.serial}?t={issued.token}&lang=en")
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "VALID" and body["valid"] and body["token_checked"]
    facts = body["certificate"]
    assert facts["holder_name"] == "María José Ñancupil Huenchumán"
    assert facts["programme_title"] == "Public Innovation" and facts["hours"] == "40.5"
    assert [module["title"] for module in facts["modules"]] == ["Public value", "Encounter"]
    assert facts["issuer_name"] == "Red de Laboratorios"
    assert world.holder.email not in response.text and "person_id" not in facts

    revoke(issued, reason="other", note="Duplicado", actor=world.manager)
    db.session.commit()
    body = client.get(f"/api/v1/verify/{issued.serial.lower()}?lang=en").get_json()
    assert body["state"] == "REVOKED" and not body["valid"]
    assert body["certificate"]["revocation_reason"] == "other"
    assert body["certificate"]["revocation_reason_label"] == "Other reason"
    assert "Duplicado" not in str(body)


def test_the_json_twin_refuses_unknown_malformed_and_tampered(client, issued):
    assert_house_error(client.get("/api/v1/verify/0000-0000-0000"), 404, "not_found")
    body = assert_house_error(client.get(f"/api/v1/verify/{mistyped(issued.serial)}"), 400,
                              "malformed_serial")
    assert body["errors"]["serial"]
    tampered = issued.token[:-2] + ("AA" if not issued.token.endswith("AA") else "BB")
    body = assert_house_error(client.get(f"/api/v1/verify/{issued.serial}?t={tampered}"), 400,
                              "invalid_signature")
    assert body["errors"]["t"]


def test_the_json_twin_is_rate_limited(app, tmp_path, issued):
    limited = make_app(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                       RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="5 per minute")
    client = limited.test_client()
    try:
        for url in ("/api/v1/verify/0000-0000-0000", "/v/0000-0000-0000"):
            statuses = [client.get(url).status_code for _ in range(6)]
            assert statuses == [404] * 5 + [429], url
            assert client.get(url).headers.get("Retry-After")
    finally:
        limiter.init_app(app)  # one limiter for the process: back to the test app's settings
