"""Everything certify holds about one person, as a JSON document and a ZIP archive with
their files (the right of access: Ley 19.628/21.719 art. 12 ff., LGPD art. 18, Ley 18.331
art. 14; see docs/data-protection.md).

The rows are found from the schema rather than a list kept by hand, so a table added
later is exported without anyone remembering to: every row whose ``person_id`` is the
person's, the rows that belong to those (a survey response's answers, a registration's
check-in), and the prototype submissions of the groups they were in. Columns pointing
at them as the one who acted (``recorded_by_id``, ``tutor_id``...) are about someone
else's record, so only how many there are is told. Secrets (password and token
hashes) are never exported.
"""

from __future__ import annotations

import enum
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from certify.accounts.models import Person
from certify.certificates.models import Certificate
from certify.cohorts.models import GroupMembership
from certify.core import audit
from certify.core.audit import AuditEvent
from certify.core.clock import utcnow
from certify.core.storage import certificates_dir
from certify.extensions import db
from certify.submissions.files import stored_path
from certify.submissions.models import PrototypeSubmission, SubmissionFile

FORMAT_VERSION = 1
SUBJECT_COLUMN = "person_id"
_SECRET_COLUMNS = ("password", "secret")


def _is_secret(column: sa.Column) -> bool:
    name = column.name
    return name.endswith("_hash") or any(word in name for word in _SECRET_COLUMNS)


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    return value


def _row(table: sa.Table, row: sa.Row) -> dict:
    return {column.name: _plain(row._mapping[column]) for column in table.columns
            if not _is_secret(column)}


def _person_tables() -> list[tuple[sa.Table, sa.Column, bool]]:
    """``(table, column, is_subject)`` for every column that refers to a person."""
    found = []
    for table in db.metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table.name == Person.__tablename__ and table.name != "person":
                found.append((table, foreign_key.parent, foreign_key.parent.name == SUBJECT_COLUMN))
    return found


def _children(parent: sa.Table) -> list[tuple[sa.Table, sa.Column]]:
    """Tables whose rows belong to a row of ``parent`` (deleted with it)."""
    return [(table, foreign_key.parent) for table in db.metadata.sorted_tables
            for foreign_key in table.foreign_keys
            if foreign_key.column.table is parent and foreign_key.ondelete == "CASCADE"
            and table is not parent]


def _rows_of(table: sa.Table, column: sa.Column, values: list) -> list[dict]:
    if not values:
        return []
    rows = db.session.execute(sa.select(table).where(column.in_(values))
                              .order_by(*table.primary_key.columns)).all()
    return [_row(table, row) for row in rows]


def personal_data(person: Person) -> dict:
    """The whole record of ``person`` as plain JSON values."""
    records: dict[str, dict[str, dict]] = {}  # table -> primary key -> row (each row once)
    actions: dict[str, int] = {}

    def keep(table: sa.Table, rows: list[dict]) -> None:
        kept = records.setdefault(table.name, {})
        for row in rows:
            kept[json.dumps([row.get(c.name) for c in table.primary_key.columns])] = row

    for table, column, is_subject in _person_tables():
        if not is_subject:
            count = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                      .where(column == person.id))
            if count:
                actions[f"{table.name}.{column.name}"] = count
            continue
        rows = _rows_of(table, column, [person.id])
        keep(table, rows)
        primary = list(table.primary_key.columns)
        if rows and len(primary) == 1:
            ids = [row[primary[0].name] for row in rows]
            for child, child_column in _children(table):
                keep(child, _rows_of(child, child_column, ids))
    submissions = _group_submissions(person)
    keep(PrototypeSubmission.__table__, _rows_of(
        PrototypeSubmission.__table__, PrototypeSubmission.__table__.c.id, submissions))
    keep(SubmissionFile.__table__, _rows_of(
        SubmissionFile.__table__, SubmissionFile.__table__.c.submission_id, submissions))
    person_row = db.session.execute(sa.select(Person.__table__).where(
        Person.__table__.c.id == person.id)).one()
    return {
        "format": "certify-personal-data", "version": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "person": _row(Person.__table__, person_row),
        "records": {name: list(rows.values()) for name, rows in sorted(records.items()) if rows},
        "recorded_by_them": actions,
        "audit_events": _audit_events(person),
    }


def _group_submissions(person: Person) -> list[int]:
    groups = sa.select(GroupMembership.group_id).where(GroupMembership.person_id == person.id)
    return list(db.session.scalars(sa.select(PrototypeSubmission.id).where(
        PrototypeSubmission.group_id.in_(groups)).order_by(PrototypeSubmission.id)))


def _audit_events(person: Person) -> list[dict]:
    """Events about them in full; events they caused without details, which may name others."""
    events = db.session.scalars(sa.select(AuditEvent).where(sa.or_(
        sa.and_(AuditEvent.subject_type == "Person", AuditEvent.subject_id == person.id),
        AuditEvent.actor_id == person.id)).order_by(AuditEvent.at, AuditEvent.id))
    exported = []
    for event in events:
        about_them = event.subject_type == "Person" and event.subject_id == person.id
        entry = {"at": _plain(event.at), "action": event.action,
                 "subject_type": event.subject_type, "subject_id": event.subject_id,
                 "by_them": event.actor_id == person.id}
        if about_them:
            entry.update(reason=event.reason, details=event.details)
        exported.append(entry)
    return exported


@dataclass(frozen=True)
class ExportArchive:
    filename: str
    data: bytes


def _files(person: Person) -> list[tuple[str, Path]]:
    """``(name in the archive, path)`` of their certificates and their groups' prototypes."""
    files = []
    certificates = db.session.scalars(sa.select(Certificate).where(
        Certificate.person_id == person.id, Certificate.pdf_path.is_not(None)))
    for certificate in certificates:
        files.append((f"files/certificates/{certificate.serial}.pdf",
                      certificates_dir() / certificate.pdf_path))
    uploads = db.session.scalars(sa.select(SubmissionFile).where(
        SubmissionFile.submission_id.in_(_group_submissions(person))).order_by(SubmissionFile.id))
    for upload in uploads:
        files.append((f"files/submissions/{upload.submission_id}/{upload.id}-{upload.label}",
                      stored_path(upload.sha256)))
    return files


def export_person(person: Person, *, actor: Person | None) -> ExportArchive:
    """The ZIP of ``personal-data.json`` and their files; the export is audit-logged."""
    document = personal_data(person)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personal-data.json", json.dumps(document, indent=2, ensure_ascii=False,
                                                          sort_keys=True, default=str))
        missing = []
        for name, path in _files(person):
            if path.is_file():
                archive.write(path, name)
            else:
                missing.append(name)
        if missing:
            archive.writestr("missing-files.txt", "\n".join(missing) + "\n")
    audit.record("person.exported", person, actor=actor,
                 by_themselves=actor is not None and actor.id == person.id)
    return ExportArchive(f"certify-personal-data-{person.id}-{utcnow():%Y%m%d}.zip",
                         buffer.getvalue())
