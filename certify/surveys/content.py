"""Survey templates from every course_content/surveys/*.yaml file.

The files are found by folder, not named in programme.yaml, so adding a survey
is adding a file. Each is upserted by its ``key``; its items by theirs, and an
item dropped from the file is retired (kept, inactive) so earlier answers keep
their meaning.
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
from certify.surveys.models import ItemKind, SurveyItem, SurveyTemplate

SURVEYS_FOLDER = "surveys"
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass
class ParsedTemplate:
    key: str
    values: dict
    items: list[dict]


class SurveyContent:
    programme_keys = frozenset()
    module_keys = frozenset()

    def parse(self, source: ProgrammeSource) -> tuple[list[ParsedTemplate], list[Problem]]:
        templates: list[ParsedTemplate] = []
        problems: list[Problem] = []
        seen: dict[str, str] = {}  # template key -> "path:line" where it was first used
        kinds = _stored_kinds(source.values.get("code"))
        for path in sorted((source.root / SURVEYS_FOLDER).glob("*.yaml")):
            data, checker = read_yaml(path, source.root)
            if data is not None or not checker.problems:
                data = checker.mapping(data, 1, "the survey file")
            if data is not None:
                template = _parse_template(checker, data, kinds)
                if template.key in seen:
                    checker.problem(checker.line_of(data, "key"), f"survey key '{template.key}' "
                                    f"is also used in {seen[template.key]}")
                elif template.key:
                    seen[template.key] = f"{checker.path}:{checker.line_of(data, 'key')}"
                if not checker.problems:
                    templates.append(template)
            problems.extend(checker.problems)
            source.warnings.extend(checker.warnings)
        return templates, problems

    def apply(self, parsed: list[ParsedTemplate], programme: Programme, report: LoadReport) -> None:
        existing = {
            template.key: template for template in db.session.scalars(
                sa.select(SurveyTemplate).where(SurveyTemplate.programme_id == programme.id))
        } if programme.id else {}
        for parsed_template in parsed:
            template = existing.get(parsed_template.key)
            if template is None:
                template = SurveyTemplate(programme=programme, key=parsed_template.key,
                                          **parsed_template.values)
                db.session.add(template)
                report.count("survey template", "created")
            else:
                changed = assign_changed(template, parsed_template.values)
                report.count("survey template", "updated" if changed else "unchanged")
            _apply_items(template, parsed_template.items, report)


def _key(checker: Checker, mapping: LineDict, what: str) -> str:
    key = mapping.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        checker.problem(checker.line_of(mapping, "key"),
                        f"{what}: 'key' must be 1 to 40 lower-case letters, digits or '_', "
                        f"starting with a letter, not {key!r}")
        return ""
    return key


def _stored_kinds(programme_code: str | None) -> dict[tuple[str, str], ItemKind]:
    """``{(template key, item key): kind}`` of the items already loaded for this programme."""
    if not programme_code:
        return {}
    rows = db.session.execute(
        sa.select(SurveyTemplate.key, SurveyItem.key, SurveyItem.kind)
        .join(SurveyItem.template).join(SurveyTemplate.programme)
        .where(Programme.code == programme_code)
    ).all()
    return {(template_key, item_key): kind for template_key, item_key, kind in rows}


def _parse_template(checker: Checker, data: LineDict,
                    kinds: dict[tuple[str, str], ItemKind]) -> ParsedTemplate:
    checker.keys(data, required={"key", "title", "items"})
    key = _key(checker, data, "the survey") if "key" in data else ""
    # A missing key was reported by keys() above; say nothing more about it.
    values = {"title": checker.translated(data, "title") if "title" in data else {},
              "source_path": checker.path}
    items = data.get("items")
    if "items" not in data:
        return ParsedTemplate(key, values, [])
    if not isinstance(items, list) or not items:
        checker.problem(checker.line_of(data, "items"), "'items' must be a non-empty list")
        return ParsedTemplate(key, values, [])
    parsed: list[dict] = []
    lines: dict[str, int] = {}
    for index, item in enumerate(items):
        line = checker.line_of(items, index)
        item = checker.mapping(item, line, f"item {index + 1}")
        if item is None:
            continue
        values_of_item = _parse_item(checker, item, index + 1)
        item_key = values_of_item["key"]
        if item_key and item_key in lines:
            checker.problem(checker.line_of(item, "key"),
                            f"item key '{item_key}' is also used on line {lines[item_key]}")
        elif item_key:
            lines[item_key] = checker.line_of(item, "key")
        stored = kinds.get((key, item_key))
        if stored and values_of_item["kind"] and stored is not values_of_item["kind"]:
            # Earlier answers were given to the old kind of question; give the new one a new key.
            checker.problem(checker.line_of(item, "kind"),
                            f"item '{item_key}' was loaded as a {stored.value} item; changing its "
                            f"kind would change the meaning of earlier answers (use a new key)")
        parsed.append(values_of_item)
    return ParsedTemplate(key, values, parsed)


def _parse_item(checker: Checker, item: LineDict, number: int) -> dict:
    what = f"item {number}"
    checker.keys(item, required={"key", "kind", "prompt"}, optional={"required"}, what=what)
    # Missing keys were reported by keys() above; check only what is there.
    kind = checker.choice(item, "kind", tuple(kind.value for kind in ItemKind)) \
        if "kind" in item else None
    # Scale items must be answered unless the file says otherwise; open answers are optional.
    required = checker.boolean(item, "required", kind == ItemKind.SCALE)
    return {
        "key": _key(checker, item, what) if "key" in item else "",
        "kind": ItemKind(kind) if kind else None,
        "prompt": checker.translated(item, "prompt") if "prompt" in item else {},
        "required": required,
    }


def _apply_items(template: SurveyTemplate, items: list[dict], report: LoadReport) -> None:
    existing = {item.key: item for item in template.items}
    for position, values in enumerate(items, start=1):
        item = existing.pop(values["key"], None)
        if item is None:
            template.items.append(SurveyItem(position=position, active=True, **values))
            report.count("survey item", "created")
        else:
            changed = assign_changed(item, {"position": position, "active": True, **values})
            report.count("survey item", "updated" if changed else "unchanged")
    for retired in existing.values():
        if retired.active:
            retired.active = False
            report.count("survey item", "retired")


register_content_part(SurveyContent())
