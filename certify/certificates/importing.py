"""Import certificates awarded outside certify (the programme's pilot editions) from CSV.

Each row names the holder with the people import's columns (matched by e-mail, or
created, exactly as ``certify people import`` does), the programme's code, the kind,
the hours, the date it was awarded (in the past) and, optionally, the original
document's reference. Every row is checked before any is written; each certificate
is then recorded like any other (serial, status index, signature) and marked as
imported; the caller has the PDFs laid out by the ``render_certificates`` job.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from certify.accounts.importing import (
    REQUIRED_COLUMNS as PERSON_COLUMNS,
)
from certify.accounts.importing import (
    check_person_row,
    column_checker,
    fail,
    read_csv,
    write_person,
)
from certify.accounts.models import Person
from certify.accounts.services import find_person_by_email, municipality_index
from certify.certificates.issuing import live_programme_certificate, record_imported_certificate
from certify.certificates.models import Certificate, CertificateKind
from certify.core.clock import utcnow
from certify.core.csv_import import ImportRejected, RowError
from certify.extensions import db
from certify.programmes.models import Programme

CERTIFICATE_COLUMNS = ("programme", "kind", "hours", "issued_on")
REQUIRED_COLUMNS = PERSON_COLUMNS + CERTIFICATE_COLUMNS
OPTIONAL_COLUMNS = ("original_reference", "position", "gender", "birth_year", "locale")
MAX_HOURS = Decimal("9999.9")
REFERENCE_MAX_LENGTH = 100
# Noon UTC falls on the same calendar day everywhere in Latin America, so the award date
# reads the same in every holder's time zone.
AWARD_TIME = time(12, 0, tzinfo=UTC)
TEMPLATE_CSV = ",".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS) + "\n" + \
    "ana.perez@example.org,Ana,Pérez Soto,Melipeuco,CL,IHBG,programme,74,2025-06-30," \
    "PILOTO-2025-001,Encargada de innovación,female,1984,es\n"


@dataclass
class CertificateImportReport:
    certificates: list[Certificate] = field(default_factory=list)
    people_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


@dataclass
class CertificateImportPreview:
    """What importing a file would do, written nowhere: for the page's confirmation step."""

    rows: int
    certificates: int
    people_created: int
    holders: int
    errors: list[RowError]
    by_programme: Counter  # (programme code, kind) -> certificates


@dataclass
class _ValidRow:
    line: int
    person: dict
    certificate: dict


def import_certificates(text: str, *, actor: Person | None = None, skip_invalid: bool = False,
                        progress: Callable[[int, int], None] | None = None
                        ) -> CertificateImportReport:
    """Record the certificates listed in ``text`` (CSV). Nothing is written if any row is
    invalid (``ImportRejected`` lists them), unless ``skip_invalid``: then the valid rows
    are recorded and the invalid ones reported."""
    valid, errors, count = _validate(text)
    if errors and not skip_invalid:
        raise ImportRejected(errors)
    report = CertificateImportReport(errors=errors, rows=count)
    for done, row in enumerate(valid, start=1):
        person, created = write_person(row.person)
        report.people_created += created
        report.certificates.append(record_imported_certificate(
            person=person, actor=actor, **row.certificate))
        if progress:
            progress(done, len(valid))
    db.session.flush()
    return report


def preview_certificates(text: str) -> CertificateImportPreview:
    """Check every row of ``text`` as :func:`import_certificates` does, and count what it
    would record; nothing is written."""
    valid, errors, count = _validate(text)
    emails = {row.person["email"] for row in valid}
    known = {email for email in emails if find_person_by_email(email) is not None}
    return CertificateImportPreview(
        rows=count, certificates=len(valid), people_created=len(emails - known),
        holders=len(emails), errors=errors,
        by_programme=Counter((row.certificate["programme"].code, row.certificate["kind"])
                             for row in valid))


def _validate(text: str) -> tuple[list[_ValidRow], list[RowError], int]:
    reader, errors = read_csv(text, REQUIRED_COLUMNS)
    if errors:
        return [], errors, 0
    municipalities = municipality_index()
    programmes = {programme.code.lower(): programme
                  for programme in db.session.scalars(sa.select(Programme))}
    today = utcnow().date()
    first_line_of: dict[tuple[str, int], int] = {}
    valid: list[_ValidRow] = []
    count = 0
    for row in reader:
        count += 1
        line = reader.line_num
        person, messages = check_person_row(row, municipalities)
        certificate, certificate_messages = _check_certificate(row, programmes, today)
        messages += certificate_messages
        if not messages and certificate["kind"] is CertificateKind.PROGRAMME:
            messages += _programme_clashes(person["email"], certificate["programme"], line,
                                           first_line_of)
        if messages:
            errors.append(RowError(line, messages))
        else:
            valid.append(_ValidRow(line, person, certificate))
    if count == 0:
        errors.append(RowError(2, ["the file has a header but no rows"]))
    return valid, errors, count


def _check_certificate(row: dict, programmes: dict[str, Programme], today: date
                       ) -> tuple[dict, list[str]]:
    get = lambda name: (row.get(name) or "").strip()  # noqa: E731
    values: dict = {}
    messages: list[str] = []
    check = column_checker(values, messages)
    check("programme", lambda: programmes.get(get("programme").lower()) or fail(
        f"no programme has the code '{get('programme')}'"))
    check("kind", lambda: _kind(get("kind")))
    check("hours", lambda: _hours(get("hours")))
    check("issued_on", lambda: _award_date(get("issued_on"), today), key="issued_at")
    check("original_reference", lambda: _reference(get("original_reference")))
    return values, messages


def _kind(value: str) -> CertificateKind:
    try:
        return CertificateKind(value.lower())
    except ValueError:
        fail(f"'{value}' is not one of {', '.join(kind.value for kind in CertificateKind)}")


def _hours(value: str) -> Decimal:
    try:
        hours = Decimal(value.replace(",", "."))
    except InvalidOperation:
        fail(f"'{value}' is not a number of hours")
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        fail(f"must be more than 0 and at most {MAX_HOURS}")
    if hours != hours.quantize(Decimal("0.1")):
        fail("at most one decimal place")
    return hours


def _award_date(value: str, today: date) -> datetime:
    try:
        awarded = date.fromisoformat(value)
    except ValueError:
        fail(f"'{value}' is not a date (YYYY-MM-DD)")
    if awarded >= today:
        fail(f"{awarded:%Y-%m-%d} is not in the past")
    return datetime.combine(awarded, AWARD_TIME)


def _reference(value: str) -> str | None:
    if len(value) > REFERENCE_MAX_LENGTH:
        fail(f"longer than {REFERENCE_MAX_LENGTH} characters")
    return value or None


def _programme_clashes(email: str, programme: Programme, line: int,
                       first_line_of: dict[tuple[str, int], int]) -> list[str]:
    """A person holds one live programme certificate per programme: in the file, and in
    the register already."""
    key = (email, programme.id)
    if key in first_line_of:
        return [f"{email} already has a {programme.code} certificate on line "
                f"{first_line_of[key]}"]
    first_line_of[key] = line
    person = find_person_by_email(email)
    if person is not None and live_programme_certificate(person, programme) is not None:
        return [f"{email} already holds a certificate of {programme.code}"]
    return []
