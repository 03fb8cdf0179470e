"""Keys in the instance folder (Ed25519 and RSA), rotation, the JWKS, and compact JWS that
rejects any change."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certify.core import keyring as signing
from certify.core.keyring import EDDSA, RS256
from certify.core.signing import (
    BadSignature,
    MalformedToken,
    b64url_decode,
    b64url_encode,
    sign_compact,
    verify_compact,
)

# No query whose result depends on the database: SQLite only.
pytestmark = pytest.mark.one_database


@pytest.fixture
def keys(app, tmp_path, monkeypatch):
    """An empty key folder of this test's own."""
    folder = tmp_path / "keys"
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(folder))
    return folder


def test_the_first_signature_generates_a_private_key_readable_only_by_its_owner(keys):
    assert not keys.exists()
    token, kid = sign_compact({"hello": "mundo"})
    private = keys / f"{kid}.pem"
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    assert (keys / f"{kid}.pub.pem").exists()
    assert (keys / "current").read_text().strip() == kid
    assert verify_compact(token) == ({"alg": "EdDSA", "kid": kid}, {"hello": "mundo"})


def test_generate_is_idempotent_and_rotate_adds_a_current_key(keys):
    first, created = signing.generate_key()
    assert created
    assert signing.generate_key() == (first, False)
    old_token, _ = sign_compact({"n": 1})
    second = signing.rotate_key()
    assert second != first
    new_token, kid = sign_compact({"n": 2})
    assert kid == second
    # Everything signed before the rotation still verifies; both keys are published.
    assert verify_compact(old_token)[1] == {"n": 1}
    assert verify_compact(new_token)[1] == {"n": 2}
    assert [key["kid"] for key in signing.jwks()["keys"]] == sorted([first, second])
    assert [(info.kid, info.current) for info in signing.list_keys()] == [
        (first, False), (second, True)]


def test_a_retired_private_key_stays_published(keys):
    first, _ = signing.generate_key()
    token, _ = sign_compact({"n": 1})
    signing.rotate_key()
    (keys / f"{first}.pem").unlink()
    assert verify_compact(token)[1] == {"n": 1}
    info = next(info for info in signing.list_keys() if info.kid == first)
    assert not info.can_sign


def test_the_jwks_holds_public_ed25519_keys_only(keys):
    sign_compact({})
    (jwk,) = signing.jwks()["keys"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA"
    assert jwk["use"] == "sig" and "d" not in jwk
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    token, _ = sign_compact({"a": 1})
    head, body, signature = token.split(".")
    public.verify(b64url_decode(signature), f"{head}.{body}".encode())  # raises if wrong


def _forge(header: dict, payload: dict, signature: bytes = b"\0" * 64) -> str:
    return ".".join([b64url_encode(json.dumps(header).encode()),
                     b64url_encode(json.dumps(payload).encode()), b64url_encode(signature)])


def test_tokens_that_are_not_ours_are_refused(keys):
    token, kid = sign_compact({"a": 1})
    head, body, signature = token.split(".")
    refused = [
        None, 42, "", "a.b", "a.b.c.d", "...", token + "=", token.replace(".", ". "),
        "x" * 70_000,
        _forge({"alg": "none", "kid": kid}, {"a": 1}),
        _forge({"alg": "HS256", "kid": kid}, {"a": 1}),
        _forge({"alg": "EdDSA", "kid": "19990101-AAAAAAAA"}, {"a": 1}),
        _forge({"alg": "EdDSA", "kid": "../../etc/passwd"}, {"a": 1}),
        _forge({"alg": "EdDSA"}, {"a": 1}),
        f"{b64url_encode(b'[1, 2]')}.{body}.{signature}",
        f"{head}.{b64url_encode(b'not json')}.{signature}",
        f"{head}.{b64url_encode(bytes([0xff, 0xfe]))}.{signature}",
    ]
    for candidate in refused:
        with pytest.raises(MalformedToken):
            verify_compact(candidate)
    with pytest.raises(BadSignature):
        verify_compact(_forge({"alg": "EdDSA", "kid": kid}, {"a": 2}))
    with pytest.raises(BadSignature):
        verify_compact(f"{head}.{b64url_encode(json.dumps({'a': 2}).encode())}.{signature}")


def test_base64url_has_one_spelling_only():
    encoded = b64url_encode(b"\xff")  # "_w": the last character carries 4 spare bits
    assert b64url_decode(encoded) == b"\xff"
    for other in ("_x", "_z", "_w=", "_w==", "+w", "/w"):
        with pytest.raises(MalformedToken):
            b64url_decode(other)


def test_key_ids_that_are_urls_ending_in_the_key_id_still_verify(keys):
    # Credentials signed before key ids were bare carried the key's URL as their kid.
    token, kid = sign_compact({"a": 1})
    _head, body, signature = token.split(".")
    header = {"alg": "EdDSA", "kid": f"https://certify.test/keys/{kid}"}
    head = b64url_encode(json.dumps(header).encode())
    with pytest.raises(BadSignature):  # the signature covers the header: the key is found
        verify_compact(f"{head}.{body}.{signature}")


def test_rs256_has_a_key_ring_of_its_own_and_the_jwks_lists_both(keys):
    short, short_kid = sign_compact({"n": 1})
    long, rsa_kid = sign_compact({"n": 1}, header={"typ": "JWT"}, algorithm=RS256)
    assert rsa_kid != short_kid
    assert (keys / "current-RS256").read_text().strip() == rsa_kid
    assert verify_compact(long) == ({"alg": "RS256", "kid": rsa_kid, "typ": "JWT"}, {"n": 1})
    # RS256 is deterministic: the same claims give the same token (PDFs embed it).
    assert sign_compact({"n": 1}, header={"typ": "JWT"}, algorithm=RS256)[0] == long
    jwks = {jwk["kid"]: jwk for jwk in signing.jwks()["keys"]}
    assert jwks[rsa_kid]["kty"] == "RSA" and jwks[rsa_kid]["alg"] == "RS256"
    assert set(jwks[rsa_kid]) == {"kty", "n", "e", "kid", "use", "alg"}  # nothing private
    assert jwks[short_kid]["alg"] == "EdDSA"
    # Only the algorithms asked for are accepted.
    with pytest.raises(MalformedToken):
        verify_compact(short, algorithms=(RS256,))
    assert verify_compact(long, algorithms=(RS256,))[1] == {"n": 1}
    # A header cannot make a key check another algorithm's signature.
    _head, body, signature = long.split(".")
    for alg in ("EdDSA", "HS256", "PS256", "none"):
        forged = b64url_encode(json.dumps({"alg": alg, "kid": rsa_kid}).encode())
        with pytest.raises(MalformedToken):
            verify_compact(f"{forged}.{body}.{signature}")
    assert len(short) < len(long) / 2  # why QR tokens stay EdDSA
    rotated = signing.rotate_key(RS256)
    assert sign_compact({"n": 1}, algorithm=RS256)[1] == rotated
    assert verify_compact(long)[1] == {"n": 1}
    assert {info.algorithm for info in signing.list_keys() if info.current} == {EDDSA, RS256}


def test_keys_commands(app, keys):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["keys", "list"])
    assert result.exit_code == 0 and "No signing key yet" in result.output
    result = runner.invoke(args=["keys", "generate"])
    assert result.exit_code == 0 and "Created EdDSA signing key" in result.output
    assert "Created RS256 signing key" in result.output
    first = (keys / "current").read_text().strip()
    first_rsa = (keys / "current-RS256").read_text().strip()
    result = runner.invoke(args=["keys", "generate"])
    assert result.exit_code == 0 and result.output.count("already exists") == 2
    result = runner.invoke(args=["keys", "rotate", "--algorithm", "EdDSA"])
    second = (keys / "current").read_text().strip()
    assert result.exit_code == 0 and second in result.output and second != first
    assert (keys / "current-RS256").read_text().strip() == first_rsa
    result = runner.invoke(args=["keys", "list"])
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(first) and "EdDSA" in lines[0] and "current" not in lines[0]
    assert lines[1].startswith(first_rsa) and "RS256" in lines[1] and "(current)" in lines[1]
    assert lines[2].startswith(second) and "(current)" in lines[2]
    assert runner.invoke(args=["keys", "rotate", "--algorithm", "HS256"]).exit_code == 2
