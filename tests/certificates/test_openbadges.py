"""Open Badges 3.0: the credential validates against the schema and verifies as a VC-JWT."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale
from jsonschema import Draft201909Validator

from certify.certificates.issuing import issue_programme_certificate
from certify.certificates.openbadges import criteria_narrative, open_badge_credential
from certify.cohorts.services import create_cohort
from certify.core.signing import b64url_decode
from certify.extensions import db
from certify.progress.eligibility import Eligibility
from tests.certificates.conftest import enrolled

# No query whose result depends on the database: SQLite only.
pytestmark = pytest.mark.one_database

SCHEMA = json.loads((Path(__file__).parent / "schemas"
                     / "ob_v3p0_achievementcredential_schema.json").read_text())


def schema_errors(credential: dict) -> list[str]:
    validator = Draft201909Validator(SCHEMA, format_checker=Draft201909Validator.FORMAT_CHECKER)
    return [f"{list(error.path)}: {error.message}" for error in validator.iter_errors(credential)]


def test_the_credential_is_valid_against_the_open_badges_schema(issued):
    credential = open_badge_credential(issued)
    assert schema_errors(credential) == []
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["validFrom"] == "2026-12-11T18:30:00Z"
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["name"] == "Agente de Innovación Pública"
    assert "Valor público (24 h)" in achievement["description"]
    assert credential["credentialStatus"] == {
        "id": f"https://certify.test/status/1#{issued.status_list_index}",
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": str(issued.status_list_index),
        "statusListCredential": "https://certify.test/status/1"}


def test_the_schema_catches_what_is_missing(issued):
    credential = open_badge_credential(issued)
    del credential["credentialSubject"]["achievement"]["criteria"]
    credential["type"] = ["VerifiableCredential"]
    del credential["validFrom"]
    errors = " ".join(schema_errors(credential))
    assert "'criteria' is a required property" in errors
    assert "'validFrom' is a required property" in errors
    assert "does not contain" in errors


def test_the_same_certificate_always_gives_the_same_credential(issued):
    assert json.dumps(open_badge_credential(issued)) == json.dumps(open_badge_credential(issued))


def test_the_criteria_come_from_the_programmes_certification_rules(app, programme, manager):
    cohort = create_cohort(programme, name="Cohorte reglas")
    db.session.commit()
    person = enrolled(cohort)
    # The verdict of a person who met every rule (the rules themselves are the point here).
    certificate = issue_programme_certificate(person, cohort, actor=manager,
                                              verdict=Eligibility(person.id, ()))
    with force_locale("en"):
        narrative = criteria_narrative(certificate)
    assert narrative.splitlines() == [
        "- Pass the quiz of every virtual module.",
        "- Attend the in-person module (checked in as present or late).",
        "- Build an innovation prototype in a group, graded by a tutor with the programme's "
        "rubric at 60% or more.",
        "- Answer the final satisfaction survey."]
    assert schema_errors(open_badge_credential(certificate)) == []


def test_the_signed_credential_is_the_credential_as_a_vc_jwt(client, login_as, world, issued):
    # joserfc checks the signature in test_interoperability; this is about the claims.
    login_as(world.holder)
    response = client.get(f"/api/v1/certificates/{issued.serial}/credential")
    assert f"open-badge-{issued.serial}.jwt" in response.headers["Content-Disposition"]
    head, body, _signature = response.text.split(".")
    assert json.loads(b64url_decode(head))["alg"] == "RS256"
    claims = json.loads(b64url_decode(body))
    credential = {key: value for key, value in claims.items()
                  if key not in {"iss", "jti", "nbf", "sub"}}
    assert credential == open_badge_credential(issued)
    assert datetime.fromtimestamp(claims["nbf"], UTC) == issued.issued_at


def test_the_unsigned_credential_on_request(client, login_as, world, issued):
    login_as(world.manager)
    response = client.get(f"/api/v1/certificates/{issued.serial}/credential?format=json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == open_badge_credential(issued)
    assert client.get(f"/api/v1/certificates/{issued.serial}/credential?format=xml"
                      ).status_code == 422


@pytest.mark.parametrize("kid", ["20200101-AAAAAAAA", "nope", "..%2F..%2Fsecret_key"])
def test_unknown_keys_are_not_found(client, issued, kid):
    assert client.get(f"/keys/{kid}").status_code == 404


def test_the_jwks_is_public(client, issued):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    kids = [key["kid"] for key in response.get_json()["keys"]]
    assert issued.kid in kids  # beside the RSA keys that sign credentials
