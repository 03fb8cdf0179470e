"""Reading course_content files with line numbers, and checking their shape.

Every problem is reported as ``path:line: what is wrong``; a :class:`Checker`
collects them all so one run shows every mistake in a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from certify.core.errors import ValidationError

LANGUAGES = ("es", "pt", "en")
TRANSLATED_LANGUAGES = LANGUAGES[1:]  # Spanish is the reference the others translate


class LineDict(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict


class LineList(list):
    line: int = 0
    item_lines: list


# The C parser when PyYAML has it (about ten times faster); marks and constructors are the same.
class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}' (first on line {seen[key]})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = seen
        return mapping

    def construct_sequence(self, node, deep=False):
        items = LineList(super().construct_sequence(node, deep=True))
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(ValidationError):
    """The course content has problems; nothing was changed."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            "The course content has problems; nothing was changed:\n"
            + "\n".join(f"  {problem}" for problem in problems),
            errors={f"{p.path}:{p.line}": [p.message] for p in problems},
        )


@dataclass
class Checker:
    """Checks values of one file and collects what is wrong with them."""

    path: str
    line_offset: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Missing translations: the content still loads (pages show Spanish with a note).
    warnings: list[Problem] = field(default_factory=list)

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line + self.line_offset, message))

    def warn_untranslated(self, line: int, what: str, languages: list[str]) -> None:
        for language in languages:
            self.warnings.append(Problem(self.path, line + self.line_offset,
                                         f"{what} has no '{language}' translation"))

    @staticmethod
    def line_of(container: Any, key: Any = None) -> int:
        if isinstance(container, LineDict) and key is not None:
            return container.key_lines.get(key, container.line)
        if isinstance(container, LineList) and isinstance(key, int) and key < len(container.item_lines):
            return container.item_lines[key]
        return getattr(container, "line", 1) or 1

    def mapping(self, value: Any, line: int, what: str) -> LineDict | None:
        if not isinstance(value, dict):
            self.problem(line, f"{what} must be a mapping of keys to values")
            return None
        return value

    def keys(self, mapping: LineDict, *, required: set[str], optional: set[str] = frozenset(),
             what: str = "") -> None:
        prefix = f"{what}: " if what else ""
        for key in sorted(required - set(mapping)):
            self.problem(mapping.line, f"{prefix}missing required key '{key}'")
        for key in mapping:
            if key not in required and key not in optional:
                allowed = ", ".join(sorted(required | set(optional)))
                self.problem(self.line_of(mapping, key), f"{prefix}unknown key '{key}' (allowed: {allowed})")

    def settings(self, data: LineDict, key: str, defaults: dict) -> LineDict | None:
        """The optional mapping under ``key`` whose keys are those of ``defaults``; None when
        it is absent or not a mapping (the caller then uses the defaults)."""
        value = data.get(key)
        if value is None:
            return None
        value = self.mapping(value, self.line_of(data, key), key)
        if value is not None:
            self.keys(value, required=set(), optional=set(defaults), what=key)
        return value

    def text(self, mapping: LineDict, key: str, *, required: bool = True, max_length: int = 10_000
             ) -> str | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.problem(mapping.line, f"missing required key '{key}'")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(self.line_of(mapping, key), f"'{key}' must be non-empty text")
            return None
        if len(value) > max_length:
            self.problem(self.line_of(mapping, key), f"'{key}' is longer than {max_length} characters")
            return None
        return value.strip()

    def number(self, mapping: LineDict, key: str, *, minimum: float, maximum: float,
               required: bool = True, default: Any = None, integer: bool = True) -> Any:
        value = mapping.get(key, default)
        if value is None:
            if required:
                self.problem(mapping.line, f"missing required key '{key}'")
            return None
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not minimum <= value <= maximum:
            kind = "a whole number" if integer else "a number"
            self.problem(self.line_of(mapping, key),
                         f"'{key}' must be {kind} from {minimum} to {maximum}, not {value!r}")
            return None
        return value

    def boolean(self, mapping: LineDict, key: str, default: bool) -> bool:
        value = mapping.get(key, default)
        if not isinstance(value, bool):
            self.problem(self.line_of(mapping, key), f"'{key}' must be true or false, not {value!r}")
            return default
        return value

    def choice(self, mapping: LineDict, key: str, choices: tuple[str, ...], default: str | None = None
               ) -> str | None:
        value = mapping.get(key, default)
        if value not in choices:
            self.problem(self.line_of(mapping, key),
                         f"'{key}' must be one of {', '.join(choices)}, not {value!r}")
            return None
        return value

    def translated(self, mapping: LineDict, key: str, *, required: bool = True, what: str = ""
                   ) -> dict[str, str]:
        """``{es: ..., pt: ..., en: ...}``: Spanish required; a missing other language is a warning.

        Plain text is the Spanish alone.
        """
        value = mapping.get(key)
        if value is None:
            if required:
                self.problem(mapping.line, f"missing required key '{key}'")
            return {}
        line = self.line_of(mapping, key)
        label = f"{what}: '{key}'" if what else f"'{key}'"
        if isinstance(value, str):
            if value.strip():
                self.warn_untranslated(line, label, list(TRANSLATED_LANGUAGES))
                return {"es": value.strip()}
            self.problem(line, f"'{key}' must be non-empty text")
            return {}
        if not isinstance(value, dict):
            self.problem(line, f"'{key}' must be text or a mapping of languages (es, pt, en) to text")
            return {}
        result = {}
        for language, text in value.items():
            if language not in LANGUAGES:
                self.problem(line, f"'{key}' has unknown language '{language}' (use es, pt, en)")
            elif not isinstance(text, str) or not text.strip():
                self.problem(line, f"'{key}.{language}' must be non-empty text")
            else:
                result[language] = text.strip()
        if "es" not in value:
            self.problem(line, f"'{key}' needs at least the Spanish text (es)")
        missing = [language for language in TRANSLATED_LANGUAGES if language not in value]
        self.warn_untranslated(line, label, missing)
        return result

    def relative_file(self, root: Path, mapping: LineDict, key: str, *, required: bool = True
                      ) -> Path | None:
        """A path inside the content folder that exists."""
        name = self.text(mapping, key, required=required, max_length=300)
        if name is None:
            return None
        path = (root / name).resolve()
        if root.resolve() not in path.parents:
            self.problem(self.line_of(mapping, key), f"'{name}' points outside the content folder")
            return None
        if not path.is_file():
            self.problem(self.line_of(mapping, key), f"file '{name}' does not exist")
            return None
        return path


def read_yaml(path: Path, root: Path) -> tuple[Any, Checker]:
    """Parse ``path``; a syntax error becomes a problem on its checker."""
    checker = Checker(display_path(path, root))
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader), checker
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        checker.problem(mark.line + 1 if mark else 1, f"invalid YAML: {error.problem or error}")
    except (OSError, UnicodeDecodeError) as error:
        checker.problem(1, f"cannot read the file: {error}")
    return None, checker


def read_front_matter(path: Path, root: Path) -> tuple[Any, str, Checker]:
    """Split a Markdown file into its YAML front matter (between ``---`` lines) and body."""
    checker = Checker(display_path(path, root))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        checker.problem(1, f"cannot read the file: {error}")
        return None, "", checker
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        checker.problem(1, "the file must start with YAML front matter between '---' lines")
        return None, "", checker
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        checker.problem(1, "the front matter is not closed by a '---' line")
        return None, "", checker
    checker.line_offset = 1  # front matter starts on the file's second line
    try:
        data = yaml.load("\n".join(lines[1:end]), Loader=_LineLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        checker.problem(mark.line + 1 if mark else 1, f"invalid YAML: {error.problem or error}")
        data = None
    checker_body = "\n".join(lines[end + 1:]).strip() + "\n"
    return data, checker_body, checker


def display_path(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve().parent))
    except ValueError:
        return str(path)
