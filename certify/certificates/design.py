"""A programme's certificate design, from the ``design`` key of course_content/programme.yaml.

```yaml
design:
  colours: {primary: "#0b5cab", accent: "#c9a227"}
  logo: images/logo.svg          # the issuer's logo: top of the page, the issuer's Profile
  emblem: images/emblem.svg      # the programme's badge: the Open Badges achievement image
  seal: images/seal.svg          # optional, between the signatures
  signatures:                    # one per authority, in their order (null: none)
    - images/firma-fuentes.png
```

Every image is checked before anything is written (type by its bytes, size,
dimensions, and for SVG nothing that could fetch or run anything) and kept by
its SHA-256 in ``design_image``; a certificate's snapshot names them by hash, so
it renders the same years later. What is missing falls back to the plain page.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from certify.certificates.models import CertificateDesign, DesignImage
from certify.extensions import db
from certify.programmes.content import (
    LoadReport,
    ProgrammeSource,
    assign_changed,
    register_content_part,
)
from certify.programmes.content_files import Checker, LineDict, Problem
from certify.programmes.models import Programme

IMAGE_ROLES = ("logo", "emblem", "seal")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOURS = {"primary": "#0b5cab", "accent": "#c9a227"}
MAX_IMAGE_BYTES = 1024 * 1024
# PNG pixels: signatures print about 45 mm wide and logos 25 mm, so 400 px is ~220 dpi or
# better; beyond 4000 px is only weight.
MIN_PNG_WIDTH, MAX_PNG_SIDE = 400, 4000
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# What an SVG may not hold: scripts, foreign HTML, or anything fetched from elsewhere.
SVG_FORBIDDEN_TAGS = {"script", "foreignObject", "iframe", "image", "use"}
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


@dataclass
class CheckedImage:
    sha256: str
    media_type: str
    data: bytes
    width: int
    height: int


@dataclass
class ParsedDesign:
    colours: dict
    images: dict[str, CheckedImage | None] = field(default_factory=dict)
    signatures: list[CheckedImage | None] = field(default_factory=list)


def _svg_size(root: ElementTree.Element) -> tuple[int, int] | None:
    view_box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        if len(view_box) == 4:
            return round(float(view_box[2])), round(float(view_box[3]))
        return (round(float(re.sub(r"[a-z%]+$", "", root.get("width", "")))),
                round(float(re.sub(r"[a-z%]+$", "", root.get("height", "")))))
    except ValueError:
        return None


def check_image(data: bytes, name: str) -> tuple[CheckedImage | None, str | None]:
    """``(image, None)`` if ``data`` is a PNG or SVG fit to print, else ``(None, why)``."""
    if len(data) > MAX_IMAGE_BYTES:
        return None, f"'{name}' is larger than {MAX_IMAGE_BYTES // 1024} KB"
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                width, height = image.size
        except (UnidentifiedImageError, OSError, SyntaxError):
            return None, f"'{name}' is not a readable PNG image"
        if width < MIN_PNG_WIDTH or max(width, height) > MAX_PNG_SIDE:
            return None, (f"'{name}' is {width}×{height} px: PNG images must be at least "
                          f"{MIN_PNG_WIDTH} px wide (print quality) and at most {MAX_PNG_SIDE} px")
        return CheckedImage(digest, MEDIA_TYPES["png"], data, width, height), None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return None, f"'{name}': SVG images may not declare a DOCTYPE or entities"
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None, f"'{name}' is neither a PNG image nor an SVG document"
    if root.tag != f"{SVG_NAMESPACE}svg":
        return None, f"'{name}' is neither a PNG image nor an SVG document"
    for element in root.iter():
        tag = element.tag.removeprefix(SVG_NAMESPACE)
        links = [element.get("href"), element.get(XLINK_HREF)]
        if tag in SVG_FORBIDDEN_TAGS or any(link for link in links if link):
            return None, f"'{name}' refers to something outside it or runs code (<{tag}>)"
        if any(attribute.lower().startswith("on") for attribute in element.attrib) \
                or "url(http" in (element.get("style") or "") + (element.text or ""):
            return None, f"'{name}' refers to something outside it or runs code (<{tag}>)"
    size = _svg_size(root)
    if size is None or min(size) <= 0:
        return None, f"'{name}' needs a viewBox (or width and height) to be printed at size"
    return CheckedImage(digest, MEDIA_TYPES["svg"], data, *size), None


class DesignContent:
    """The ``design`` key of programme.yaml (see the module's docstring)."""

    programme_keys = frozenset({"design"})
    module_keys = frozenset()

    def parse(self, source: ProgrammeSource) -> tuple[ParsedDesign | None, list[Problem]]:
        data = source.data.get("design")
        if data is None:
            return None, []
        checker = Checker(source.checker.path)
        design = checker.mapping(data, Checker.line_of(source.data, "design"), "design")
        if design is None:
            return None, checker.problems
        checker.keys(design, required=set(),
                     optional={"colours", "signatures", *IMAGE_ROLES}, what="design")
        parsed = ParsedDesign(colours=_colours(checker, design))
        for role in IMAGE_ROLES:
            parsed.images[role] = _image(checker, source.root, design, role)
        parsed.signatures = _signatures(checker, source, design)
        return (None if checker.problems else parsed), checker.problems

    def apply(self, parsed: ParsedDesign | None, programme: Programme,
              report: LoadReport) -> None:
        existing = db.session.scalar(sa.select(CertificateDesign).where(
            CertificateDesign.programme_id == programme.id))
        if parsed is None:
            if existing is not None:
                db.session.delete(existing)  # back to the plain page; the images stay
                report.count("certificate design", "removed")
            return
        for image in [*parsed.images.values(), *parsed.signatures]:
            if image is not None and db.session.get(DesignImage, image.sha256) is None:
                db.session.add(DesignImage(sha256=image.sha256, media_type=image.media_type,
                                           data=image.data, width=image.width,
                                           height=image.height))
                db.session.flush()
        values = {"colours": parsed.colours,
                  **{f"{role}_sha256": image.sha256 if image else None
                     for role, image in parsed.images.items()},
                  "signatures": [image.sha256 if image else None
                                 for image in parsed.signatures]}
        if existing is None:
            db.session.add(CertificateDesign(programme_id=programme.id, **values))
            report.count("certificate design", "created")
            return
        changed = assign_changed(existing, values)
        report.count("certificate design", "updated" if changed else "unchanged")


def _colours(checker: Checker, design: LineDict) -> dict:
    colours = checker.settings(design, "colours", DEFAULT_COLOURS)
    if colours is None:
        return dict(DEFAULT_COLOURS)
    result = dict(DEFAULT_COLOURS)
    for name, value in colours.items():
        if not isinstance(value, str) or not COLOUR.match(value):
            checker.problem(checker.line_of(colours, name),
                            f"colour '{name}' must be written #rrggbb")
        else:
            result[name] = value.lower()
    return result


def _image_at(checker: Checker, root: Path, name: object, line: int) -> CheckedImage | None:
    if not isinstance(name, str) or not name.strip():
        checker.problem(line, "an image must be given as a file name")
        return None
    path = (root / name).resolve()
    if root.resolve() not in path.parents or not path.is_file():
        checker.problem(line, f"image '{name}' does not exist in the content folder")
        return None
    if path.suffix.lower().lstrip(".") not in MEDIA_TYPES:
        checker.problem(line, f"image '{name}' must be a .png or .svg file")
        return None
    image, problem = check_image(path.read_bytes(), name)
    if problem:
        checker.problem(line, problem)
    return image


def _image(checker: Checker, root: Path, design: LineDict, role: str) -> CheckedImage | None:
    if design.get(role) is None:
        return None
    return _image_at(checker, root, design[role], checker.line_of(design, role))


def _signatures(checker: Checker, source: ProgrammeSource, design: LineDict
                ) -> list[CheckedImage | None]:
    names = design.get("signatures")
    if names is None:
        return []
    line = checker.line_of(design, "signatures")
    authorities = source.values.get("authorities") or []
    if not isinstance(names, list):
        checker.problem(line, "'signatures' must be a list, one per authority")
        return []
    if len(names) > len(authorities):
        checker.problem(line, f"{len(names)} signatures for {len(authorities)} authorities")
    return [None if name is None else _image_at(checker, source.root, name,
                                                checker.line_of(names, index))
            for index, name in enumerate(names)]


register_content_part(DesignContent())


# --- what certificates keep and show ------------------------------------------------------------

_SNAPSHOTS = "certificates.design_snapshots"


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _forget_snapshots(session: Session) -> None:
    session.info.pop(_SNAPSHOTS, None)  # a content load may have changed the design


def design_snapshot(programme: Programme) -> dict:
    """What a new certificate of ``programme`` keeps of its design (hashes and colours);
    read once per transaction, since a batch issues thousands."""
    cache = db.session.info.setdefault(_SNAPSHOTS, {})
    if programme.id not in cache:
        cache[programme.id] = _read_snapshot(programme)
    return dict(cache[programme.id])


def _read_snapshot(programme: Programme) -> dict:
    design = db.session.scalar(sa.select(CertificateDesign).where(
        CertificateDesign.programme_id == programme.id))
    if design is None:
        return {}
    snapshot = {"colours": dict(design.colours), "signatures": list(design.signatures)}
    for role in IMAGE_ROLES:
        if getattr(design, f"{role}_sha256"):
            snapshot[role] = getattr(design, f"{role}_sha256")
    return snapshot


def design_image(sha256: str) -> DesignImage | None:
    return db.session.get(DesignImage, sha256) if re.fullmatch(r"[0-9a-f]{64}", sha256) else None


def image_data_url(sha256: str | None) -> str:
    """The image as a data: URL for the PDF (which fetches nothing), or "" if there is none."""
    try:
        return _data_url(sha256) if sha256 else ""
    except LookupError:
        return ""


@lru_cache(maxsize=64)
def _data_url(sha256: str) -> str:
    # Kept per process: an image never changes (DesignImage), and each certificate of a
    # batch shows the same few, which would otherwise be read again for every page.
    image = design_image(sha256)
    if image is None:
        raise LookupError(sha256)  # not kept: it may be added later
    return f"data:{image.media_type};base64,{base64.b64encode(image.data).decode('ascii')}"
