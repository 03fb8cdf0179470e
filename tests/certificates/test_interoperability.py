"""What a careful wallet or verifier does, with an independent JOSE library (joserfc).

certify signs with PyJWT; these tests verify with joserfc, which looks the key
up in the published /.well-known/jwks.json by the header's ``kid`` and accepts
only RS256, as a verifier implementing Open Badges 3.0's minimum would. The
credential also validates against the vendored 1EdTech schema.
"""

from __future__ import annotations

import io

import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from pypdf import PdfReader

from certify.certificates.rendering import SIGNED_CREDENTIAL_FILENAME, render_certificate
from certify.core.keyring import RS256, rotate_key
from tests.certificates.test_openbadges import schema_errors

ORIGIN = "https://certify.test"


def published_keys(client) -> KeySet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return KeySet.import_key_set(response.get_json())


def verified(client, token: str) -> jwt.Token:
    """Decoded by joserfc with the key the header's kid names in the published key set."""
    return jwt.decode(token, published_keys(client), algorithms=["RS256"])


def check_credential(client, token: str, serial: str) -> dict:
    decoded = verified(client, token)
    assert decoded.header["alg"] == "RS256" and decoded.header["typ"] == "JWT"
    assert decoded.header["jku"] == f"{ORIGIN}/.well-known/jwks.json"
    claims = decoded.claims
    credential = {name: value for name, value in claims.items()
                  if name not in {"iss", "jti", "nbf", "sub", "exp"}}
    assert schema_errors(credential) == []
    assert claims["iss"] == credential["issuer"]["id"] == f"{ORIGIN}/issuers/CRT"
    assert claims["jti"] == credential["id"] == f"{ORIGIN}/v/{serial}"
    assert claims["sub"] == credential["credentialSubject"]["id"]
    return decoded.header


def test_the_api_credential_verifies_by_kid_with_rs256(client, login_as, world, issued):
    login_as(world.holder)
    response = client.get(f"/api/v1/certificates/{issued.serial}/credential")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    header = check_credential(client, response.text, issued.serial)
    jwk = next(key for key in client.get("/.well-known/jwks.json").get_json()["keys"]
               if key["kid"] == header["kid"])
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256" and "d" not in jwk


def test_the_credential_embedded_in_the_pdf_verifies_the_same_way(client, issued):
    reader = PdfReader(io.BytesIO(render_certificate(issued)))
    (token,) = reader.attachments[SIGNED_CREDENTIAL_FILENAME]
    check_credential(client, token.decode("ascii"), issued.serial)
    specs = {spec.get_object()["/F"]: spec.get_object()
             for spec in reader.trailer["/Root"]["/AF"]}
    signed = specs[SIGNED_CREDENTIAL_FILENAME]
    assert signed["/AFRelationship"] == "/Source"
    assert signed["/EF"]["/F"].get_object()["/Subtype"] == "/application/vc+jwt"


def test_the_issuer_profile_resolves_and_names_the_signing_key(client, login_as, world, issued):
    login_as(world.holder)
    token = client.get(f"/api/v1/certificates/{issued.serial}/credential").text
    decoded = verified(client, token)
    issuer_id = decoded.claims["issuer"]["id"]
    client.get("/logout")
    response = client.get(issuer_id.removeprefix(ORIGIN))
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    profile = response.get_json()
    assert profile["id"] == issuer_id and "Profile" in profile["type"]
    assert profile["name"] == "Red de Laboratorios" and profile["url"] == "https://example.org/red"
    methods = {method["id"]: method for method in profile["verificationMethod"]}
    method = methods[f"{issuer_id}#{decoded.header['kid']}"]
    assert method["controller"] == issuer_id and method["id"] in profile["assertionMethod"]
    # The Profile's key verifies the credential on its own, with no other lookup.
    jwt.decode(token, KeySet.import_key_set({"keys": [method["publicKeyJwk"]]}),
               algorithms=["RS256"])
    assert client.get("/issuers/NOPE").status_code == 404


def test_credentials_signed_before_a_rotation_still_verify(app, client, login_as, world, issued,
                                                          tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path))  # rotate keys of its own
    login_as(world.holder)
    before = client.get(f"/api/v1/certificates/{issued.serial}/credential").text
    rotate_key(RS256)
    after = client.get(f"/api/v1/certificates/{issued.serial}/credential").text
    assert verified(client, before).header["kid"] != verified(client, after).header["kid"]


def test_a_changed_credential_does_not_verify(client, login_as, world, issued):
    login_as(world.holder)
    head, body, signature = client.get(
        f"/api/v1/certificates/{issued.serial}/credential").text.split(".")
    other = client.get("/status/1").text.split(".")[1]  # another payload, genuinely ours
    with pytest.raises(BadSignatureError):
        verified(client, f"{head}.{other}.{signature}")
    assert verified(client, f"{head}.{body}.{signature}")


def test_the_status_list_verifies_by_kid_with_rs256(client, issued):
    decoded = verified(client, client.get("/status/1").text)
    assert decoded.header["typ"] == "vc+jwt"
    assert decoded.claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]


def test_the_did_web_document_names_the_signing_key_by_kid(client, login_as, world, issued):
    login_as(world.holder)
    token = client.get(f"/api/v1/certificates/{issued.serial}/credential").text
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.get_json()
    assert document["id"] == "did:web:certify.test"
    # A verifier resolving the DID finds the credential's key by its kid, and it verifies.
    keys = KeySet.import_key_set({"keys": [method["publicKeyJwk"]
                                           for method in document["verificationMethod"]]})
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    method_id = f"did:web:certify.test#{decoded.header['kid']}"
    assert method_id in document["assertionMethod"]
    assert {method["controller"] for method in document["verificationMethod"]} == {document["id"]}
    assert [method["publicKeyJwk"] for method in document["verificationMethod"]] == \
        client.get("/.well-known/jwks.json").get_json()["keys"]


def test_a_port_is_written_as_the_did_web_method_says(app, client):
    app.config["BASE_URL"] = "https://certify.test:8443"
    try:
        assert client.get("/.well-known/did.json").get_json()["id"] == \
            "did:web:certify.test%3A8443"
    finally:
        app.config["BASE_URL"] = "https://certify.test"
