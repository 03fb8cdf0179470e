"""Loading a programme from course_content/: check every file first, then write once.

Areas above programmes add what they own (quizzes, rubrics, surveys) by
registering a :class:`ContentPart`; the loader parses all parts before any of
them writes, so a mistake anywhere changes nothing anywhere.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from certify.accounts.services import normalise_email
from certify.core.errors import ValidationError
from certify.core.signals import content_loaded
from certify.extensions import db
from certify.programmes.competencies import parse_competencies
from certify.programmes.content_files import (
    TRANSLATED_LANGUAGES,
    Checker,
    ContentError,
    LineDict,
    Problem,
    read_front_matter,
    read_yaml,
)
from certify.programmes.models import Module, ModuleKind, Programme

PROGRAMME_FILE = "programme.yaml"
MIN_MODULE_WORDS = 50


@dataclass
class ModuleSource:
    path: Path
    checker: Checker
    front: LineDict
    body: str
    code: str
    kind: str
    # {"pt": ..., "en": ...} from the sibling files 01-x.pt.md, 01-x.en.md
    translations: dict[str, str] = field(default_factory=dict)


@dataclass
class ProgrammeSource:
    """A parsed, checked programme: what the parts read and then write."""

    root: Path
    checker: Checker
    data: LineDict
    values: dict
    modules: list[ModuleSource]
    # Missing translations, from every file; parts add theirs while parsing.
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class LoadReport:
    """What a load did, e.g. ``{"module": {"created": 5}}``."""

    programme: Programme | None = None
    counts: dict[str, Counter] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += n

    def summary(self) -> str:
        return "; ".join(
            f"{kind}: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counter.items()))
            for kind, counter in self.counts.items()
        )


class ContentPart(Protocol):
    """Something a higher area loads from course_content alongside the programme."""

    programme_keys: frozenset[str]  # top-level keys of programme.yaml it owns
    module_keys: frozenset[str]  # module front-matter keys it owns

    def parse(self, source: ProgrammeSource) -> tuple[Any, list[Problem]]: ...

    def apply(self, parsed: Any, programme: Programme, report: LoadReport) -> None: ...


_parts: list[ContentPart] = []


def register_content_part(part: ContentPart) -> None:
    if all(type(existing) is not type(part) for existing in _parts):
        _parts.append(part)


def load_course_content(root: Path | str) -> LoadReport:
    """Create or update the programme in ``root``; raises :class:`ContentError` on any problem.

    Loading the same files twice changes nothing the second time.
    """
    source, problems = parse_programme(Path(root))
    parsed_parts = []
    if source is not None:
        for part in _parts:
            parsed, part_problems = part.parse(source)
            problems.extend(part_problems)
            parsed_parts.append((part, parsed))
    if problems:
        raise ContentError(problems)
    report = LoadReport(warnings=list(dict.fromkeys(source.warnings)))
    programme = _apply_programme(source, report)
    for part, parsed in parsed_parts:
        part.apply(parsed, programme, report)
    db.session.flush()
    report.programme = programme
    content_loaded.send(programme, report=report)
    return report


def parse_programme(root: Path) -> tuple[ProgrammeSource | None, list[Problem]]:
    path = root / PROGRAMME_FILE
    if not path.is_file():
        return None, [Problem(str(path), 1, "the programme file is missing")]
    data, checker = read_yaml(path, root)
    if data is not None or not checker.problems:
        data = checker.mapping(data, 1, "the programme file")
    if data is None:
        return None, checker.problems
    part_keys = set().union(*(part.programme_keys for part in _parts)) if _parts else set()
    checker.keys(data, required={"code", "title", "modules"},
                 optional={"description", "certificate_title", "issuer", "authorities",
                           "certification_rules", "competencies"} | part_keys)
    values = {
        "code": checker.text(data, "code", max_length=32),
        "title": checker.translated(data, "title"),
        "description": checker.translated(data, "description", required=False),
        "certificate_title": checker.translated(data, "certificate_title", required=False),
        "certification_rules": _rules(checker, data),
        "authorities": _authorities(checker, data),
        "competencies": parse_competencies(checker, data),
        **_issuer(checker, data),
    }
    modules = _modules(root, checker, data)
    problems = list(checker.problems)
    warnings = list(checker.warnings)
    for module in modules:
        problems.extend(module.checker.problems)
        warnings.extend(module.checker.warnings)
    return ProgrammeSource(root, checker, data, values, modules, warnings), problems


def _issuer(checker: Checker, data: LineDict) -> dict:
    """The issuer: ``name`` is one name, or one per language (es required, pt and en);
    ``url`` its site and ``email`` where holders and verifiers write (both optional)."""
    issuer = data.get("issuer")
    if issuer is None:
        return {"issuer_name": "", "issuer_names": {}, "issuer_url": None, "issuer_email": None}
    issuer = checker.mapping(issuer, checker.line_of(data, "issuer"), "issuer")
    if issuer is None:
        return {}
    checker.keys(issuer, required={"name"}, optional={"url", "email"}, what="issuer")
    url = checker.text(issuer, "url", required=False, max_length=300)
    if url and not url.startswith(("https://", "http://")):
        checker.problem(checker.line_of(issuer, "url"), "issuer url must start with https://")
    contact = {"issuer_url": url, "issuer_email": _email(checker, issuer)}
    if isinstance(issuer.get("name"), dict):
        names = checker.translated(issuer, "name", what="issuer")
        for language, name in names.items():
            if len(name) > 200:
                checker.problem(checker.line_of(issuer, "name"),
                                f"issuer name ({language}) is longer than 200 characters")
        return {"issuer_name": names.get("es", ""), "issuer_names": names, **contact}
    return {"issuer_name": checker.text(issuer, "name", max_length=200) or "",
            "issuer_names": {}, **contact}


def _email(checker: Checker, issuer: LineDict) -> str | None:
    email = checker.text(issuer, "email", required=False, max_length=254)
    if email is None:
        return None
    try:
        return normalise_email(email)
    except ValidationError as error:
        checker.problem(checker.line_of(issuer, "email"), f"issuer email: {error.message}")
        return None


def _authorities(checker: Checker, data: LineDict) -> list[dict]:
    items = data.get("authorities") or []
    if not isinstance(items, list):
        checker.problem(checker.line_of(data, "authorities"), "'authorities' must be a list")
        return []
    result = []
    for index, item in enumerate(items):
        item = checker.mapping(item, checker.line_of(items, index), f"authority {index + 1}")
        if item is not None:
            checker.keys(item, required={"name", "title"}, what=f"authority {index + 1}")
            result.append({"name": checker.text(item, "name", max_length=200),
                           "title": checker.translated(item, "title")})
    return result


RULE_DEFAULTS = {"virtual_quizzes": "all", "in_person_statuses": ["present", "late"],
                 "prototype_pass_mark": 60, "final_survey": True}


def _rules(checker: Checker, data: LineDict) -> dict:
    rules = checker.settings(data, "certification_rules", RULE_DEFAULTS)
    if rules is None:
        return dict(RULE_DEFAULTS)
    statuses = rules.get("in_person_statuses", RULE_DEFAULTS["in_person_statuses"])
    allowed = {"present", "late", "excused"}
    if not isinstance(statuses, list) or not set(statuses) <= allowed or not statuses:
        checker.problem(checker.line_of(rules, "in_person_statuses"),
                        f"'in_person_statuses' must be a list drawn from {', '.join(sorted(allowed))}")
    return {
        "virtual_quizzes": checker.choice(rules, "virtual_quizzes", ("all", "none"), "all"),
        "in_person_statuses": list(statuses) if isinstance(statuses, list) else [],
        "prototype_pass_mark": checker.number(rules, "prototype_pass_mark", minimum=0, maximum=100,
                                              default=60),
        "final_survey": checker.boolean(rules, "final_survey", True),
    }


def _modules(root: Path, checker: Checker, data: LineDict) -> list[ModuleSource]:
    files = data.get("modules")
    if not isinstance(files, list) or not files:
        checker.problem(checker.line_of(data, "modules"), "'modules' must be a non-empty list of files")
        return []
    part_keys = set().union(*(part.module_keys for part in _parts)) if _parts else set()
    modules: list[ModuleSource] = []
    codes: dict[str, str] = {}
    for index, _name in enumerate(files):
        holder = LineDict({"file": files[index]})
        holder.line, holder.key_lines = checker.line_of(files, index), {}
        path = checker.relative_file(root, holder, "file")
        if path is None:
            continue
        front, body, module_checker = read_front_matter(path, root)
        if front is None:
            modules.append(ModuleSource(path, module_checker, LineDict(), body, "", ""))
            continue
        if module_checker.mapping(front, 1, "the front matter") is None:
            modules.append(ModuleSource(path, module_checker, LineDict(), body, "", ""))
            continue
        module_checker.keys(front, required={"code", "kind", "hours", "title"},
                            optional={"summary", "learning_outcomes", "venue"} | part_keys)
        code = module_checker.text(front, "code", max_length=32) or ""
        kind = module_checker.choice(front, "kind", tuple(k.value for k in ModuleKind)) or ""
        module_checker.number(front, "hours", minimum=0, maximum=500, integer=False)
        module_checker.translated(front, "title")
        module_checker.translated(front, "summary", required=False)
        _outcomes(module_checker, front)
        if kind == ModuleKind.IN_PERSON and not front.get("venue"):
            module_checker.problem(front.line, "an in_person module needs a 'venue'")
        if len(body.split()) < MIN_MODULE_WORDS:
            module_checker.problem(front.line, f"the module text has fewer than {MIN_MODULE_WORDS} words")
        if code in codes:
            module_checker.problem(module_checker.line_of(front, "code"),
                                   f"module code '{code}' is also used by {codes[code]}")
        codes[code] = module_checker.path
        translations = _module_translations(path, root, module_checker)
        modules.append(ModuleSource(path, module_checker, front, body, code, kind, translations))
    return modules


def translation_path(path: Path, language: str) -> Path:
    """``modules/01-x.md`` -> ``modules/01-x.pt.md``: the module's text in ``language``."""
    return path.with_name(f"{path.stem}.{language}{path.suffix}")


def _module_translations(path: Path, root: Path, checker: Checker) -> dict[str, str]:
    """The sibling files holding the teaching text in Portuguese and English (Markdown only)."""
    translations = {}
    first_line = 1 - checker.line_offset  # the checker counts lines from the front matter
    for language in TRANSLATED_LANGUAGES:
        sibling = translation_path(path, language)
        if not sibling.is_file():
            checker.warn_untranslated(first_line, f"the module text ({sibling.name})", [language])
            continue
        try:
            text = sibling.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            checker.problem(first_line, f"cannot read {sibling.name}: {error}")
            continue
        if text.startswith("---"):
            checker.problem(first_line, f"{sibling.name} holds only the translated Markdown, "
                                        "without front matter")
        elif len(text.split()) < MIN_MODULE_WORDS:
            checker.problem(first_line, f"{sibling.name} has fewer than {MIN_MODULE_WORDS} words")
        else:
            translations[language] = text + "\n"
    return translations


def _outcomes(checker: Checker, front: LineDict) -> list[dict]:
    outcomes = front.get("learning_outcomes") or []
    if not isinstance(outcomes, list):
        checker.problem(checker.line_of(front, "learning_outcomes"), "'learning_outcomes' must be a list")
        return []
    result = []
    for index, outcome in enumerate(outcomes):
        holder = LineDict({"outcome": outcome})
        holder.line, holder.key_lines = checker.line_of(outcomes, index), {}
        result.append(checker.translated(holder, "outcome"))
    return result


def _apply_programme(source: ProgrammeSource, report: LoadReport) -> Programme:
    values = source.values
    programme = db.session.scalar(sa.select(Programme).where(Programme.code == values["code"]))
    if programme is None:
        programme = Programme(code=values["code"])
        db.session.add(programme)
        assign_changed(programme, values)
        report.count("programme", "created")
    else:
        report.count("programme", "updated" if assign_changed(programme, values) else "unchanged")
    existing = {module.code: module for module in programme.modules}
    for position, module_source in enumerate(source.modules, start=1):
        module_values = _module_values(module_source, position, source.root)
        module = existing.get(module_source.code)
        if module is None:
            module = Module(code=module_source.code, **module_values)
            programme.modules.append(module)
            report.count("module", "created")
        else:
            report.count("module", "updated" if assign_changed(module, module_values) else "unchanged")
    db.session.flush()
    return programme


def _module_values(source: ModuleSource, position: int, root: Path) -> dict:
    checker, front = source.checker, source.front
    return {
        "position": position,
        "kind": ModuleKind(source.kind),
        "title": checker.translated(front, "title"),
        "summary": checker.translated(front, "summary", required=False),
        "hours": Decimal(str(front["hours"])),
        "learning_outcomes": _outcomes(checker, front),
        "venue": front.get("venue"),
        "content_markdown": source.body,
        "content_translations": source.translations,
        "source_path": checker.path,
    }


def assign_changed(target: Any, values: dict) -> bool:
    """Set the attributes that differ; True if any did (so re-loads report 'unchanged')."""
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed
