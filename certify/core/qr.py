"""QR codes as inline SVG (pages), PNG (e-mails, PDFs) or a module matrix, shared by tickets and
certificates, all drawn by segno.

segno is pure Python and follows ISO/IEC 18004 to the letter, mask choice
included, so the same data gives the same symbol, and the same PDF bytes, on
any machine (a C encoder found or not on the system would change them).

Every symbol uses error correction level M (about 15% of it can be damaged:
enough for a creased print-out or a cracked phone screen, without making it
much denser) and the standard four-module quiet zone, which scanners need to
find the symbol against a busy background.

``data`` is a string (segno picks the densest single mode for it) or a
sequence of ``(text, mode)`` segments, ``mode`` one of ``"byte"``,
``"alphanumeric"`` or ``"numeric"``: a URL followed by a long run of digits
is much smaller as a byte segment and a numeric one than as bytes throughout.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import segno
from markupsafe import Markup, escape
from PIL import Image
from segno import consts

from certify.core import qr_masks

qr_masks.install()  # the same symbols, several times faster (see there)

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 asks
ERROR_CORRECTION = "m"
MODES = {"byte": consts.MODE_BYTE, "alphanumeric": consts.MODE_ALPHANUMERIC,
         "numeric": consts.MODE_NUMERIC}

QrData = str | Sequence[tuple[str, str]]
_GREYS = b"\xff" + bytes(255)  # a module's value -> its pixel: 0 (light) white, any other black


def make_qr(data: QrData) -> segno.QRCode:
    """The QR code (never a Micro QR) of ``data`` at error correction M, no higher."""
    if isinstance(data, str):
        content: object = data
    else:
        content = [(text, MODES[mode]) for text, mode in data]
    # boost_error=False: segno would otherwise raise the level when the version has room,
    # and the level is part of what the tests and the documentation promise.
    return segno.make(content, error=ERROR_CORRECTION, boost_error=False, micro=False)


def qr_matrix(data: QrData, *, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The symbol's modules, ``border`` light modules around; True is dark."""
    return [[bool(module) for module in row]
            for row in make_qr(data).matrix_iter(scale=1, border=border)]


def qr_svg(data: QrData, *, label: str | None = None) -> Markup:
    """An ``<svg>`` element encoding ``data``, safe to put inline in a page.

    It scales to its container (``viewBox`` in modules, no fixed size), refers
    to nothing outside itself, and draws all dark modules as one path so that
    even a long token stays a small element. ``label`` becomes its accessible
    name.
    """
    matrix = qr_matrix(data)
    size = len(matrix)
    dark = "".join(f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix)
                   for x, on in enumerate(row) if on)
    labelled = (f' role="img" aria-label="{escape(label)}"' if label
                else ' aria-hidden="true"')
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" class="qr"{labelled}>'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{dark}" fill="#000"/></svg>'
    )


def qr_png(data: QrData, *, box_size: int = 10) -> bytes:
    """A black-on-white 1-bit PNG encoding ``data``, ``box_size`` pixels per module.

    Drawn without smoothing, so a PDF can show a one-pixel-per-module image
    sharp at any size; the same data always gives the same bytes.
    """
    if box_size < 1:
        raise ValueError("box_size must be at least 1 pixel")
    rows = make_qr(data).matrix
    size = len(rows) + 2 * QUIET_ZONE
    side, margin = b"\xff" * QUIET_ZONE, b"\xff" * (size * QUIET_ZONE)
    pixels = margin + b"".join(side + bytes(row).translate(_GREYS) + side for row in rows) + margin
    image = Image.frombytes("L", (size, size), pixels).convert("1", dither=Image.Dither.NONE)
    if box_size > 1:
        image = image.resize((size * box_size, size * box_size), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
