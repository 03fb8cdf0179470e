"""The certificates API: the register, issuing with reasons, revoking and reissuing."""

from __future__ import annotations

import json

import sqlalchemy as sa

from certify.certificates.issuing import issue_programme_certificate
from certify.certificates.models import Certificate
from certify.cohorts.services import create_cohort
from certify.extensions import db
from tests.api.conftest import assert_house_error
from tests.certificates.conftest import enrolled


def test_the_register_lists_and_filters_with_pagination(client, bearer, world, issued):
    others = [issue_programme_certificate(enrolled(world.cohort), world.cohort, actor=None)
              for _ in range(3)]
    db.session.commit()
    headers = bearer(world.manager)
    response = client.get("/api/v1/certificates?page_size=2", headers=headers)
    assert response.status_code == 200 and len(response.get_json()) == 2
    assert json.loads(response.headers["X-Pagination"])["total"] == 4
    found = client.get(f"/api/v1/certificates?q={others[0].serial.lower()}", headers=headers)
    assert [row["serial"] for row in found.get_json()] == [others[0].serial]
    mine = client.get(f"/api/v1/certificates?person_id={world.holder.id}", headers=headers)
    (row,) = mine.get_json()
    assert row["serial"] == issued.serial
    assert row["verification_url"].endswith(f"/v/{issued.qr_token}")
    assert row["credential_url"].endswith(f"/certificates/{issued.serial}/credential")
    assert_house_error(client.get("/api/v1/certificates?status=lost", headers=headers), 422)


def test_issuing_returns_201_then_200(client, bearer, world):
    headers = bearer(world.manager)
    body = {"person_id": world.holder.id, "cohort_id": world.cohort.id}
    first = client.post("/api/v1/certificates", json=body, headers=headers)
    assert first.status_code == 201
    second = client.post("/api/v1/certificates", json=body, headers=headers)
    assert second.status_code == 200 and second.get_json()["serial"] == first.get_json()["serial"]


def test_issuing_to_someone_not_eligible_lists_the_reasons(client, bearer, programme, manager):
    cohort = create_cohort(programme, name="Cohorte API")
    db.session.commit()
    person = enrolled(cohort)
    response = client.post("/api/v1/certificates?lang=en", headers=bearer(manager),
                           json={"person_id": person.id, "cohort_id": cohort.id})
    body = assert_house_error(response, 422, "validation_error")
    assert "Final survey not answered yet" in body["errors"]["person_id"]
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_issuing_needs_exactly_one_source(client, bearer, world):
    headers = bearer(world.manager)
    for body in ({"person_id": world.holder.id},
                 {"person_id": world.holder.id, "cohort_id": world.cohort.id, "session_id": 1}):
        assert_house_error(client.post("/api/v1/certificates", json=body, headers=headers), 422)
    body = assert_house_error(client.post("/api/v1/certificates", headers=headers, json={
        "person_id": world.holder.id, "cohort_id": 424242}), 422)
    assert "cohort_id" in body["errors"]


def test_revoking_and_reissuing(client, bearer, world, issued):
    headers = bearer(world.manager)
    assert_house_error(client.post(f"/api/v1/certificates/{issued.serial}/revocation",
                                   json={"reason": ""}, headers=headers), 422)
    replaced = client.post(f"/api/v1/certificates/{issued.serial.lower()}/reissue",
                           json={"reason": "replaced", "note": "Nombre corregido"}, headers=headers)
    assert replaced.status_code == 201
    new_serial = replaced.get_json()["serial"]
    old = client.get(f"/api/v1/certificates/{issued.serial}", headers=headers).get_json()
    assert old["revoked_at"] and old["replaced_by"] == new_serial
    assert old["revocation_reason"] == "replaced"
    assert_house_error(client.post(f"/api/v1/certificates/{issued.serial}/revocation",
                                   json={"reason": "other"}, headers=headers), 409, "conflict")
    revoked = client.post(f"/api/v1/certificates/{new_serial}/revocation",
                          json={"reason": "holder_request"}, headers=headers)
    assert revoked.status_code == 200 and revoked.get_json()["revocation_reason"] == "holder_request"


def test_unknown_and_malformed_serials_are_404_for_signed_in_callers(client, bearer, world):
    headers = bearer(world.manager)
    assert_house_error(client.get("/api/v1/certificates/0000-0000-0000", headers=headers), 404)
    assert_house_error(client.get("/api/v1/certificates/nonsense", headers=headers), 404)


def test_the_api_is_documented(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/v1/verify/{serial}" in spec["paths"]
    verify = spec["paths"]["/api/v1/verify/{serial}"]["get"]
    assert verify["security"] == [] and {"200", "400", "404", "429"} <= set(verify["responses"])
    assert "/api/v1/certificates/{serial}/credential" in spec["paths"]
