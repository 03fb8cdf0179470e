"""prototype_results: per person, by group membership at submission time, in bounded queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from certify.accounts.models import Role
from certify.cohorts.models import GroupMembership
from certify.core.clock import utcnow
from certify.extensions import db
from certify.submissions import adjusting, grading
from certify.submissions.results import prototype_results
from tests.factories import make_person
from tests.submissions.conftest import SCORES, grade, make_group, submit


def move(person, group, *, at):
    current = db.session.scalar(sa.select(GroupMembership).where(
        GroupMembership.person_id == person.id, GroupMembership.left_at.is_(None)))
    if current is not None:
        current.left_at = at
    db.session.add(GroupMembership(group_id=group.id, cohort_id=group.cohort_id,
                                   person_id=person.id, joined_at=at))
    db.session.commit()


def test_released_grades_count_drafts_do_not(world):
    grade(submit(world.group, world.ana), world.tutor, release=True)
    grade(submit(world.others, world.carla), world.tutor)
    results = prototype_results(world.cohort)
    assert set(results) == {world.ana.id, world.beto.id, world.carla.id}
    ana = results[world.ana.id]
    assert (ana.percent, ana.passed, ana.released, ana.late) == (
        Decimal("66.67"), True, True, False)
    assert ana.graded_at is not None and results[world.beto.id] == ana
    carla = results[world.carla.id]
    assert (carla.percent, carla.passed, carla.released, carla.graded_at) == (
        None, False, False, None)


def test_nobody_has_a_result_before_their_group_submits(world):
    assert prototype_results(world.cohort) == {}
    submit(world.group, world.ana)
    assert set(prototype_results(world.cohort)) == {world.ana.id, world.beto.id}


def test_an_adjusted_member_gets_their_own_percent(world):
    draft = grade(submit(world.group, world.ana), world.tutor)
    adjusting.adjust_member(draft, world.beto, percent=40, reason="No participó", by=world.tutor)
    grading.release_grade(draft, by=world.tutor)
    db.session.commit()
    results = prototype_results(world.cohort)
    assert (results[world.beto.id].percent, results[world.beto.id].passed,
            results[world.beto.id].adjusted) == (Decimal("40.00"), False, True)
    assert results[world.ana.id].percent == Decimal("66.67")


def test_the_programme_pass_mark_wins_over_the_rubric(world):
    grade(submit(world.group, world.ana), world.tutor, release=True)
    world.programme.certification_rules = {**world.programme.certification_rules,
                                           "prototype_pass_mark": 70}
    db.session.commit()
    assert prototype_results(world.cohort)[world.ana.id].passed is False
    rules = dict(world.programme.certification_rules)
    rules.pop("prototype_pass_mark")
    world.programme.certification_rules = rules
    db.session.commit()
    assert prototype_results(world.cohort)[world.ana.id].passed is True  # the rubric's 60


def test_the_latest_released_version_counts_until_a_newer_one_is_released(world):
    grade(submit(world.group, world.ana), world.tutor, release=True)
    world.cohort.project_due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    second = submit(world.group, world.beto)
    grade(second, world.tutor, scores=dict.fromkeys(SCORES, 1))
    result = prototype_results(world.cohort)[world.ana.id]
    assert (result.percent, result.late) == (Decimal("66.67"), False)
    grading.release_grade(second.grade, by=world.tutor)
    db.session.commit()
    result = prototype_results(world.cohort)[world.ana.id]
    assert (result.percent, result.passed, result.late, result.submission_id) == (
        Decimal("25.00"), False, True, second.id)


def test_the_group_at_submission_time_counts_then_the_current_one(world):
    now = utcnow()
    grade(submit(world.group, world.ana), world.tutor, scores=dict.fromkeys(SCORES, 4),
          release=True)
    grade(submit(world.others, world.carla), world.tutor, scores=dict.fromkeys(SCORES, 1),
          release=True)
    # Beto moves to Carla's group after both submitted: his result is still his old group's.
    move(world.beto, world.others, at=now + timedelta(seconds=1))
    # Dora joins Carla's group after the submission and was in no group then: she gets its result.
    dora = make_person(Role.OFFICIAL, given_names="Dora")
    move(dora, world.others, at=now + timedelta(seconds=2))
    results = prototype_results(world.cohort)
    assert results[world.beto.id].percent == Decimal("100.00")
    assert results[world.beto.id].group_id == world.group.id
    assert results[dora.id].percent == Decimal("25.00")
    assert results[dora.id].group_id == world.others.id


def test_results_take_a_fixed_number_of_queries(world, count_queries):
    def add_groups(start: int, n: int) -> None:
        for index in range(start, start + n):
            people = [make_person(Role.OFFICIAL) for _ in range(3)]
            group = make_group(world.cohort, f"Equipo {index}", people)
            draft = grade(submit(group, people[0]), world.tutor)
            adjusting.adjust_member(draft, people[1], percent=50, reason="Menos aporte",
                                  by=world.tutor)
            if index % 2:
                grading.release_grade(draft, by=world.tutor)
            db.session.commit()

    add_groups(0, 2)
    db.session.expire_all()
    with count_queries() as small:
        assert len(prototype_results(world.cohort)) == 6
    add_groups(2, 8)
    db.session.expire_all()
    with count_queries() as large:
        assert len(prototype_results(world.cohort)) == 30
    assert large["n"] == small["n"] <= 6
