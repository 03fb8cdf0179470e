"""Import officials from CSV: every row is checked first, then all are written together."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from certify.accounts.models import Gender, Person, Role
from certify.accounts.services import (
    check_birth_year,
    check_locale,
    check_names,
    create_person,
    find_person_by_email,
    grant_role,
    municipality_index,
    normalise_email,
    update_person,
)
from certify.core.csv_import import ImportRejected, RowError
from certify.core.errors import DomainError, ValidationError

REQUIRED_COLUMNS = ("email", "given_names", "family_names", "municipality", "country")
OPTIONAL_COLUMNS = ("position", "gender", "birth_year", "locale")
TEMPLATE_CSV = ",".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS) + "\n" + \
    "ana.perez@example.org,Ana,Pérez Soto,Melipeuco,CL,Encargada de innovación,female,1984,es\n"


@dataclass
class ImportReport:
    created: list[Person] = field(default_factory=list)
    updated: list[Person] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


@dataclass
class _ValidRow:
    line: int
    values: dict


def read_csv(text: str, required: tuple[str, ...] = REQUIRED_COLUMNS
             ) -> tuple[csv.DictReader, list[RowError]]:
    """A reader over ``text`` (comma or semicolon separated, lower-case header), and the
    problem with line 1 if a ``required`` column is missing."""
    text = text.lstrip("\ufeff")  # spreadsheets often save a BOM
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [name for name in required if name not in header]
    problems = [RowError(1, [f"missing column(s): {', '.join(missing)}"])] if missing else []
    return reader, problems


def validate_rows(text: str) -> tuple[list[_ValidRow], list[RowError], int]:
    """Check every row; returns the valid rows, the errors (with line numbers) and the row count."""
    reader, errors = read_csv(text)
    if errors:
        return [], errors, 0
    municipalities = municipality_index()
    seen: dict[str, int] = {}
    valid: list[_ValidRow] = []
    count = 0
    for row in reader:
        count += 1
        line = reader.line_num
        values, messages = check_person_row(row, municipalities)
        email = values.get("email")
        if email in seen:
            messages.append(f"e-mail {email} already appears on line {seen[email]}")
        elif email:
            seen[email] = line
        if messages:
            errors.append(RowError(line, messages))
        else:
            valid.append(_ValidRow(line, values))
    if count == 0:
        errors.append(RowError(2, ["the file has a header but no rows"]))
    return valid, errors, count


def column_checker(values: dict, messages: list[str]
                   ) -> Callable[..., None]:
    """``check(column, action, key=column)``: ``values[key] = action()``, or the domain
    error it raises added to ``messages`` as ``column: problem``."""
    def check(name: str, action: Callable[[], object], key: str | None = None) -> None:
        try:
            values[key or name] = action()
        except DomainError as error:
            messages.append(f"{name}: {error.message}")

    return check


def check_person_row(row: dict, municipalities: dict) -> tuple[dict, list[str]]:
    """The person columns of ``row`` checked: their values, and what is wrong with them."""
    get = lambda name: (row.get(name) or "").strip()  # noqa: E731
    values: dict = {}
    messages: list[str] = []
    check = column_checker(values, messages)
    check("email", lambda: normalise_email(get("email")) if get("email") else fail("is required"))
    for name in ("given_names", "family_names"):
        check(name, lambda name=name: _name(name, get(name)) or fail("is required"))
    key = (get("municipality").lower(), get("country").upper())
    check("municipality", lambda: municipalities.get(key) or fail(
        f"'{get('municipality')}' is not a known municipality of country '{get('country')}'"))
    check("position", lambda: _name("position", get("position")) or None)
    check("gender", lambda: _gender(get("gender")))
    check("birth_year", lambda: _birth_year(get("birth_year")))
    check("locale", lambda: _locale(get("locale")))
    return values, messages


def _name(field: str, value: str) -> str:
    check_names(**{field: value})
    return value


def fail(message: str):
    raise ValidationError(message)


def _gender(value: str) -> Gender | None:
    if not value:
        return None
    try:
        return Gender(value.lower())
    except ValueError:
        fail(f"'{value}' is not one of {', '.join(g.value for g in Gender)}")


def _birth_year(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        fail(f"'{value}' is not a year")
    check_birth_year(int(value))
    return int(value)


def _locale(value: str) -> str:
    value = value or "es"
    check_locale(value)
    return value


def import_people(text: str, *, skip_invalid: bool = False,
                  progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Create or update the officials listed in ``text`` (CSV).

    Nothing is written if any row is invalid, unless ``skip_invalid``; then the
    valid rows are written and the invalid ones reported. ``progress(done, total)``
    is called after each row written. People are matched by
    e-mail, so importing the same file twice changes nothing the second time.
    """
    valid, errors, count = validate_rows(text)
    if errors and not skip_invalid:
        raise ImportRejected(errors)
    report = ImportReport(errors=errors, rows=count)
    for done, row in enumerate(valid, start=1):
        person, created = write_person(row.values)
        (report.created if created else report.updated).append(person)
        if progress:
            progress(done, len(valid))
    return report


def write_person(values: dict) -> tuple[Person, bool]:
    """The official of checked ``values``, matched by e-mail (and updated) or created;
    and whether it was created."""
    details = {
        "given_names": values["given_names"], "family_names": values["family_names"],
        "municipality": values["municipality"], "position": values["position"],
        "gender": values["gender"], "birth_year": values["birth_year"],
        "preferred_locale": values["locale"],
    }
    person = find_person_by_email(values["email"])
    if person is None:
        return create_person(email=values["email"], **details), True
    update_person(person, **details)
    grant_role(person, Role.OFFICIAL)
    return person, False
