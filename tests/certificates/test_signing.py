"""Keys in the instance folder, rotation, the JWKS, and compact JWS that rejects any change."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certify.core import signing
from certify.core.signing import (
    BadSignature,
    MalformedToken,
    b64url_decode,
    b64url_encode,
    sign_compact,
    verify_compact,
)


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


def test_key_ids_may_be_urls_that_end_in_the_key_id(keys):
    token, kid = sign_compact({"a": 1}, header={"typ": "JWT"},
                              kid_prefix="https://certify.test/keys/")
    header, _payload = verify_compact(token)
    assert header == {"alg": "EdDSA", "kid": f"https://certify.test/keys/{kid}", "typ": "JWT"}


def test_keys_commands(app, keys):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["keys", "list"])
    assert result.exit_code == 0 and "No signing key yet" in result.output
    result = runner.invoke(args=["keys", "generate"])
    assert result.exit_code == 0 and "Created signing key" in result.output
    first = (keys / "current").read_text().strip()
    result = runner.invoke(args=["keys", "generate"])
    assert result.exit_code == 0 and "already exists" in result.output
    result = runner.invoke(args=["keys", "rotate"])
    second = (keys / "current").read_text().strip()
    assert result.exit_code == 0 and second in result.output and second != first
    result = runner.invoke(args=["keys", "list"])
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(first) and "current" not in lines[0]
    assert lines[1].startswith(second) and "(current)" in lines[1]
