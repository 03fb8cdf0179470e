"""segno's choice of a QR code's data mask, computed faster, with the same result.

Choosing the mask is most of segno's time per symbol (about 15 ms of 18 for a
version 9-10 certificate code): it applies each of the eight masks module by
module through two Python calls, then scores each candidate module by module
(ISO/IEC 18004, 7.8.3). A cohort's certificates pay it once each. Here the
same operations work a row at a time: a mask is XORed as one integer per row
(kept per symbol size), and the penalties are counted with byte operations
(runs by regular expression, 2x2 blocks by XOR of shifted rows). The scores
are segno's own to the point (the tests compare both on many symbols), so
the chosen mask, the symbol and the PDF bytes do not change.
"""

from __future__ import annotations

import re

from segno import encoder

_RUN = re.compile(rb"(.)\1{4,}", re.DOTALL)  # five or more equal modules in a line
_N3 = bytes((0x1, 0x0, 0x1, 0x1, 0x1, 0x0, 0x1))  # dark light dark dark dark light dark
_MASK_ROWS: dict[tuple[str, int, int], tuple[int, ...]] = {}
_segno_apply_mask = encoder.apply_mask
_segno_mask_scores = encoder.mask_scores


def apply_mask(matrix, mask_pattern, width, height, is_encoding_region) -> None:
    """segno's ``apply_mask``: ``mask_pattern`` XORed onto the encoding region, by rows."""
    key = (mask_pattern.__name__, width, height)  # the region depends only on the size
    rows = _MASK_ROWS.get(key)
    if rows is None:
        rows = _MASK_ROWS[key] = tuple(
            int.from_bytes(bytes(1 if is_encoding_region(i, j) and mask_pattern(i, j) else 0
                                 for j in range(width)), "big")
            for i in range(height))
    for row, mask in zip(matrix, rows, strict=False):
        if mask:
            row[:] = (int.from_bytes(row, "big") ^ mask).to_bytes(width, "big")


def mask_scores(matrix, width, height) -> tuple[int, int, int, int]:
    """segno's ``mask_scores``: the penalties (N1, N2, N3, N4) of ``matrix``."""
    if width != height:
        return _segno_mask_scores(matrix, width, height)
    size = width
    rows = [bytes(row) for row in matrix]
    columns = [bytes(column) for column in zip(*rows, strict=True)]
    # Lines joined by a value no module has, so no run crosses from one line to the next.
    lines = b"\x09".join(rows + columns)
    n1 = len(lines) - len(_RUN.sub(b"", lines)) - 2 * len(_RUN.findall(lines))
    n2 = 0
    previous = None
    for row in rows:
        value = int.from_bytes(row, "big")
        across = value ^ (value >> 8)  # zero byte where a module equals the one on its left
        if previous is not None:
            upper, upper_across = previous
            # Zero where a module, its left neighbour and the two above are all equal.
            combined = (value ^ upper) | across | upper_across
            n2 += 3 * combined.to_bytes(size, "big")[1:].count(0)
        previous = value, across
    n3 = sum(_n3_occurrences(line, size) for line in rows + columns)
    dark = sum(sum(row) for row in rows)
    n4 = 10 * int(abs(float(dark) / (size ** 2) * 100 - 50) / 5)
    return n1, n2, n3, n4


def _n3_occurrences(line: bytes, size: int) -> int:
    # segno's n3_pattern_occurrences, as it counts them (borders included).
    count = 0
    index = line.find(_N3)
    while index != -1:
        offset = index + 7
        if index in (0, size - 7) or not any(line[max(index - 4, 0):min(index, size)]) \
                or not any(line[max(offset, 0):min(offset + 4, size)]):
            count += 40
        else:
            offset = index + 4
        index = line.find(_N3, offset)
    return count


def install() -> None:
    """Make segno use these (its ``find_and_apply_best_mask`` looks them up on each call)."""
    encoder.apply_mask = apply_mask
    encoder.mask_scores = mask_scores
