"""Serials: random, typable, and every single typo or swap is caught before any lookup."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from certify.certificates.serials import (
    ALPHABET,
    LENGTH,
    MalformedSerial,
    check_character,
    generate_serial,
    normalise_serial,
)
from certify.certificates.verification import VerificationState, verify

SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def compact(serial: str) -> str:
    return serial.replace("-", "")


def test_serials_are_random_and_human_typable(app_context):
    serials = {generate_serial() for _ in range(2000)}
    assert len(serials) == 2000
    assert all(SHAPE.match(serial) for serial in serials)
    assert not any(set(serial) & set("ILOU") for serial in serials)
    # Not sequential: the first characters are spread over the whole alphabet.
    assert len({serial[0] for serial in serials}) == len(ALPHABET)


def test_every_substitution_and_adjacent_swap_is_caught(app_context):
    for _ in range(200):
        serial = compact(generate_serial())
        assert normalise_serial(serial)
        for position in range(LENGTH):
            for char in ALPHABET:
                if char != serial[position]:
                    typo = serial[:position] + char + serial[position + 1:]
                    with pytest.raises(MalformedSerial):
                        normalise_serial(typo)
        for position in range(LENGTH - 1):
            a, b = serial[position], serial[position + 1]
            if a != b:
                swapped = serial[:position] + b + a + serial[position + 2:]
                with pytest.raises(MalformedSerial):
                    normalise_serial(swapped)


def test_the_check_character_is_the_last_one(app_context):
    serial = compact(generate_serial())
    assert check_character(serial[:-1]) == serial[-1]


def test_typed_spellings_are_normalised(app_context):
    data = "K7QM3XDA0P1"
    serial = data + check_character(data)
    canonical = f"{serial[:4]}-{serial[4:8]}-{serial[8:]}"
    typed = serial.lower().replace("0", "o").replace("1", "l")
    assert normalise_serial(typed) == canonical
    assert normalise_serial(f"  {serial[:4]} {serial[4:8]}–{serial[8:]} ") == canonical
    assert normalise_serial(serial.replace("1", "I")) == canonical


@pytest.mark.parametrize(("text", "words"), [
    ("", "Type the code"),
    ("   ", "Type the code"),
    ("K7QM-3XDA-9PU?", "“? U” cannot appear"),
    ("K7QM-3XDA", "has 12 characters; this one has 8"),
    ("K7QM-3XDA-9PFTT", "this one has 13"),
    ("x" * 200, "much longer"),
])
def test_malformed_serials_say_what_is_wrong(app_context, text, words):
    with force_locale("en"), pytest.raises(MalformedSerial) as caught:
        normalise_serial(text)
    assert words in caught.value.message
    assert caught.value.status == 400


def test_a_typo_is_reported_as_such(app_context):
    serial = compact(generate_serial())
    typo = serial[:3] + ("0" if serial[3] != "0" else "1") + serial[4:]
    with force_locale("en"), pytest.raises(MalformedSerial) as caught:
        normalise_serial(typo)
    assert "typing mistake" in caught.value.message


def test_a_mistyped_serial_is_caught_before_any_lookup(app_context, count_queries):
    serial = compact(generate_serial())
    other = ALPHABET[(ALPHABET.index(serial[0]) + 1) % len(ALPHABET)]
    typo = other + serial[1:]
    with count_queries() as counter:
        verdict = verify(typo)
    assert verdict.state is VerificationState.MALFORMED and verdict.message
    assert counter["n"] == 0
