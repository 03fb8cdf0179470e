"""QR codes: inline SVG and PNG, error correction M, a quiet zone, and they decode."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from certify.core.qr import QUIET_ZONE, make_qr, qr_matrix, qr_png, qr_svg

# No query whose result depends on the database: SQLite only.
pytestmark = pytest.mark.one_database

DATA = "eyJyIjoxMjMsImMiOiJhYmNkZWZnaGlqa2xtbm9wIn0.ticket-token_-with-everything"
JSQR = Path(__file__).resolve().parents[2] / "certify" / "static" / "vendor" / "jsqr" / "jsQR.js"
FORMAT_MASK = 0b101010000010010  # ISO/IEC 18004, the mask XORed onto the format bits
EC_LEVEL_M = 0b00


def svg_modules(svg: str) -> tuple[int, set[tuple[int, int]]]:
    """(size, dark modules) of an SVG drawn by qr_svg, read back from its path."""
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    size = int(root.get("viewBox").split()[2])
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    dark = {(int(x), int(y)) for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", path)}
    assert len(dark) * len("M0 0h1v1h-1z") <= len(path)
    return size, dark


def error_correction_level(size: int, dark: set[tuple[int, int]]) -> int:
    """The error correction bits of the format information (spec positions, column 8)."""
    count = size - 2 * QUIET_ZONE
    bits = 0
    for i in range(15):
        row = i if i < 6 else i + 1 if i < 8 else count - 15 + i
        if (8 + QUIET_ZONE, row + QUIET_ZONE) in dark:
            bits |= 1 << i
    return ((bits ^ FORMAT_MASK) >> 10) >> 3


def jsqr_decode(image: Image.Image) -> str | None:
    """Decode with the jsQR vendored for the check-in page, run by Node."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is needed to run jsQR")
    rgba = image.convert("RGBA")
    script = (
        "const jsQR = require(process.argv[1]);"
        "const chunks = []; process.stdin.on('data', c => chunks.push(c));"
        "process.stdin.on('end', () => { const b = Buffer.concat(chunks);"
        f" const code = jsQR(new Uint8ClampedArray(b), {rgba.width}, {rgba.height});"
        " process.stdout.write(JSON.stringify(code ? code.data : null)); });"
    )
    result = subprocess.run([node, "-e", script, str(JSQR)], input=rgba.tobytes(),
                            capture_output=True, check=True, timeout=60)
    return json.loads(result.stdout)


def test_the_svg_is_inline_and_self_contained():
    svg = qr_svg(DATA, label="Código <QR> de Ana")
    assert svg.startswith("<svg ") and not svg.startswith("<?xml")
    for outside in ("href", "url(", "<image", "<script", "<style", "http://www.w3.org/1999"):
        assert outside not in svg
    assert 'aria-label="Código &lt;QR&gt; de Ana"' in svg
    assert 'aria-hidden="true"' in qr_svg(DATA)
    assert str(qr_svg(DATA)) == str(qr_svg(DATA))  # deterministic


def test_the_svg_has_a_quiet_zone_and_error_correction_m():
    size, dark = svg_modules(qr_svg(DATA))
    assert all(QUIET_ZONE <= x < size - QUIET_ZONE and QUIET_ZONE <= y < size - QUIET_ZONE
               for x, y in dark)
    # The finder pattern's corner sits right after the quiet zone.
    assert (QUIET_ZONE, QUIET_ZONE) in dark and (QUIET_ZONE + 6, QUIET_ZONE + 6) in dark
    assert (size - 2 * QUIET_ZONE - 17) % 4 == 0  # a real QR version: 21, 25, 29 ... modules
    assert error_correction_level(size, dark) == EC_LEVEL_M


def test_the_png_has_its_size_a_white_quiet_zone_and_black_modules():
    png = qr_png(DATA, box_size=6)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png)).convert("L")
    size, dark = svg_modules(qr_svg(DATA))
    assert image.size == (size * 6, size * 6)
    quiet = QUIET_ZONE * 6
    assert {image.getpixel((x, y)) for x in range(quiet) for y in range(image.height)} == {255}
    assert image.getpixel((quiet + 1, quiet + 1)) == 0  # the finder pattern's corner
    assert Image.open(io.BytesIO(qr_png(DATA))).size == (size * 10, size * 10)
    with pytest.raises(ValueError):
        qr_png(DATA, box_size=0)


def test_the_png_decodes_to_the_data():
    assert jsqr_decode(Image.open(io.BytesIO(qr_png(DATA)))) == DATA


def test_the_svg_decodes_to_the_data():
    size, dark = svg_modules(qr_svg(DATA))
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    for x, y in dark:
        image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    assert jsqr_decode(image) == DATA


def matrix_digest(data) -> str:
    bits = "".join("1" if dark else "0" for row in qr_matrix(data) for dark in row)
    return hashlib.sha256(bits.encode()).hexdigest()


URL_AND_DIGITS = [("https://certify.test/v/", "byte"), ("1234567890" * 36, "numeric")]
# Recorded once: segno follows ISO/IEC 18004 (mask choice included), so every machine draws
# these very modules. A C encoder found or not on the system used to change them.
GOLDEN = {"ticket": "1bf75dd59a6473edc603f9f94b49aedc9b0cf6bbc4df099c708f704cdea57227",
          "certificate": "f137062d094e2866061e95cbb12e9975bca776e43777ea5afdbf33788b64f862"}


def test_the_same_data_gives_the_same_symbol_on_any_machine():
    digests = {"ticket": matrix_digest(DATA), "certificate": matrix_digest(URL_AND_DIGITS)}
    assert digests == GOLDEN
    # A fresh interpreter with another hash seed draws the same, PNG bytes included.
    script = ("import hashlib, json, sys; from certify.core.qr import qr_png;"
              "print(hashlib.sha256(qr_png(json.loads(sys.argv[1]), box_size=1)).hexdigest())")
    for data in (DATA, URL_AND_DIGITS):
        fresh = subprocess.run([sys.executable, "-c", script, json.dumps(data)], check=True,
                               capture_output=True, text=True, timeout=60,
                               env={**os.environ, "PYTHONHASHSEED": "4242"}).stdout.strip()
        assert fresh == hashlib.sha256(qr_png(data, box_size=1)).hexdigest()


def test_a_url_with_digits_is_smaller_in_two_segments():
    whole = make_qr("".join(text for text, _mode in URL_AND_DIGITS))
    segmented = make_qr(URL_AND_DIGITS)
    assert segmented.version < whole.version and segmented.error == "M"
    assert jsqr_decode(Image.open(io.BytesIO(qr_png(URL_AND_DIGITS)))) == \
        "".join(text for text, _mode in URL_AND_DIGITS)
