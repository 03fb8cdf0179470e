"""Attached files: what they are (by their content), whether they fit, and where they live.

A file's type is read from its bytes (signatures, the structure of zip and OLE2
containers), never from its name or the browser's Content-Type. Files are stored
once per content, under their SHA-256 (``uploads/ab/cd/<sha256>``), and written
atomically; the name a person gave is kept only as a label.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from certify.core.errors import PayloadTooLarge, UnsupportedMediaType, ValidationError
from certify.core.storage import uploads_dir

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_SUBMISSION_BYTES = 100 * 1024 * 1024
MAX_FILES = 20
CHUNK_BYTES = 1024 * 1024
LABEL_MAX_LENGTH = 200


@dataclass(frozen=True)
class FileType:
    key: str
    media_type: str
    extension: str
    aliases: tuple[str, ...] = ()


_OOXML = "application/vnd.openxmlformats-officedocument"
_ODF = "application/vnd.oasis.opendocument"
FILE_TYPES = {file_type.key: file_type for file_type in (
    FileType("pdf", "application/pdf", "pdf"),
    FileType("png", "image/png", "png"),
    FileType("jpeg", "image/jpeg", "jpg", ("jpeg", "jpe")),
    FileType("webp", "image/webp", "webp"),
    FileType("gif", "image/gif", "gif"),
    FileType("pptx", f"{_OOXML}.presentationml.presentation", "pptx"),
    FileType("docx", f"{_OOXML}.wordprocessingml.document", "docx"),
    FileType("xlsx", f"{_OOXML}.spreadsheetml.sheet", "xlsx"),
    FileType("odp", f"{_ODF}.presentation", "odp"),
    FileType("odt", f"{_ODF}.text", "odt"),
    FileType("ods", f"{_ODF}.spreadsheet", "ods"),
    FileType("ppt", "application/vnd.ms-powerpoint", "ppt"),
    FileType("doc", "application/msword", "doc"),
)}
BY_MEDIA_TYPE = {file_type.media_type: file_type for file_type in FILE_TYPES.values()}
ACCEPTED_EXTENSIONS = tuple(f".{t.extension}" for t in FILE_TYPES.values())  # for <input accept>

# The main part that makes an Office Open XML package a presentation, document or workbook.
_OOXML_PARTS = {"ppt/presentation.xml": "pptx", "word/document.xml": "docx",
                "xl/workbook.xml": "xlsx"}
_ODF_MIMETYPES = {f"{_ODF}.presentation": "odp", f"{_ODF}.text": "odt",
                  f"{_ODF}.spreadsheet": "ods"}
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream that makes a compound file a Word document or a PowerPoint presentation.
_OLE2_STREAMS = {"WordDocument": "doc", "PowerPoint Document": "ppt"}
_OLE2_ENTRY_BYTES = 128


@dataclass
class IncomingFile:
    """An upload as the HTTP layer hands it over: the name given and a seekable stream."""

    name: str
    stream: BinaryIO


@dataclass
class CheckedFile:
    """An upload that passed every check, ready to be stored."""

    label: str
    size: int
    sha256: str
    file_type: FileType
    stream: BinaryIO


# --- what a file is ----------------------------------------------------------------------------

def detect_type(stream: BinaryIO) -> FileType | None:
    """The accepted type of the bytes in ``stream`` (read from the start), or None."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    key = None
    if head.startswith(b"%PDF-"):
        key = "pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        key = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        key = "jpeg"
    elif head.startswith((b"GIF87a", b"GIF89a")):
        key = "gif"
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        key = "webp"
    elif head.startswith(b"PK\x03\x04"):
        key = _zip_type(stream)
    elif head.startswith(_OLE2_SIGNATURE):
        key = _ole2_type(stream)
    stream.seek(0)
    return FILE_TYPES.get(key) if key else None


def _zip_type(stream: BinaryIO) -> str | None:
    """OpenDocument by its ``mimetype`` entry, Office Open XML by its main part."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as entry:  # a short line; never read more
                    declared = entry.read(100).decode("ascii", "replace").strip()
                return _ODF_MIMETYPES.get(declared)
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # macro-enabled: not a plain presentation, document or workbook
            if "[Content_Types].xml" in names:
                return next((key for part, key in _OOXML_PARTS.items() if part in names), None)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError):
        return None
    return None


def _ole2_type(stream: BinaryIO) -> str | None:
    """A compound file's kind, from the directory entry of its main stream.

    Directory entries are 128-byte records aligned to sectors after the header
    sector, so each 128-byte slot is checked for the name, its length and the
    "stream" object type, without following the allocation tables.
    """
    stream.seek(30)
    raw = stream.read(2)
    shift = struct.unpack("<H", raw)[0] if len(raw) == 2 else 0
    if shift not in (9, 12):
        return None
    wanted = {(name + "\x00").encode("utf-16-le"): key for name, key in _OLE2_STREAMS.items()}
    stream.seek(1 << shift)  # the header fills the first sector; entries follow, aligned
    while chunk := stream.read(CHUNK_BYTES):
        for encoded, key in wanted.items():
            start = chunk.find(encoded)
            while start != -1:
                entry = chunk[start:start + _OLE2_ENTRY_BYTES]
                if (start % _OLE2_ENTRY_BYTES == 0 and len(entry) == _OLE2_ENTRY_BYTES
                        and struct.unpack("<H", entry[64:66])[0] == len(encoded)
                        and entry[66] == 2):
                    return key
                start = chunk.find(encoded, start + 1)
    return None


def display_label(name: str | None) -> str:
    """The uploaded name made safe to show: no folders, control characters or odd spacing."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .")
    if len(name) > LABEL_MAX_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        suffix = suffix[:16] if dot else ""
        name = stem[:LABEL_MAX_LENGTH - len(suffix) - 1] + "." + suffix if suffix else \
            name[:LABEL_MAX_LENGTH]
    return name or "file"


def download_name(label: str, file_type: FileType) -> str:
    """The label, with the extension of the type the content really has."""
    stem, dot, suffix = label.rpartition(".")
    if dot and suffix.lower() in (file_type.extension, *file_type.aliases):
        return label
    return f"{stem if dot and stem else label}.{file_type.extension}"


# --- checking a batch --------------------------------------------------------------------------

def _measure(stream: BinaryIO, label: str) -> tuple[int, str]:
    """Size and SHA-256, read in chunks; stops as soon as the file is too large."""
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    while chunk := stream.read(CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            message = _("%(name)s is larger than %(limit)d MB.", name=label,
                        limit=MAX_FILE_BYTES // (1024 * 1024))
            raise PayloadTooLarge(message, errors={"files": [message]})
        digest.update(chunk)
    stream.seek(0)
    return size, digest.hexdigest()


def check_files(files: Sequence[IncomingFile]) -> list[CheckedFile]:
    """Check every file before anything is written; raise on the first one that fails.

    Raises ``PayloadTooLarge`` (a file over 20 MB, or over 100 MB together),
    ``UnsupportedMediaType`` (a type that is not accepted) or ``ValidationError``
    (an empty file, or too many files), each naming the file.
    """
    if len(files) > MAX_FILES:
        message = _("Attach at most %(count)d files.", count=MAX_FILES)
        raise ValidationError(message, errors={"files": [message]})
    checked: list[CheckedFile] = []
    total = 0
    for incoming in files:
        label = display_label(incoming.name)
        size, sha256 = _measure(incoming.stream, label)
        if size == 0:
            message = _("%(name)s is empty.", name=label)
            raise ValidationError(message, errors={"files": [message]})
        total += size
        if total > MAX_SUBMISSION_BYTES:
            message = _("The files together are larger than %(limit)d MB.",
                        limit=MAX_SUBMISSION_BYTES // (1024 * 1024))
            raise PayloadTooLarge(message, errors={"files": [message]})
        file_type = detect_type(incoming.stream)
        if file_type is None:
            message = _("%(name)s is not a PDF, an image (PNG, JPEG, WebP, GIF), a presentation, "
                        "a document or a spreadsheet.", name=label)
            raise UnsupportedMediaType(message, errors={"files": [message]})
        checked.append(CheckedFile(label, size, sha256, file_type, incoming.stream))
    return checked


# --- storage -----------------------------------------------------------------------------------

def uploads_root() -> Path:
    """Where files live: ``UPLOADS_DIR`` if configured, else ``<instance>/uploads``."""
    return uploads_dir()


def stored_path(sha256: str, root: Path | None = None) -> Path:
    """Where the file with this SHA-256 lives; anything but a hex digest is refused."""
    if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return (root or uploads_root()) / sha256[:2] / sha256[2:4] / sha256


def store(checked: CheckedFile, root: Path | None = None) -> Path:
    """Write the file under its hash, once: an existing copy is the same content."""
    target = stored_path(checked.sha256, root)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Not a plain ``with``: the file must outlive the block to be renamed into place.
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
        dir=target.parent, prefix=".incoming-", delete=False)
    try:
        with handle:
            checked.stream.seek(0)
            while chunk := checked.stream.read(CHUNK_BYTES):
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        # Readers see either no file or the whole file, never a half-written one.
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return target
