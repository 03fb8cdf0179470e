"""Small but real files of every accepted type, and a few that must be refused."""

from __future__ import annotations

import io
import struct
import zipfile

from PIL import Image

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode."
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return buffer.getvalue()


def office_open_xml(main_part: str) -> bytes:
    """A package with the content types and the part that says what it is."""
    return _zip([("[Content_Types].xml", b"<?xml version='1.0'?><Types/>"),
                 ("_rels/.rels", b"<?xml version='1.0'?><Relationships/>"),
                 (main_part, b"<?xml version='1.0'?><root/>")])


def open_document(kind: str) -> bytes:
    return _zip([("mimetype", f"application/vnd.oasis.opendocument.{kind}".encode()),
                 ("content.xml", b"<?xml version='1.0'?><office:document-content/>")])


def ole2(stream_name: str) -> bytes:
    """A compound file header and one directory sector naming ``stream_name``."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26] = struct.pack("<H", 0x3E)
    header[26:28] = struct.pack("<H", 3)
    header[28:30] = b"\xfe\xff"
    header[30:32] = struct.pack("<H", 9)  # 512-byte sectors

    def entry(name: str, kind: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        record = bytearray(128)
        record[:len(encoded)] = encoded
        record[64:66] = struct.pack("<H", len(encoded))
        record[66] = kind
        return bytes(record)

    directory = entry("Root Entry", 5) + entry(stream_name, 2) + bytes(256)
    return bytes(header) + directory + bytes(512)


SAMPLES = {
    "pdf": PDF,
    "png": image("PNG"),
    "jpeg": image("JPEG"),
    "webp": image("WEBP"),
    "gif": image("GIF"),
    "pptx": office_open_xml("ppt/presentation.xml"),
    "docx": office_open_xml("word/document.xml"),
    "xlsx": office_open_xml("xl/workbook.xml"),
    "odp": open_document("presentation"),
    "odt": open_document("text"),
    "ods": open_document("spreadsheet"),
    "ppt": ole2("PowerPoint Document"),
    "doc": ole2("WordDocument"),
}

REFUSED = {
    "elf": ELF,
    "exe": EXE,
    "html": HTML,
    "plain zip": _zip([("notes.txt", b"hello")]),
    "epub": _zip([("mimetype", b"application/epub+zip"), ("content.opf", b"<package/>")]),
    "macro workbook": _zip([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<w/>"),
                            ("xl/vbaProject.bin", b"\x00" * 16)]),
    "spreadsheet (xls)": ole2("Workbook"),
    "truncated zip": office_open_xml("word/document.xml")[:40],
}


def big_pdf(size: int) -> bytes:
    """A file that starts like a PDF and is exactly ``size`` bytes long."""
    return (PDF + b"%" + b"0" * size)[:size]
