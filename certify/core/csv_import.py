"""CSV imports: rows refused with their line numbers, and files uploaded through a form.

Every import (officials, a cohort's enrolments, targets and quotas) checks all rows
before saving any; when one is wrong it raises :class:`ImportRejected` with every
row's problems, and nothing is written. :func:`import_uploaded_csv` is the web side:
the file's size and encoding are checked and the import runs; the request's unit of
work (``certify.core.transactions``) commits it, or rolls it back if rows were refused.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from flask_babel import gettext as _

from certify.core.errors import ValidationError
from certify.core.storage import uploads_dir
from certify.core.transactions import attempt

MAX_CSV_BYTES = 5 * 1024 * 1024
STAGED_FOLDER = "staged-imports"
STAGED_FOR_SECONDS = 24 * 3600
_STAGE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
Report = TypeVar("Report")


@dataclass
class RowError:
    line: int
    messages: list[str]

    def __str__(self) -> str:  # for the CLI, which speaks English
        return f"line {self.line}: " + "; ".join(self.messages)


class ImportRejected(ValidationError):
    """Some rows are wrong; nothing was imported."""

    def __init__(self, errors: list[RowError]):
        merged: dict[int, list[str]] = defaultdict(list)
        for error in errors:
            merged[error.line] += error.messages
        self.row_errors = [RowError(line, messages) for line, messages in sorted(merged.items())]
        # Pages list the rows in the reader's language; this message is for the CLI and logs.
        super().__init__(f"{len(self.row_errors)} row(s) are invalid; nothing was imported.",
                         errors={f"line {error.line}": error.messages
                                 for error in self.row_errors})


def read_csv_upload(field) -> str | None:
    """The text of the file in a form's file ``field``, or None with the reason added to
    the field's errors (larger than 5 MB, or not UTF-8; a byte-order mark is dropped)."""
    data = field.data.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        field.errors = [*field.errors, _("The file is larger than 5 MB.")]
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:  # a spreadsheet or image renamed .csv
        field.errors = [*field.errors, _("The file must be UTF-8 encoded text.")]
        return None
    return text


def stage_upload(text: str, owner_id: int) -> str:
    """Keep an uploaded CSV until its importer confirms it (the confirmation page carries
    only this token); files older than a day are removed here. Returns the token."""
    folder = uploads_dir() / STAGED_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        if old.stat().st_mtime < time.time() - STAGED_FOR_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    (folder / f"{owner_id}-{token}.csv").write_text(text, encoding="utf-8")
    return token


def _staged_path(token: str, owner_id: int) -> Path | None:
    if not _STAGE_TOKEN.match(token or ""):
        return None
    path = uploads_dir() / STAGED_FOLDER / f"{owner_id}-{token}.csv"
    return path if path.is_file() else None


def staged_upload(token: str, owner_id: int) -> str | None:
    """The CSV ``owner_id`` staged under ``token``, or None (unknown, someone else's, gone)."""
    path = _staged_path(token, owner_id)
    return path.read_text(encoding="utf-8") if path else None


def discard_staged(token: str, owner_id: int) -> None:
    path = _staged_path(token, owner_id)
    if path:
        path.unlink(missing_ok=True)


def import_uploaded_csv(form, importer: Callable[[str], Report]
                        ) -> tuple[Report | None, list[RowError] | None]:
    """Run ``importer`` on the file of ``form`` (validated, with a ``file`` field):
    ``(report, None)``; ``(None, row errors)`` when rows were refused (rolled back);
    ``(None, None)`` when the form or the file was refused (errors on the form).
    The view answers 422 for either refusal, so nothing is committed then."""
    if not form.validate_on_submit() or (text := read_csv_upload(form.file)) is None:
        return None, None
    with attempt(catch=ImportRejected, on_error=lambda _error: None) as outcome:
        report = importer(text)
    if not outcome.succeeded:
        return None, outcome.error.row_errors
    return report, None
