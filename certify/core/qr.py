"""QR codes as inline SVG (pages) and PNG (e-mails, PDFs), shared by tickets and certificates.

Both use error correction level M (about 15% of the symbol can be damaged:
enough for a creased print-out or a cracked phone screen, without making the
symbol much denser) and the standard four-module quiet zone, which scanners
need to find the symbol against a busy background.
"""

from __future__ import annotations

import io

import qrcode
from markupsafe import Markup, escape
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 asks


def _matrix(data: str) -> list[list[bool]]:
    """The symbol's modules, quiet zone included; True is dark."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def qr_svg(data: str, *, label: str | None = None) -> Markup:
    """An ``<svg>`` element encoding ``data``, safe to put inline in a page.

    It scales to its container (``viewBox`` in modules, no fixed size), refers
    to nothing outside itself, and draws all dark modules as one path so that
    even a long token stays a small element. ``label`` becomes its accessible
    name.
    """
    matrix = _matrix(data)
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


def qr_png(data: str, *, box_size: int = 10) -> bytes:
    """A black-on-white PNG encoding ``data``, ``box_size`` pixels per module."""
    if box_size < 1:
        raise ValueError("box_size must be at least 1 pixel")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=box_size)
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
