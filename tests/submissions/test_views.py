"""The pages: submitting with files, downloading, the queue, grading, adjusting, reopening."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from certify.core import audit
from certify.extensions import db
from certify.submissions.models import GradeStatus, PrototypeSubmission, SubmissionFile
from tests.submissions.conftest import SCORES, TEXTS, grade, pdf_upload, stored_files, submit
from tests.submissions.samples import EXE, PDF, SAMPLES, big_pdf

# Pages render what the services (tested on both databases) return: SQLite only.
pytestmark = pytest.mark.one_database


def form_data(**changes) -> dict:
    return {**TEXTS, **changes}


def grade_form(scores: dict, action: str, feedback: str = "Muy buen trabajo de terreno.") -> dict:
    return {"feedback": feedback, "action": action,
            **{f"score-{key}": str(points) for key, points in scores.items()}}


def count_submissions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PrototypeSubmission))


def test_a_member_is_sent_to_their_group(client, login_as, world):
    login_as(world.ana)
    response = client.get("/my-prototype")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/groups/{world.group.id}/prototype")


def test_an_official_without_a_group_is_told_so(client, login_as, world, official):
    login_as(official)
    response = client.get("/my-prototype")
    assert response.status_code == 200 and "not in a project group yet" in response.text


def test_a_member_submits_with_files_and_every_member_sees_it(client, login_as, world, uploads):
    login_as(world.ana)
    page = client.get(f"/groups/{world.group.id}/prototype")
    assert page.status_code == 200 and "Submit your prototype" in page.text
    response = client.post(f"/groups/{world.group.id}/prototype", data=form_data(
        files=[(io.BytesIO(PDF), "Informe final.pdf"), (io.BytesIO(SAMPLES["png"]), "foto.png")]),
        content_type="multipart/form-data")
    assert response.status_code == 302
    submission = db.session.scalar(sa.select(PrototypeSubmission))
    assert response.headers["Location"].endswith(f"/submissions/{submission.id}")
    assert [f.kind for f in submission.files] == ["pdf", "png"]
    login_as(world.beto)
    page = client.get(f"/submissions/{submission.id}")
    assert page.status_code == 200
    assert TEXTS["title"] in page.text and "Informe final.pdf" in page.text
    assert "no released grade yet" in page.text
    listing = client.get(f"/groups/{world.group.id}/prototype")
    assert "Version 1" in listing.text and "Submit a new version" in listing.text
    assert TEXTS["deliver"] in listing.text  # the form starts from the latest texts


def test_downloads_are_attachments_of_the_detected_type(client, login_as, world, uploads):
    submission = submit(world.group, world.ana, files=[pdf_upload("foto.png")])
    attached = submission.files[0]
    login_as(world.beto)
    response = client.get(f"/submissions/{submission.id}/files/{attached.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "foto.pdf" in response.headers["Content-Disposition"]
    other = submit(world.others, world.carla, files=[pdf_upload()])
    assert client.get(f"/submissions/{submission.id}/files/{other.files[0].id}").status_code == 404


def test_missing_texts_are_shown_next_to_their_fields(client, login_as, world):
    login_as(world.ana)
    response = client.post(f"/groups/{world.group.id}/prototype",
                           data=form_data(title="", discover=""))
    assert response.status_code == 422
    assert response.text.count('class="field-error"') == 2
    assert count_submissions() == 0


@pytest.mark.parametrize("upload, status, message", [
    (lambda: (io.BytesIO(EXE), "presentacion.pdf"), 415, "presentacion.pdf is not a PDF"),
    (lambda: (io.BytesIO(b""), "vacio.pdf"), 422, "vacio.pdf is empty"),
    (lambda: (io.BytesIO(big_pdf(21 * 1024 * 1024)), "enorme.pdf"), 413,
     "enorme.pdf is larger than 20 MB"),
], ids=["exe", "empty", "21 MB"])
def test_a_refused_file_keeps_the_form_and_stores_nothing(client, login_as, world, uploads,
                                                          upload, status, message):
    login_as(world.ana)
    response = client.post(f"/groups/{world.group.id}/prototype",
                           data=form_data(files=[(io.BytesIO(PDF), "bien.pdf"), upload()]),
                           content_type="multipart/form-data")
    assert response.status_code == status
    assert message in response.text
    assert TEXTS["problem"] in response.text  # what was typed is still there
    assert count_submissions() == 0 and stored_files(uploads) == []


def test_the_tutor_grades_and_members_see_the_grade_only_once_released(client, login_as, world):
    submission = submit(world.group, world.ana)
    login_as(world.tutor)
    queue = client.get("/grading")
    assert queue.status_code == 200 and world.group.name in queue.text and "Ungraded" in queue.text
    page = client.get(f"/submissions/{submission.id}/grade")
    assert page.status_code == 200
    assert page.text.count('type="radio"') == 20  # five criteria, four levels each
    assert "Problem understanding" in page.text and TEXTS["discover"] in page.text
    response = client.post(f"/submissions/{submission.id}/grade",
                           data=grade_form(SCORES, "draft", "Borrador privado"))
    assert response.status_code == 302
    assert submission.grade.status is GradeStatus.DRAFT
    login_as(world.ana)
    page = client.get(f"/submissions/{submission.id}")
    assert "Borrador privado" not in page.text and "66.67" not in page.text
    login_as(world.tutor)
    release = grade_form(SCORES, "release", "Excelente trabajo de terreno.")
    asked = client.post(f"/submissions/{submission.id}/grade", data=release)
    # First a confirmation: the result, who will see it, and that it becomes final.
    assert asked.status_code == 200 and "Release the grade of" in asked.text
    assert "66.67%" in asked.text and world.beto.full_name in asked.text
    assert 'id="confirm-people">2<' in asked.text and "Only a manager can reopen it" in asked.text
    assert 'name="score-feasibility" value="4"' in asked.text
    assert submission.grade.status is GradeStatus.DRAFT
    login_as(world.beto)
    assert "Excelente trabajo de terreno." not in client.get(f"/submissions/{submission.id}").text
    login_as(world.tutor)
    response = client.post(f"/submissions/{submission.id}/grade",
                           data={**release, "confirmed": "yes"})
    assert response.status_code == 302
    login_as(world.beto)
    page = client.get(f"/submissions/{submission.id}")
    assert "Excelente trabajo de terreno." in page.text
    assert "66.67" in page.text and "Proficient" in page.text and "Outstanding" in page.text


def test_releasing_needs_every_criterion(client, login_as, world):
    submission = submit(world.group, world.ana)
    login_as(world.tutor)
    response = client.post(f"/submissions/{submission.id}/grade",
                           data=grade_form({"feasibility": 3}, "release"))
    assert response.status_code == 422
    assert "Choose a level for every criterion" in response.text
    assert 'value="3" checked' in response.text  # the chosen level is kept
    assert submission.grade is None  # nothing half-written


def test_a_released_grade_cannot_be_edited(client, login_as, world):
    submission = submit(world.group, world.ana)
    grade(submission, world.tutor, release=True)
    login_as(world.tutor)
    response = client.post(f"/submissions/{submission.id}/grade",
                           data=grade_form({**SCORES, "feasibility": 1}, "draft"))
    assert response.status_code == 409
    assert "released and is final" in response.text
    assert submission.grade.points_for(next(
        s.criterion for s in submission.grade.scores if s.criterion.key == "feasibility")) == 4


def test_an_adjustment_needs_a_reason_and_only_its_member_sees_it(client, login_as, world):
    submission = submit(world.group, world.ana)
    draft = grade(submission, world.tutor)
    login_as(world.tutor)
    response = client.post(f"/grades/{draft.id}/adjustments",
                           data={"person_id": world.beto.id, "percent": "40", "reason": ""})
    assert response.status_code == 422 and draft.adjustments == []
    response = client.post(f"/grades/{draft.id}/adjustments",
                           data={"person_id": world.carla.id, "percent": "40", "reason": "x"})
    assert response.status_code == 422 and draft.adjustments == []
    response = client.post(f"/grades/{draft.id}/adjustments", data={
        "person_id": world.beto.id, "percent": "40", "reason": "No participó en el testeo"})
    assert response.status_code == 302
    client.post(f"/submissions/{submission.id}/grade",
                data={**grade_form(SCORES, "release"), "confirmed": "yes"})
    login_as(world.beto)
    page = client.get(f"/submissions/{submission.id}")
    assert "No participó en el testeo" in page.text and "40" in page.text
    login_as(world.ana)
    assert "No participó en el testeo" not in client.get(f"/submissions/{submission.id}").text


def test_removing_an_adjustment(client, login_as, world):
    from certify.submissions.adjusting import adjust_member

    draft = grade(submit(world.group, world.ana), world.tutor)
    adjust_member(draft, world.beto, percent=30, reason="Poco aporte", by=world.tutor)
    db.session.commit()
    login_as(world.tutor)
    response = client.post(f"/grades/{draft.id}/adjustments/{world.beto.id}/remove")
    assert response.status_code == 302 and draft.adjustments == []
    assert client.post(f"/grades/{draft.id}/adjustments/{world.beto.id}/remove").status_code == 404


def test_a_manager_reopens_with_a_reason(client, login_as, world):
    released = grade(submit(world.group, world.ana), world.tutor, release=True)
    login_as(world.tutor)
    page = client.get(f"/submissions/{released.submission_id}/grade")
    assert "Only a manager can reopen it" in page.text
    assert client.post(f"/grades/{released.id}/reopen",
                       data={"reason": "Error"}).status_code == 403
    login_as(world.manager)
    response = client.post(f"/grades/{released.id}/reopen", data={"reason": "  "})
    assert response.status_code == 422 and released.released
    # First a confirmation: what changes, who stops seeing it, that it can be released again.
    asked = client.post(f"/grades/{released.id}/reopen",
                        data={"reason": "La tutora eligió mal un nivel"})
    assert asked.status_code == 200 and "Reopen the grade of" in asked.text
    assert 'id="confirm-people">2<' in asked.text and world.beto.full_name in asked.text
    assert 'id="confirm-reversible"><span class="badge ok">' in asked.text
    assert "La tutora eligió mal un nivel" in asked.text and released.released
    response = client.post(f"/grades/{released.id}/reopen",
                           data={"reason": "La tutora eligió mal un nivel", "confirmed": "yes"})
    assert response.status_code == 302
    assert released.status is GradeStatus.DRAFT
    assert [(e.action, e.reason) for e in audit.history(released)][-1] == (
        "grade.reopened", "La tutora eligió mal un nivel")
    page = client.get(f"/submissions/{released.submission_id}/grade")
    assert "La tutora eligió mal un nivel" in page.text  # the history shows why


def test_the_queue_shows_the_latest_version_of_each_group_the_tutor_grades(
        client, login_as, world):
    submit(world.group, world.ana, title="Primera versión")
    submit(world.group, world.beto, title="Segunda versión")
    grade(submit(world.others, world.carla, title="Otra idea"), world.tutor, release=True)
    login_as(world.tutor)
    page = client.get("/grading")
    assert "Segunda versión" in page.text and "Primera versión" not in page.text
    assert page.text.index("Segunda versión") < page.text.index("Otra idea")  # ungraded first
    assert "Otra idea" not in client.get("/grading?status=ungraded").text
    assert "Segunda versión" not in client.get("/grading?status=released").text
    login_as(world.other_tutor)
    page = client.get("/grading")
    assert "Segunda versión" not in page.text and "No group has submitted" in page.text
    login_as(world.manager)
    assert "Segunda versión" in client.get("/grading").text


def test_each_queue_card_has_one_action_that_follows_its_state(client, login_as, world):
    ungraded = submit(world.group, world.ana, title="Sin calificar")
    released = grade(submit(world.others, world.carla, title="Publicada"), world.tutor,
                     release=True).submission
    login_as(world.tutor)
    page = client.get("/grading?lang=es").text
    cards = dict(re.findall(r'<li class="card queue-card" id="queue-(\d+)">(.*?)</li>', page, re.S))
    assert ">Calificar</a>" in cards[str(ungraded.id)]  # the verb, not the noun
    assert ">Abrir</a>" in cards[str(released.id)]
    # One cohort: no column nor line repeating its name.
    assert world.group.cohort.name not in cards[str(ungraded.id)]


def test_the_files_of_every_version_stay_available(client, login_as, world, uploads):
    first = submit(world.group, world.ana, files=[pdf_upload("v1.pdf")])
    submit(world.group, world.ana, files=[pdf_upload("v2.pdf", SAMPLES["docx"])])
    login_as(world.beto)
    response = client.get(f"/submissions/{first.id}/files/{first.files[0].id}")
    assert response.status_code == 200 and response.data == PDF
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionFile)) == 2


def test_the_queue_and_the_versions_cost_the_same_queries_for_more_groups(
        client, login_as, world, count_queries):
    from certify.accounts.models import Role
    from tests.factories import make_person
    from tests.submissions.conftest import make_group

    def add_groups(start: int, n: int) -> None:
        for index in range(start, start + n):
            person = make_person(Role.OFFICIAL)
            group = make_group(world.cohort, f"Equipo {index}", [person])
            submit(group, person, files=[pdf_upload()])
            grade(submit(group, person), world.tutor, release=bool(index % 2))

    login_as(world.tutor)
    add_groups(0, 2)
    with count_queries() as few:
        assert client.get("/grading").status_code == 200
    add_groups(2, 6)
    with count_queries() as many:
        assert client.get("/grading").status_code == 200
    assert many["n"] == few["n"]
    from certify.submissions.adjusting import adjust_member

    def add_versions(n: int) -> None:
        for _ in range(n):
            draft = grade(submit(world.group, world.ana, files=[pdf_upload()] * 2), world.tutor)
            adjust_member(draft, world.beto, percent=50, reason="Menos aporte", by=world.tutor)
            db.session.commit()

    add_versions(1)
    with count_queries() as versions:
        assert client.get(f"/groups/{world.group.id}/prototype").status_code == 200
    add_versions(4)
    with count_queries() as more_versions:
        assert client.get(f"/groups/{world.group.id}/prototype").status_code == 200
    assert more_versions["n"] == versions["n"]
