"""Submitting a prototype: versions, the late flag, who may submit, nothing half-written."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.cohorts.models import GroupMembership
from certify.core.clock import utcnow
from certify.core.errors import (
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationError,
)
from certify.extensions import db
from certify.submissions.files import IncomingFile
from certify.submissions.models import PrototypeSubmission, SubmissionFile
from certify.submissions.permissions import can_see_group_work
from certify.submissions.submitting import submit_prototype, versions_of
from tests.submissions.conftest import TEXTS, pdf_upload, stored_files, submit
from tests.submissions.samples import ELF, SAMPLES
from tests.submissions.test_files import sparse_file


def counts() -> tuple[int, int]:
    return (db.session.scalar(sa.select(sa.func.count()).select_from(PrototypeSubmission)),
            db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionFile)))


def test_each_submission_is_a_new_version_and_every_version_is_kept(world):
    first = submit(world.group, world.ana, title="Primera idea")
    second = submit(world.group, world.beto, title="Idea mejorada")
    elsewhere = submit(world.others, world.carla)
    assert (first.version, second.version, elsewhere.version) == (1, 2, 1)
    assert [v.title for v in versions_of(world.group)] == ["Idea mejorada", "Primera idea"]
    assert second.submitted_by == world.beto
    assert second.problem == TEXTS["problem"] and second.deliver == TEXTS["deliver"]


def test_before_the_deadline_a_submission_is_on_time_after_it_late(world):
    world.cohort.project_due_at = utcnow() + timedelta(days=1)
    db.session.commit()
    assert submit(world.group, world.ana).late is False
    world.cohort.project_due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = submit(world.group, world.ana)
    assert late.late is True and late.version == 2


def test_without_a_deadline_nothing_is_late(world):
    assert world.cohort.project_due_at is None
    assert submit(world.group, world.ana).late is False


def test_only_current_members_submit(world):
    with pytest.raises(PermissionDenied):
        submit_prototype(world.group, by=world.carla, **TEXTS)
    with pytest.raises(PermissionDenied):
        submit_prototype(world.group, by=world.tutor, **TEXTS)
    membership = db.session.scalar(sa.select(GroupMembership).where(
        GroupMembership.person_id == world.beto.id))
    membership.left_at = utcnow()
    db.session.commit()
    with pytest.raises(PermissionDenied):
        submit_prototype(world.group, by=world.beto, **TEXTS)
    assert counts() == (0, 0)


def test_members_past_and_present_tutors_and_managers_see_the_work(world):
    membership = db.session.scalar(sa.select(GroupMembership).where(
        GroupMembership.person_id == world.beto.id))
    membership.left_at = utcnow()
    db.session.commit()
    assert can_see_group_work(world.ana, world.group)
    assert can_see_group_work(world.beto, world.group)  # graded work from their time stays theirs
    assert can_see_group_work(world.tutor, world.group)
    assert can_see_group_work(world.manager, world.group)
    assert not can_see_group_work(world.carla, world.group)
    assert not can_see_group_work(world.other_tutor, world.group)


def test_every_text_is_required_and_named(world):
    with pytest.raises(ValidationError) as raised:
        submit_prototype(world.group, by=world.ana, **{**TEXTS, "title": "  ", "define": ""})
    assert set(raised.value.errors) == {"title", "define"}
    with pytest.raises(ValidationError) as raised:
        submit_prototype(world.group, by=world.ana, **{**TEXTS, "title": "x" * 201})
    assert set(raised.value.errors) == {"title"}
    assert counts() == (0, 0)


def test_files_are_recorded_with_their_detected_type(world, uploads):
    submission = submit(world.group, world.ana, files=[
        pdf_upload("Informe final.pdf"),
        IncomingFile("foto.png", io.BytesIO(SAMPLES["pdf"])),
        IncomingFile("presentación.pptx", io.BytesIO(SAMPLES["pptx"])),
    ])
    assert [(f.position, f.label, f.kind) for f in submission.files] == [
        (1, "Informe final.pdf", "pdf"), (2, "foto.png", "pdf"), (3, "presentación.pptx", "pptx")]
    assert submission.files[2].media_type.endswith("presentationml.presentation")
    # The same content twice is stored once.
    assert {path.name for path in stored_files(uploads)} == {
        hashlib.sha256(SAMPLES["pdf"]).hexdigest(), hashlib.sha256(SAMPLES["pptx"]).hexdigest()}


def test_the_same_file_in_two_versions_is_stored_once(world, uploads):
    submit(world.group, world.ana, files=[pdf_upload()])
    submit(world.group, world.beto, files=[pdf_upload("copia.pdf")])
    assert counts() == (2, 2)
    assert len(stored_files(uploads)) == 1


@pytest.mark.parametrize("bad, error", [
    (lambda: IncomingFile("programa.pdf", io.BytesIO(ELF)), UnsupportedMediaType),
    (lambda: IncomingFile("vacío.pdf", io.BytesIO(b"")), ValidationError),
    (lambda: IncomingFile("enorme.pdf", sparse_file(21 * 1024 * 1024)), PayloadTooLarge),
])
def test_one_bad_file_and_nothing_is_stored_or_recorded(world, uploads, bad, error):
    with pytest.raises(error):
        submit_prototype(world.group, by=world.ana, files=[pdf_upload(), bad()], **TEXTS)
    db.session.rollback()
    assert counts() == (0, 0)
    assert stored_files(uploads) == []
