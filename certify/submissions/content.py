"""The prototype rubric, from course_content/rubric.yaml when the file exists.

The rubric is found by its file name, not named in programme.yaml. A criterion
dropped from the file is deleted while no grade refers to it, and retired
(kept, inactive) once one does, so released grades keep their meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from certify.extensions import db
from certify.programmes.content import (
    LoadReport,
    ProgrammeSource,
    assign_changed,
    register_content_part,
)
from certify.programmes.content_files import Checker, LineDict, Problem, read_yaml
from certify.programmes.models import Programme
from certify.submissions.models import Rubric, RubricCriterion, RubricScore

RUBRIC_FILE = "rubric.yaml"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MIN_LEVELS = 2
MAX_LEVELS = 10


@dataclass
class ParsedRubric:
    values: dict
    criteria: list[dict]


class RubricContent:
    programme_keys = frozenset()
    module_keys = frozenset()

    def parse(self, source: ProgrammeSource) -> tuple[ParsedRubric | None, list[Problem]]:
        path = source.root / RUBRIC_FILE
        if not path.is_file():
            return None, []
        data, checker = read_yaml(path, source.root)
        if data is not None or not checker.problems:
            data = checker.mapping(data, 1, "the rubric file")
        if data is None:
            return None, checker.problems
        parsed = _parse_rubric(checker, data)
        source.warnings.extend(checker.warnings)
        return (None if checker.problems else parsed), checker.problems

    def apply(self, parsed: ParsedRubric | None, programme: Programme, report: LoadReport) -> None:
        if parsed is None:
            return
        rubric = db.session.scalar(sa.select(Rubric).where(Rubric.programme_id == programme.id))
        if rubric is None:
            rubric = Rubric(programme=programme, **parsed.values)
            db.session.add(rubric)
            report.count("rubric", "created")
        else:
            changed = assign_changed(rubric, parsed.values)
            report.count("rubric", "updated" if changed else "unchanged")
        _apply_criteria(rubric, parsed.criteria, report)


def _parse_rubric(checker: Checker, data: LineDict) -> ParsedRubric:
    checker.keys(data, required={"pass_mark", "criteria"})
    values = {"pass_mark": checker.number(data, "pass_mark", minimum=0, maximum=100),
              "source_path": checker.path}
    criteria = data.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        checker.problem(checker.line_of(data, "criteria"), "'criteria' must be a non-empty list")
        return ParsedRubric(values, [])
    parsed: list[dict] = []
    keys: dict[str, int] = {}
    for index, item in enumerate(criteria):
        line = checker.line_of(criteria, index)
        item = checker.mapping(item, line, f"criterion {index + 1}")
        if item is None:
            continue
        criterion = _parse_criterion(checker, item, index + 1)
        key = criterion["key"]
        if key in keys:
            checker.problem(checker.line_of(item, "key"),
                            f"criterion key '{key}' is also used on line {keys[key]}")
        keys.setdefault(key, checker.line_of(item, "key"))
        parsed.append(criterion)
    return ParsedRubric(values, parsed)


def _parse_criterion(checker: Checker, item: LineDict, number: int) -> dict:
    what = f"criterion {number}"
    checker.keys(item, required={"key", "title", "weight", "levels"}, optional={"description"},
                 what=what)
    key = item.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        checker.problem(checker.line_of(item, "key"),
                        f"{what}: 'key' must be lower-case letters, digits and _ "
                        f"(at most 40, starting with a letter), not {key!r}")
    return {
        "key": key if isinstance(key, str) else "",
        "title": checker.translated(item, "title"),
        "description": checker.translated(item, "description", required=False),
        "weight": checker.number(item, "weight", minimum=1, maximum=100),
        "levels": _parse_levels(checker, item, what),
    }


def _parse_levels(checker: Checker, item: LineDict, what: str) -> list[dict]:
    levels = item.get("levels")
    if not isinstance(levels, list) or not MIN_LEVELS <= len(levels) <= MAX_LEVELS:
        checker.problem(checker.line_of(item, "levels"),
                        f"{what}: 'levels' must list {MIN_LEVELS} to {MAX_LEVELS} levels")
        return []
    parsed: list[dict] = []
    previous: int | None = None
    for index, level in enumerate(levels):
        line = checker.line_of(levels, index)
        level = checker.mapping(level, line, f"{what}, level {index + 1}")
        if level is None:
            continue
        checker.keys(level, required={"points", "title"}, optional={"description"},
                     what=f"{what}, level {index + 1}")
        points = checker.number(level, "points", minimum=0, maximum=100)
        if points is not None and previous is not None and points <= previous:
            checker.problem(checker.line_of(level, "points"),
                            f"{what}: levels must be in strictly ascending order of points "
                            f"({points} follows {previous})")
        previous = points if points is not None else previous
        parsed.append({"points": points, "title": checker.translated(level, "title"),
                       "description": checker.translated(level, "description", required=False)})
    return parsed


def _apply_criteria(rubric: Rubric, criteria: list[dict], report: LoadReport) -> None:
    existing = {criterion.key: criterion for criterion in rubric.criteria}
    for position, values in enumerate(criteria, start=1):
        criterion = existing.pop(values["key"], None)
        if criterion is None:
            rubric.criteria.append(RubricCriterion(position=position, **values))
            report.count("rubric criterion", "created")
        else:
            changed = assign_changed(criterion, {"position": position, "active": True, **values})
            report.count("rubric criterion", "updated" if changed else "unchanged")
    if not existing:
        return
    graded = set(db.session.scalars(
        sa.select(RubricScore.criterion_id).where(
            RubricScore.criterion_id.in_([c.id for c in existing.values()])).distinct()))
    for criterion in existing.values():
        if criterion.id in graded:
            if criterion.active:
                criterion.active = False
                report.count("rubric criterion", "retired")
        else:
            rubric.criteria.remove(criterion)
            report.count("rubric criterion", "removed")


register_content_part(RubricContent())
