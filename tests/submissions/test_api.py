"""The submissions API: multipart submissions, downloads, the queue, grades and their release."""

from __future__ import annotations

import io

import sqlalchemy as sa

from certify.extensions import db
from certify.submissions.models import PrototypeSubmission
from tests.api.conftest import assert_house_error
from tests.submissions.conftest import SCORES, TEXTS, grade, stored_files, submit
from tests.submissions.samples import ELF, HTML, PDF, SAMPLES, big_pdf


def post_prototype(client, headers, group, files=(), **changes):
    return client.post(f"/api/v1/groups/{group.id}/submissions", headers=headers,
                       data={**TEXTS, **changes, "files": list(files)},
                       content_type="multipart/form-data")


def count_submissions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PrototypeSubmission))


def test_a_member_submits_with_files_and_reads_the_versions(client, bearer, world, uploads):
    headers = bearer(world.ana)
    response = post_prototype(client, headers, world.group, files=[
        (io.BytesIO(PDF), "informe.pdf"), (io.BytesIO(SAMPLES["odp"]), "pitch.odp")])
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["version"], body["late"], body["grade"]) == (1, False, None)
    assert body["group"] == {"id": world.group.id, "name": world.group.name}
    assert [(f["label"], f["kind"]) for f in body["files"]] == [("informe.pdf", "pdf"),
                                                                ("pitch.odp", "odp")]
    download = client.get(body["files"][1]["download_url"], headers=bearer(world.beto))
    assert download.status_code == 200 and download.data == SAMPLES["odp"]
    assert download.mimetype == "application/vnd.oasis.opendocument.presentation"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    post_prototype(client, headers, world.group, title="Segunda versión")
    listing = client.get(f"/api/v1/groups/{world.group.id}/submissions", headers=bearer(world.beto))
    assert [(s["version"], s["title"]) for s in listing.json] == [
        (2, "Segunda versión"), (1, TEXTS["title"])]
    one = client.get(f"/api/v1/submissions/{body['id']}", headers=headers)
    assert one.status_code == 200 and one.json["discover"] == TEXTS["discover"]


def test_missing_fields_are_named(client, bearer, world):
    response = client.post(f"/api/v1/groups/{world.group.id}/submissions",
                           headers=bearer(world.ana),
                           data={"title": "Solo el título"}, content_type="multipart/form-data")
    body = assert_house_error(response, 422, "validation_error")
    assert {"problem", "audience", "discover", "define", "develop", "deliver",
            "description"} <= set(body["errors"])
    assert count_submissions() == 0


def test_an_exe_or_a_page_renamed_pdf_is_415_and_nothing_is_kept(client, bearer, world, uploads):
    for content in (ELF, HTML):
        response = post_prototype(client, bearer(world.ana), world.group, files=[
            (io.BytesIO(PDF), "bueno.pdf"), (io.BytesIO(content), "informe.pdf")])
        body = assert_house_error(response, 415, "unsupported_media_type")
        assert "informe.pdf" in body["errors"]["files"][0]
    assert count_submissions() == 0 and stored_files(uploads) == []


def test_a_pdf_named_png_is_accepted_as_a_pdf(client, bearer, world, uploads):
    response = post_prototype(client, bearer(world.ana), world.group,
                              files=[(io.BytesIO(PDF), "foto.png")])
    assert response.status_code == 201
    assert response.json["files"][0]["media_type"] == "application/pdf"


def test_an_empty_file_is_422(client, bearer, world, uploads):
    response = post_prototype(client, bearer(world.ana), world.group,
                              files=[(io.BytesIO(b""), "vacio.pdf")])
    assert_house_error(response, 422, "validation_error")
    assert count_submissions() == 0


def test_over_20_mb_each_or_100_mb_together_is_413(client, bearer, world, uploads):
    headers = bearer(world.ana)
    response = post_prototype(client, headers, world.group,
                              files=[(io.BytesIO(big_pdf(21 * 1024 * 1024)), "grande.pdf")])
    assert_house_error(response, 413, "payload_too_large")
    part = big_pdf(17 * 1024 * 1024)
    response = post_prototype(client, headers, world.group,
                              files=[(io.BytesIO(part), f"parte{n}.pdf") for n in range(6)])
    body = assert_house_error(response, 413, "payload_too_large")
    assert "100 MB" in body["message"]
    assert count_submissions() == 0 and stored_files(uploads) == []


def test_grading_through_the_api(client, bearer, world):
    submission = submit(world.group, world.ana)
    tutor = bearer(world.tutor)
    response = client.put(f"/api/v1/submissions/{submission.id}/grade", headers=tutor, json={
        "scores": SCORES, "feedback": "Buen trabajo",
        "adjustments": [{"person_id": world.beto.id, "percent": 40, "reason": "Menos aporte"}]})
    assert response.status_code == 200, response.json
    draft = response.json
    assert (draft["status"], draft["percent"]) == ("draft", 66.67)
    assert [a["person"]["id"] for a in draft["adjustments"]] == [world.beto.id]
    member = client.get(f"/api/v1/submissions/{submission.id}", headers=bearer(world.beto))
    assert member.json["grade"] is None  # drafts are for tutors and managers
    staff = client.get(f"/api/v1/submissions/{submission.id}", headers=tutor)
    assert staff.json["grade"]["status"] == "draft"
    released = client.post(f"/api/v1/grades/{draft['id']}/release", headers=tutor)
    assert released.status_code == 200 and released.json["released_at"]
    member = client.get(f"/api/v1/submissions/{submission.id}", headers=bearer(world.beto)).json
    assert member["grade"]["feedback"] == "Buen trabajo"
    assert member["grade"]["own_adjustment"]["percent"] == 40.0
    assert member["grade"]["adjustments"] == []
    assert [(s["criterion"], s["points"], s["level"]) for s in member["grade"]["scores"]][:2] == [
        ("problem_understanding", 3, "Proficient"), ("people_focus", 2, "Developing")]
    ana = client.get(f"/api/v1/submissions/{submission.id}", headers=bearer(world.ana)).json
    assert ana["grade"]["own_adjustment"] is None
    again = client.put(f"/api/v1/submissions/{submission.id}/grade", headers=tutor,
                       json={"scores": SCORES})
    assert_house_error(again, 409, "conflict")
    assert_house_error(client.post(f"/api/v1/grades/{draft['id']}/release", headers=tutor),
                       409, "conflict")


def test_scores_that_are_not_levels_are_422(client, bearer, world):
    submission = submit(world.group, world.ana)
    response = client.put(f"/api/v1/submissions/{submission.id}/grade",
                          headers=bearer(world.tutor),
                          json={"scores": {"feasibility": 7, "creativity": 2}})
    body = assert_house_error(response, 422, "validation_error")
    assert set(body["errors"]) == {"feasibility", "creativity"}
    incomplete = grade(submission, world.tutor, scores={"feasibility": 2})
    body = assert_house_error(client.post(f"/api/v1/grades/{incomplete.id}/release",
                                          headers=bearer(world.tutor)), 422)
    assert "public_value" in body["errors"]


def test_reopening_needs_a_manager_and_a_reason(client, bearer, world):
    released = grade(submit(world.group, world.ana), world.tutor, release=True)
    assert_house_error(client.post(f"/api/v1/grades/{released.id}/reopen",
                                   headers=bearer(world.tutor), json={"reason": "x"}), 403)
    assert_house_error(client.post(f"/api/v1/grades/{released.id}/reopen",
                                   headers=bearer(world.manager), json={"reason": ""}), 422)
    response = client.post(f"/api/v1/grades/{released.id}/reopen", headers=bearer(world.manager),
                           json={"reason": "Nivel mal elegido"})
    assert response.status_code == 200 and response.json["status"] == "draft"


def test_the_grading_queue(client, bearer, world):
    submit(world.group, world.ana)
    late = submit(world.group, world.beto)
    grade(submit(world.others, world.carla), world.tutor, release=True)
    response = client.get("/api/v1/grading-queue", headers=bearer(world.tutor))
    assert response.status_code == 200
    assert [(e["submission_id"], e["status"], e["version"]) for e in response.json][0] == (
        late.id, "ungraded", 2)
    assert [e["status"] for e in response.json] == ["ungraded", "released"]
    assert response.json[1]["percent"] == 66.67
    assert response.json[0]["cohort"] == {"id": world.cohort.id, "name": world.cohort.name}
    only = client.get("/api/v1/grading-queue?status=released", headers=bearer(world.tutor))
    assert [e["group"]["name"] for e in only.json] == [world.others.name]
    assert client.get("/api/v1/grading-queue", headers=bearer(world.other_tutor)).json == []
    assert len(client.get("/api/v1/grading-queue", headers=bearer(world.manager)).json) == 2
    assert_house_error(client.get("/api/v1/grading-queue?status=lost",
                                  headers=bearer(world.tutor)), 422)


def test_every_endpoint_is_documented(client):
    spec = client.get("/api/openapi.json").get_json()
    expected = {
        ("get", "/api/v1/groups/{group_id}/submissions"),
        ("post", "/api/v1/groups/{group_id}/submissions"),
        ("get", "/api/v1/submissions/{submission_id}"),
        ("get", "/api/v1/submissions/{submission_id}/files/{file_id}"),
        ("get", "/api/v1/grading-queue"),
        ("put", "/api/v1/submissions/{submission_id}/grade"),
        ("post", "/api/v1/grades/{grade_id}/release"),
        ("post", "/api/v1/grades/{grade_id}/reopen"),
    }
    for method, path in expected:
        operation = spec["paths"][path][method]
        assert operation.get("summary") or operation.get("description"), (method, path)
        assert "401" in operation["responses"], (method, path)
    upload = spec["paths"]["/api/v1/groups/{group_id}/submissions"]["post"]["requestBody"]
    assert "multipart/form-data" in upload["content"]


def test_files_sent_as_text_fields_are_a_422(client, bearer, world, uploads):
    response = client.post(f"/api/v1/groups/{world.group.id}/submissions",
                           headers=bearer(world.ana), data={**TEXTS, "files": "informe.pdf"},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.json["code"] == "validation_error" and "files.0" in response.json["errors"]
    assert count_submissions() == 0
