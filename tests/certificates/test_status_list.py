"""The Bitstring Status List: a signed credential; a certificate's bit turns to 1 on revocation."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from certify.certificates.issuing import issue_programme_certificate, revoke
from certify.certificates.status_list import LIST_SIZE, allocate_status_index, position
from certify.core.signing import b64url_decode, verify_compact
from certify.extensions import db
from tests.certificates.conftest import enrolled


def bits_of(credential: dict) -> bytes:
    encoded = credential["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")  # multibase base64url
    return gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))


def is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_the_list_is_a_signed_bitstring_status_list_credential(client, issued):
    response = client.get("/status/1")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    header, credential = verify_compact(response.text)
    assert header["alg"] == "RS256" and header["typ"] == "vc+jwt"
    assert header["jku"] == "https://certify.test/.well-known/jwks.json"
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["id"] == "https://certify.test/status/1"
    subject = credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    bits = bits_of(credential)
    assert len(bits) * 8 == LIST_SIZE == 131072
    assert not any(bits)
    assert client.get("/status/1?format=json").get_json()["credentialSubject"] == subject


def test_revoking_flips_the_certificates_bit(client, world, issued):
    other = issue_programme_certificate(enrolled(world.cohort), world.cohort, actor=None)
    revoke(issued, reason="Error", actor=world.manager)
    db.session.commit()
    bits = bits_of(client.get("/status/1", headers={"Accept": "application/json"}).get_json())
    _list, bit = position(issued.status_list_index)
    assert is_set(bits, bit)
    assert not is_set(bits, position(other.status_list_index)[1])
    assert sum(bin(byte).count("1") for byte in bits) == 1


def test_the_jwt_payload_is_the_credential(client, issued):
    token = client.get("/status/1").text
    payload = json.loads(b64url_decode(token.split(".")[1]))
    assert payload["credentialSubject"]["encodedList"].startswith("u")


@pytest.mark.parametrize("number", [0, 2, 999])
def test_lists_that_do_not_exist(client, issued, number):
    assert client.get(f"/status/{number}").status_code == 404


def test_indexes_are_random_and_never_reused(world):
    drawn = {allocate_status_index() for _ in range(300)}
    assert len(drawn) == 300
    assert all(0 <= index < LIST_SIZE for index in drawn)
    assert max(drawn) - min(drawn) > LIST_SIZE // 4  # spread, not sequential
