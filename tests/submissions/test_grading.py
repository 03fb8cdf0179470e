"""Grading with the rubric: weighted percent, drafts, release, reopening, member adjustments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from certify.core import audit
from certify.core.errors import Conflict, PermissionDenied, ValidationError
from certify.core.signals import grade_released
from certify.extensions import db
from certify.submissions import adjusting, grading
from certify.submissions.models import GradeStatus
from tests.submissions.conftest import SCORES, grade, submit

ALL = ("problem_understanding", "people_focus", "feasibility", "public_value", "presentation")


@pytest.mark.parametrize("scores, percent", [
    (SCORES, Decimal("66.67")),  # (3 + 2 + 4 + 2*3 + 1) / 24
    (dict.fromkeys(ALL, 4), Decimal("100.00")),
    (dict.fromkeys(ALL, 1), Decimal("25.00")),  # 6 / 24
    ({**dict.fromkeys(ALL, 1), "public_value": 4}, Decimal("50.00")),  # (4 + 2*4) / 24
])
def test_the_percent_is_weighted_points_over_the_weighted_maximum(world, scores, percent):
    draft = grade(submit(world.group, world.ana), world.tutor, scores=scores)
    assert draft.percent == percent
    assert draft.status is GradeStatus.DRAFT and draft.released_at is None


def test_a_draft_may_be_partial_but_a_release_may_not(world):
    draft = grade(submit(world.group, world.ana), world.tutor,
                  scores={"problem_understanding": 3, "public_value": None})
    assert draft.percent is None and len(draft.scores) == 1
    with pytest.raises(ValidationError) as raised:
        grading.release_grade(draft, by=world.tutor)
    assert set(raised.value.errors) == set(ALL) - {"problem_understanding"}
    assert draft.status is GradeStatus.DRAFT


def test_saving_again_replaces_the_scores(world):
    submission = submit(world.group, world.ana)
    grade(submission, world.tutor)
    again = grade(submission, world.tutor, scores={"feasibility": 2}, feedback="Otra mirada")
    assert [(s.criterion.key, s.points) for s in again.scores] == [("feasibility", 2)]
    assert again.feedback == "Otra mirada"


@pytest.mark.parametrize("scores, field", [
    ({"feasibility": 5}, "feasibility"),
    ({"feasibility": 0}, "feasibility"),
    ({"feasibility": True}, "feasibility"),
    ({"creativity": 3}, "creativity"),
])
def test_scores_must_be_levels_of_the_rubric(world, scores, field):
    with pytest.raises(ValidationError) as raised:
        grading.save_draft(submit(world.group, world.ana), by=world.tutor, scores=scores)
    assert set(raised.value.errors) == {field}


def test_only_the_cohorts_tutors_and_managers_grade(world):
    submission = submit(world.group, world.ana)
    for person in (world.other_tutor, world.ana):
        with pytest.raises(PermissionDenied):
            grading.save_draft(submission, by=person, scores=SCORES)
    assert grade(submission, world.manager).tutor == world.manager


def test_release_is_audited_and_announced_to_the_members(world):
    draft = grade(submit(world.group, world.ana), world.tutor)
    announced = []

    def receiver(sender, **details):
        announced.append((sender, details["members"]))

    with grade_released.connected_to(receiver):
        grading.release_grade(draft, by=world.tutor)
    assert draft.status is GradeStatus.RELEASED and draft.released_at is not None
    assert announced == [(draft, [world.ana, world.beto])]
    [event] = audit.history(draft)
    assert (event.action, event.actor_id, event.details["percent"]) == (
        "grade.released", world.tutor.id, "66.67")


def test_a_released_grade_is_final(world):
    released = grade(submit(world.group, world.ana), world.tutor, release=True)
    with pytest.raises(Conflict):
        grading.save_draft(released.submission, by=world.tutor, scores=SCORES)
    with pytest.raises(Conflict):
        grading.release_grade(released, by=world.tutor)
    with pytest.raises(Conflict):
        adjusting.adjust_member(released, world.ana, percent=50, reason="No participó",
                              by=world.tutor)
    assert released.percent == Decimal("66.67")


def test_a_manager_reopens_a_released_grade_with_a_reason(world):
    released = grade(submit(world.group, world.ana), world.tutor, release=True)
    with pytest.raises(PermissionDenied):
        grading.reopen_grade(released, by=world.tutor, reason="Error de digitación")
    with pytest.raises(ValidationError) as raised:
        grading.reopen_grade(released, by=world.manager, reason="   ")
    assert "reason" in raised.value.errors
    grading.reopen_grade(released, by=world.manager, reason="Error de digitación en factibilidad")
    db.session.commit()
    assert released.status is GradeStatus.DRAFT and released.released_at is None
    events = audit.history(released)
    assert [e.action for e in events] == ["grade.released", "grade.reopened"]
    assert (events[1].actor_id, events[1].reason) == (
        world.manager.id, "Error de digitación en factibilidad")
    # Reopened, it can be corrected and released again; a draft cannot be reopened.
    with pytest.raises(Conflict):
        grading.reopen_grade(released, by=world.manager, reason="Otra vez")
    grade(released.submission, world.tutor, scores={**SCORES, "feasibility": 3}, release=True)
    assert released.percent == Decimal("62.50")


def test_one_member_is_adjusted_with_a_written_reason(world):
    draft = grade(submit(world.group, world.ana), world.tutor)
    with pytest.raises(ValidationError) as raised:
        adjusting.adjust_member(draft, world.beto, percent=40, reason="", by=world.tutor)
    assert "reason" in raised.value.errors
    for percent in (-1, 100.01, "mucho"):
        with pytest.raises(ValidationError) as raised:
            adjusting.adjust_member(draft, world.beto, percent=percent, reason="x", by=world.tutor)
        assert "percent" in raised.value.errors
    with pytest.raises(ValidationError) as raised:
        adjusting.adjust_member(draft, world.carla, percent=40, reason="Otro grupo", by=world.tutor)
    assert "person_id" in raised.value.errors
    adjustment = adjusting.adjust_member(draft, world.beto, percent="40.5",
                                       reason="No participó en el testeo", by=world.tutor)
    assert (adjustment.percent, adjustment.adjusted_by) == (Decimal("40.50"), world.tutor)
    again = adjusting.adjust_member(draft, world.beto, percent=45, reason="Revisado",
                                  by=world.tutor)
    assert again is adjustment and len(draft.adjustments) == 1
    adjusting.remove_adjustment(draft, world.beto, by=world.tutor)
    assert draft.adjustments == []


def test_grading_needs_a_rubric(world):
    from certify.submissions.models import Rubric

    db.session.delete(db.session.get(Rubric, grading.rubric_of(world.programme).id))
    db.session.commit()
    with pytest.raises(Conflict):
        grading.save_draft(submit(world.group, world.ana), by=world.tutor, scores=SCORES)
