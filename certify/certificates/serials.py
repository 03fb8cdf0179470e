"""Certificate serials: random, easy to read aloud and type, with a check character.

A serial is 11 random characters of Crockford's base32 (digits and capital
letters without I, L, O and U, which are easily confused) plus one check
character, shown in three groups of four: ``K7QM-3XDA-9PFT``.

The check character makes the weighted sum of all twelve values zero in
GF(32), the field of 32 elements, with weight alpha^i for position i (alpha a
primitive element). Every weight is non-zero, so changing any one character
changes the sum; neighbouring weights differ, so swapping two different
neighbours changes it too. Both typing mistakes are therefore caught before
the database is asked (tested exhaustively in tests/certificates/test_serials.py).
"""

from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _

from certify.core.errors import DomainError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VALUES = {char: value for value, char in enumerate(ALPHABET)}
# Crockford's reading rules: letters people type for digits they see.
READ_AS = {"O": "0", "I": "1", "L": "1"}
DATA_LENGTH = 11
LENGTH = DATA_LENGTH + 1
GROUP = 4
SEPARATORS = re.compile(r"[\s\-‐‑‒–—.]+")
# Text longer than this is not a mistyped serial; refusing it early keeps messages short.
MAX_INPUT = 40

# GF(32) as polynomials over GF(2) modulo x^5 + x^2 + 1 (primitive, so x generates the field).
_MODULUS = 0b100101
_EXP = [0] * 62
_value = 1
for _power in range(31):
    _EXP[_power] = _EXP[_power + 31] = _value
    _value <<= 1
    if _value & 0b100000:
        _value ^= _MODULUS
_LOG = {value: power for power, value in enumerate(_EXP[:31])}


def _times_alpha_power(value: int, power: int) -> int:
    return 0 if value == 0 else _EXP[_LOG[value] + power % 31]


class MalformedSerial(DomainError):
    """Text that cannot be a serial (wrong characters, wrong length or a failed check)."""

    status = 400
    code = "malformed_serial"


def _weighted_sum(values: list[int]) -> int:
    total = 0
    for position, value in enumerate(values):
        total ^= _times_alpha_power(value, position)  # addition in GF(2^k) is XOR
    return total


def check_character(data: str) -> str:
    """The check character for 11 data characters (already valid and upper case)."""
    partial = _weighted_sum([VALUES[char] for char in data])
    # Solve partial + alpha^11 * c = 0 for c; minus is plus in characteristic 2.
    return ALPHABET[_times_alpha_power(partial, -DATA_LENGTH)]


def format_serial(compact: str) -> str:
    return "-".join(compact[i:i + GROUP] for i in range(0, len(compact), GROUP))


def generate_serial() -> str:
    """A new random serial, e.g. ``K7QM-3XDA-9PFT`` (55 random bits)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return format_serial(data + check_character(data))


def normalise_serial(text: object) -> str:
    """The canonical spelling of a typed serial, or ``MalformedSerial`` saying what is wrong.

    Accepts lower case, spaces and dashes anywhere, and O for 0, I and L for 1.
    """
    if not isinstance(text, str) or not text.strip():
        raise MalformedSerial(_("Type the code printed on the certificate, for example "
                                "K7QM-3XDA-9PFT."))
    if len(text) > MAX_INPUT:
        raise MalformedSerial(_("A certificate code has %(length)d characters; this text is "
                                "much longer.", length=LENGTH))
    compact = SEPARATORS.sub("", text).upper()
    compact = "".join(READ_AS.get(char, char) for char in compact)
    wrong = sorted({char for char in compact if char not in VALUES})
    if wrong:
        raise MalformedSerial(_("A certificate code uses only digits and the letters A to Z "
                                "except I, L, O and U; “%(chars)s” cannot appear in it.",
                                chars=" ".join(wrong)))
    if len(compact) != LENGTH:
        raise MalformedSerial(_("A certificate code has %(expected)d characters; this one has "
                                "%(count)d. Check that none is missing or repeated.",
                                expected=LENGTH, count=len(compact)))
    if _weighted_sum([VALUES[char] for char in compact]) != 0:
        raise MalformedSerial(_("This code contains a typing mistake: a character is wrong or "
                                "two are swapped. Compare it with the certificate again."))
    return format_serial(compact)


def is_valid_serial(text: object) -> bool:
    try:
        normalise_serial(text)
    except MalformedSerial:
        return False
    return True
