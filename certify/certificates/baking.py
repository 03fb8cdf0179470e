"""Baked badges: the programme's emblem with the signed credential inside (Open Badges 3.0,
section 5.3 "Baking"), so the image alone is a credential a backpack or wallet can import.

SVG: an ``<openbadges:credential>`` element (namespace ``https://purl.imsglobal.org/ob/v3p0``)
right after the opening ``<svg>`` tag, holding the VC-JWT. PNG: an ``iTXt`` chunk with the
keyword ``openbadgecredential`` and the VC-JWT as its text.
"""

from __future__ import annotations

import io
import re

from flask_babel import gettext as _
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from certify.certificates.badge_images import emblem_png
from certify.certificates.design import design_image
from certify.certificates.models import Certificate
from certify.certificates.openbadges import signed_open_badge
from certify.core.errors import NotFound

OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
PNG_KEYWORD = "openbadgecredential"
_SVG_OPENING = re.compile(rb"<svg\b[^>]*>")


def bake_svg(svg: bytes, token: str) -> bytes:
    opening = _SVG_OPENING.search(svg)
    if opening is None:
        raise ValueError("not an SVG document")
    tag = opening.group(0)
    empty = tag.endswith(b"/>")  # <svg .../>: the element needs a closing tag to hold it
    tag = tag[:-2] if empty else tag[:-1]
    if b"xmlns:openbadges" not in tag:
        tag += f' xmlns:openbadges="{OB_NAMESPACE}"'.encode()
    element = f"<openbadges:credential><![CDATA[{token}]]></openbadges:credential>".encode()
    return (svg[:opening.start()] + tag + b">" + element + (b"</svg>" if empty else b"")
            + svg[opening.end():])


def bake_png(png: bytes, token: str) -> bytes:
    with Image.open(io.BytesIO(png)) as image:
        info = PngInfo()
        info.add_itxt(PNG_KEYWORD, token)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def baked_badge(certificate: Certificate, *, as_png: bool = False) -> tuple[bytes, str, str]:
    """``(image, media type, file extension)``: the emblem with ``certificate``'s credential;
    ``as_png``: an SVG emblem drawn as a PNG first (for backpacks that import PNG only).

    ``NotFound`` if its programme has no emblem in its design.
    """
    image = design_image((certificate.design or {}).get("emblem") or "")
    if image is None:
        raise NotFound(_("This certificate's programme has no badge image."))
    token = signed_open_badge(certificate)
    if as_png and image.media_type == "image/svg+xml":
        return bake_png(emblem_png(image.sha256), token), "image/png", "png"
    if image.media_type == "image/svg+xml":
        return bake_svg(image.data, token), image.media_type, "svg"
    return bake_png(image.data, token), image.media_type, "png"
