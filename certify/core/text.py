"""Text certify accepts from people: what no column can store or no reader should be shown.

Refused everywhere (the request guard checks every submitted field; services check names
that arrive by other roads, such as CSV files and LTI launches):

- NUL and unpaired UTF-16 surrogates, which the databases cannot store;
- bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), which make
  a name on a certificate or in a list read differently from what it holds ("Trojan Source");
- stacks of more than three combining marks on one character ("Zalgo" text), which spill
  over the lines around them. Real names need at most two (Vietnamese).
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from certify.core.errors import ValidationError

MAX_COMBINING_MARKS = 3
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_COMBINING_STACK = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
    f"{{{MAX_COMBINING_MARKS + 1},}}")


def text_problem(value: str, *, storable_only: bool = False) -> str | None:
    """What is wrong with ``value``, in the reader's language, or None.

    ``storable_only``: only what the database cannot store (for passwords, never shown).
    """
    if _UNSTORABLE.search(value):
        return _("Text cannot contain NUL characters or unpaired surrogates.")
    if storable_only:
        return None
    if _BIDI_CONTROLS.search(value):
        return _("Text cannot contain invisible controls that change the writing direction.")
    if _COMBINING_STACK.search(value):
        return _("Text cannot stack more than %(count)s accents or marks on one character.",
                 count=MAX_COMBINING_MARKS)
    return None


def check_text(value: str | None, field: str, *, storable_only: bool = False) -> None:
    """Raise ``ValidationError`` naming ``field`` if ``value`` holds text certify refuses."""
    if value and (problem := text_problem(value, storable_only=storable_only)):
        raise ValidationError(problem, errors={field: [problem]})
