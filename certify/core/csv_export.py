"""The one way certify writes CSV: every cell a spreadsheet could run as a formula is defused.

Names, places and free text come from people (and from Moodle users' own profiles); a cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (OWASP "CSV injection"). Such a cell gets a leading apostrophe,
which spreadsheets show as text. Numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet will read it as text (None: an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose rows are defused cell by cell."""

    def __init__(self, stream: Any, **options) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: Any, **options) -> SafeCsvWriter:
    return SafeCsvWriter(stream, **options)


def write_csv(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """The whole file as text: ``header`` then ``rows``."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def stream_csv(header: Iterable[object], rows: Iterable[Iterable[object]], *,
               batch: int = 1000, prefix: str = "") -> Iterator[str]:
    """The file in chunks of ``batch`` lines, for a streamed response; ``prefix`` first
    (e.g. a byte-order mark so spreadsheets read UTF-8)."""
    buffer = io.StringIO()
    buffer.write(prefix)
    writer = csv_writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
