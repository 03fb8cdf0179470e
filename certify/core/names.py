"""Names as people type and read them: found however they are typed, sorted as a Spanish
or Portuguese reader expects, on SQLite and PostgreSQL alike.

The database never decides: SQLite's ``lower()`` only knows ASCII and PostgreSQL's
collations differ between servers, so the model stores keys computed here.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Ñ is a letter of its own after N in Spanish: "n" followed by "~", which sorts after "z"
# byte by byte (sort keys are compared with the "C" collation on PostgreSQL).
_SPANISH_LETTERS = {"ñ": "n~", "Ñ": "n~"}
SORT_SEPARATOR = "\x01"  # below every character a name holds: "Pérez" before "Pérez Soto"


def fold(text: str | None) -> str:
    """Accents stripped, case folded, spaces collapsed: "ÑANCUPIL  João" -> "nancupil joao"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SPACES.sub(" ", bare.casefold()).strip()


def sort_key(*parts: str | None) -> str:
    """A key that orders names as a Spanish or Portuguese reader does (Báez < Benítez < Núñez
    < Ñancupil < Ortiz), compared byte by byte; ``parts`` in order of precedence."""
    return SORT_SEPARATOR.join(
        fold("".join(_SPANISH_LETTERS.get(char, char) for char in part or "")) for part in parts)
