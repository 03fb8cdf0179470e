"""The version 2 QR token: short, signed, read back; version 1 tokens keep verifying."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.certificates.issuing import issue_programme_certificate, verify
from certify.certificates.links import verification_qr_data, verification_url
from certify.certificates.models import Certificate
from certify.certificates.qr_token import (
    ELLIPSIS,
    NAME_MAX_BYTES,
    looks_like_qr_token,
    printed_name,
    read_qr_token,
    sign_qr_token,
)
from certify.certificates.tokens import read_token, token_matches
from certify.certificates.verification import VerificationState
from certify.core.keyring import rotate_key
from certify.core.qr import make_qr
from certify.core.signing import BadSignature, MalformedToken, TokenError
from certify.extensions import db
from tests.certificates.conftest import enrolled

LONGEST_NAME = "María de los Ángeles Fernández-Villalobos Rodríguez de la Fuente y Ñancupil" * 3


def test_the_token_is_digits_and_states_the_certificate(issued):
    token = issued.qr_token
    assert looks_like_qr_token(token) and token == sign_qr_token(issued)  # deterministic
    facts, _claims = read_token(token)
    assert (facts.version, facts.serial, facts.holder_name, facts.programme_code) == (
        2, issued.serial, issued.holder_name, issued.programme_code)
    assert facts.hours == issued.hours and facts.issued_on == issued.issued_at.date()
    assert facts.status_list_index == issued.status_list_index and facts.kid == issued.kid
    assert token_matches(issued, token) and token_matches(issued, issued.token)


def test_old_version_1_tokens_keep_verifying(issued):
    assert read_token(issued.token)[0].version == 1
    assert verify(issued.serial, issued.token).state is VerificationState.VALID
    issued.qr_token = None  # a certificate issued before version 2
    assert verification_url(issued).endswith(f"/v/{issued.serial}?t={issued.token}")


def test_a_token_stays_valid_after_the_key_rotates(issued):
    token = issued.qr_token
    rotate_key()
    assert verify(None, token).state is VerificationState.VALID


def test_any_changed_digit_or_bad_input_is_refused(issued):
    token = issued.qr_token
    for position in range(1, len(token), 7):
        digit = str((int(token[position]) + 1) % 10)
        with pytest.raises(TokenError):
            read_qr_token(token[:position] + digit + token[position + 1:])
    for bad in ("", "0" + token, token + "0", token[:-1], "9" * 400, "1" * 601, 12, None):
        with pytest.raises(TokenError):
            read_qr_token(bad)


def test_another_certificates_token_does_not_match(world, issued):
    other = issue_programme_certificate(enrolled(world.cohort), world.cohort, actor=None)
    assert not token_matches(issued, other.qr_token)
    assert verify(issued.serial, other.qr_token).state is VerificationState.INVALID_SIGNATURE


def test_long_names_are_cut_and_the_qr_stays_version_10_at_level_m(world, app):
    assert printed_name("Ana Pérez") == "Ana Pérez"
    cut = printed_name(LONGEST_NAME)
    assert cut.endswith(ELLIPSIS) and len(cut.encode()) <= NAME_MAX_BYTES
    holder = enrolled(world.cohort, given_names=LONGEST_NAME[:100], family_names=LONGEST_NAME[:100])
    certificate = issue_programme_certificate(holder, world.cohort, actor=None)
    # A public address of 43 characters, longer than most.
    app.config["BASE_URL"] = "https://certificados.innovacion.gob.example"
    try:
        symbol = make_qr(verification_qr_data(certificate))
    finally:
        app.config["BASE_URL"] = "https://certify.test"
    assert symbol.version <= 10 and symbol.error == "M"
    assert read_token(certificate.qr_token)[0].holder_name == printed_name(
        certificate.holder_name)


def test_the_page_takes_the_token_as_its_address(client, issued):
    response = client.get(f"/v/{issued.qr_token}?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Valid" in html and issued.serial in html and "signature from the QR code" in html
    tampered = issued.qr_token[:-3] + ("000" if not issued.qr_token.endswith("000") else "111")
    response = client.get(f"/v/{tampered}?lang=en")
    assert response.status_code == 400 and "Invalid signature" in response.get_data(as_text=True)


def test_a_genuine_token_unknown_to_this_register(client, issued):
    """E.g. a register restored from an older backup: the token's facts, said as such."""
    token, serial, name = issued.qr_token, issued.serial, issued.holder_name
    db.session.execute(sa.delete(Certificate).where(Certificate.id == issued.id))
    db.session.expire_all()
    verdict = verify(None, token)
    assert verdict.state is VerificationState.UNREGISTERED and verdict.facts.serial == serial
    response = client.get(f"/v/{token}?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Signature valid, not in this register" in html and name in html and serial in html
    assert verify(serial).state is VerificationState.NOT_FOUND  # no token, nothing to show
    api = client.get(f"/api/v1/verify/{serial}?t={token}&lang=en")
    assert api.status_code == 404 and "not in this register" in api.get_json()["message"]


def test_a_malformed_token_is_a_clear_refusal():
    with pytest.raises(MalformedToken):
        read_qr_token("1" * 200)
    assert issubclass(BadSignature, TokenError)
