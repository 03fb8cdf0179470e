"""The rubric as course content: loaded from rubric.yaml, idempotent, precise about mistakes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from certify.extensions import db
from certify.programmes.content import load_course_content
from certify.programmes.content_files import ContentError
from certify.submissions.models import Rubric, RubricCriterion
from tests.submissions.conftest import grade, submit


@pytest.fixture
def content_copy(app, tmp_path) -> Path:
    target = tmp_path / "course_content"
    shutil.copytree(app.config["CONTENT_DIR"], target)
    return target


def rubric_rows() -> list[tuple]:
    return db.session.execute(
        sa.select(Rubric.pass_mark, RubricCriterion.key, RubricCriterion.weight,
                  RubricCriterion.levels, RubricCriterion.active)
        .join(RubricCriterion.rubric).order_by(RubricCriterion.position)).all()


def only_rubric(programme) -> Rubric:
    return db.session.scalar(sa.select(Rubric).where(Rubric.programme_id == programme.id))


def test_the_real_rubric_has_five_weighted_criteria(programme):
    rubric = only_rubric(programme)
    assert rubric.pass_mark == 60
    assert [(c.key, c.weight) for c in rubric.criteria] == [
        ("problem_understanding", 1), ("people_focus", 1), ("feasibility", 1),
        ("public_value", 2), ("presentation", 1)]
    assert rubric.weighted_maximum == 24
    for criterion in rubric.criteria:
        assert criterion.points == [1, 2, 3, 4]
        assert {"es", "pt", "en"} <= set(criterion.title)
        assert all({"es", "pt", "en"} <= set(level["description"]) for level in criterion.levels)
    assert rubric.source_path == "course_content/rubric.yaml"


def test_loading_twice_changes_nothing(app, programme):
    before = rubric_rows()
    report = load_course_content(app.config["CONTENT_DIR"])
    assert rubric_rows() == before
    assert report.counts["rubric"] == {"unchanged": 1}
    assert report.counts["rubric criterion"] == {"unchanged": 5}


def test_a_change_in_the_file_updates_in_place(content_copy):
    report = load_course_content(content_copy)
    assert report.counts["rubric criterion"] == {"created": 5}
    path = content_copy / "rubric.yaml"
    path.write_text(path.read_text().replace("pass_mark: 60", "pass_mark: 70")
                    .replace("    weight: 2\n", "    weight: 3\n"))
    report = load_course_content(content_copy)
    assert report.counts["rubric"] == {"updated": 1}
    assert report.counts["rubric criterion"] == {"updated": 1, "unchanged": 4}
    rubric = only_rubric(report.programme)
    assert rubric.pass_mark == 70 and rubric.weighted_maximum == 28


@pytest.mark.parametrize("old, new, line, message", [
    ("      - points: 3\n", "      - points: 1\n", 28, "strictly ascending order of points"),
    ("    weight: 2\n", "    weight: 0\n", 119, "'weight' must be a whole number from 1 to 100"),
    ("pass_mark: 60", "pass_mark: 160", 3, "'pass_mark' must be a whole number from 0 to 100"),
    ("  - key: people_focus\n", "  - key: problem_understanding\n", 40,
     "criterion key 'problem_understanding' is also used on line 5"),
    ("    weight: 1\n", "    weight: 1\n    colour: red\n", 15, "unknown key 'colour'"),
    ("  - key: feasibility\n", "  - key: Feasibility!\n", 75, "'key' must be lower-case"),
    ("criteria:\n", "criteria: [\n", None, "invalid YAML"),
])
def test_a_broken_rubric_changes_nothing_and_names_path_and_line(
        content_copy, old, new, line, message):
    load_course_content(content_copy)
    db.session.commit()
    before = rubric_rows()
    path = content_copy / "rubric.yaml"
    text = path.read_text()
    assert old in text
    broken = text.replace(old, new, 1)
    if "pass_mark" not in old:  # a valid change beside the mistake must not be written either
        broken = broken.replace("pass_mark: 60", "pass_mark: 50")
    path.write_text(broken)
    with pytest.raises(ContentError) as raised:
        load_course_content(content_copy)
    prefix = f"course_content/rubric.yaml:{line if line else ''}"
    problems = [str(problem) for problem in raised.value.problems]
    assert any(p.startswith(prefix) and message in p for p in problems), problems
    assert rubric_rows() == before


def test_levels_need_points_and_a_title(content_copy):
    path = content_copy / "rubric.yaml"
    text = path.read_text()
    path.write_text(text.replace("      - points: 2\n        title: {es: \"En desarrollo\", "
                                 "pt: \"Em desenvolvimento\", en: \"Developing\"}\n",
                                 "      - title: {es: \"En desarrollo\"}\n", 1))
    with pytest.raises(ContentError) as raised:
        load_course_content(content_copy)
    assert "course_content/rubric.yaml:22: criterion 1, level 2: missing required key 'points'" \
        in [str(problem) for problem in raised.value.problems]


def test_without_a_rubric_file_there_is_no_rubric(content_copy):
    (content_copy / "rubric.yaml").unlink()
    report = load_course_content(content_copy)
    assert "rubric" not in report.counts
    assert only_rubric(report.programme) is None


def test_a_criterion_dropped_from_the_file_is_removed_while_nobody_was_graded(content_copy):
    path = content_copy / "rubric.yaml"
    load_course_content(content_copy)
    text = path.read_text()
    path.write_text(text[:text.index("  - key: presentation")])
    report = load_course_content(content_copy)
    assert report.counts["rubric criterion"]["removed"] == 1
    assert [c.key for c in only_rubric(report.programme).criteria][-1] == "public_value"


def test_a_criterion_dropped_after_grading_is_retired_and_grades_keep_it(world, app, tmp_path):
    content = tmp_path / "graded_content"
    shutil.copytree(app.config["CONTENT_DIR"], content)
    released = grade(submit(world.group, world.ana), world.tutor, release=True)
    path = content / "rubric.yaml"
    text = path.read_text()
    path.write_text(text[:text.index("  - key: presentation")])
    report = load_course_content(content)
    assert report.counts["rubric criterion"]["retired"] == 1
    rubric = only_rubric(world.programme)
    retired = next(c for c in rubric.criteria if c.key == "presentation")
    assert not retired.active and retired not in rubric.active_criteria
    assert released.points_for(retired) == 1
    assert rubric.weighted_maximum == 20
    # Back in the file, it is active again.
    path.write_text(text)
    load_course_content(content)
    assert retired.active
