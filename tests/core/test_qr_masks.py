"""The faster mask choice gives exactly segno's symbols (certify.core.qr_masks)."""

from __future__ import annotations

import io
import random
import string

import pytest
from segno import encoder

from certify.core import qr_masks
from certify.core.qr import make_qr


def _payloads() -> list:
    rng = random.Random(2026)
    payloads = []
    for _ in range(60):
        digits = "".join(rng.choice(string.digits) for _ in range(rng.randint(1, 420)))
        payloads.append([("https://certify.example.org/v/", "byte"), (digits, "numeric")])
    for _ in range(30):
        alphabet = string.ascii_letters + string.digits + "ñáé/:?=&-_"
        payloads.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300))))
    for _ in range(20):
        payloads.append("".join(rng.choice(string.ascii_uppercase + string.digits + " $%*+-./:")
                                for _ in range(rng.randint(1, 200))))
    return payloads


def _symbols(payloads: list) -> list:
    return [(code.version, code.mask, code.matrix) for code in map(make_qr, payloads)]


def test_segno_chooses_the_same_mask_and_draws_the_same_symbol(monkeypatch):
    payloads = _payloads()
    faster = _symbols(payloads)
    monkeypatch.setattr(encoder, "apply_mask", qr_masks._segno_apply_mask)
    monkeypatch.setattr(encoder, "mask_scores", qr_masks._segno_mask_scores)
    assert faster == _symbols(payloads)
    assert len({version for version, _mask, _matrix in faster}) > 10  # many sizes were tried


@pytest.mark.parametrize("size", [21, 57, 77])
def test_every_penalty_is_segno_s_even_for_modules_not_set_yet(size):
    rng = random.Random(size)
    for _ in range(20):
        # 0x2 is what segno leaves in the format areas while it evaluates masks.
        matrix = [bytearray(rng.choice((0, 1, 1, 0, 2)) for _ in range(size))
                  for _ in range(size)]
        assert qr_masks.mask_scores(matrix, size, size) == \
            qr_masks._segno_mask_scores(matrix, size, size)


def test_the_png_has_the_modules_of_the_symbol_and_its_quiet_zone():
    from PIL import Image

    from certify.core.qr import qr_matrix, qr_png

    for payload in _payloads()[::7]:
        image = Image.open(io.BytesIO(qr_png(payload, box_size=1))).convert("L")
        matrix = qr_matrix(payload)
        assert image.size == (len(matrix), len(matrix))
        assert image.tobytes() == bytes(0 if dark else 255 for row in matrix for dark in row)
