"""One PDF/A-3b file per page of a written batch, with qpdf (pikepdf).

WeasyPrint writes a batch of pages as one PDF far faster than page by page
(fonts are subset and embedded once, not once per page). Each page is then
copied into a file of its own with only what it uses, an optional
background beneath it (:class:`Background`),
and what PDF/A-3b asks of a document: the output intent, XMP metadata that
matches the document information, and attachments related to the document
(ISO 19005-3, 6.8). Files get a hash of their content as identifier, so the
same page gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
from collections.abc import Sequence
from datetime import UTC, datetime

import pikepdf
from pikepdf import Array, Dictionary, Name, Rectangle, String
from weasyprint import __version__ as weasyprint_version
from weasyprint.document import DocumentMetadata

PDF_VERSION = "1.7"  # what PDF/A-3 is based on
PRODUCER = f"WeasyPrint {weasyprint_version}"  # the XMP says so; the information must match
XMP_HEADER = b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' \
             b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
XMP_FOOTER = b'</x:xmpmeta>\n<?xpacket end="r"?>'


class Background:
    """A one-page PDF, parsed once, to draw beneath the pages of many files."""

    def __init__(self, data: bytes):
        # The form belongs to the parsed file, so both live as long as this object.
        self._source = pikepdf.open(io.BytesIO(data))
        self.form = self._source.make_indirect(self._source.pages[0].as_form_xobject())


def split_pages(batch: bytes, pages: Sequence, backgrounds: Sequence[Background | None], *,
                skip: int = 0) -> list[bytes]:
    """The pages of ``batch`` after the first ``skip`` as PDF/A-3b files of their own.

    ``pages`` are :class:`certify.core.pdf.PdfPage` (metadata, attachments),
    one per page, and ``backgrounds`` what to draw beneath each (or None).
    ``batch`` must have been written as PDF/A-3b (for its output intent).
    """
    with pikepdf.open(io.BytesIO(batch)) as source:
        # Gives each page resources of its own, with only what it uses: a page of a batch
        # refers to the whole batch's images, and no file may carry another's QR code.
        source.remove_unreferenced_resources()
        intents = source.make_indirect(source.Root.OutputIntents)
        return [_single_page(source.pages[skip + number], intents, page, background)
                for number, (page, background) in enumerate(zip(pages, backgrounds,
                                                                 strict=True))]


def _single_page(page: pikepdf.Page, intents: pikepdf.Object, description,
                 background: Background | None) -> bytes:
    with pikepdf.new() as pdf:
        pdf.pages.append(page)
        if background is not None:
            _draw_beneath(pdf.pages[0], pdf.copy_foreign(background.form))
        pdf.Root.OutputIntents = pdf.copy_foreign(intents)
        _describe(pdf, description.metadata)
        _attach(pdf, description.attachments, description.metadata.created)
        output = io.BytesIO()
        # Streams as WeasyPrint compressed them: decoding and compressing again per file
        # would cost more than the rest of the copy.
        pdf.save(output, deterministic_id=True, force_version=PDF_VERSION,
                 fix_metadata_version=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
        return output.getvalue()


def _draw_beneath(page: pikepdf.Page, form: pikepdf.Object) -> None:
    # Page.add_underlay would name the form at random: a fixed name keeps the bytes the same.
    name = page.add_resource(form, Name.XObject, Name.Background)
    page.contents_add(page.calc_form_xobject_placement(form, name, Rectangle(page.trimbox)),
                      prepend=True)


def _describe(pdf: pikepdf.Pdf, metadata) -> None:
    """Document information and the same in XMP, with the PDF/A-3b identification."""
    when = utc_to_second(metadata.created)
    xmp_date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    rdf = DocumentMetadata(
        title=metadata.title, authors=[metadata.author], description=metadata.subject or None,
        keywords=list(metadata.keywords), generator="certify", created=xmp_date,
        modified=xmp_date).generate_rdf_metadata("a", 3, "B")
    pdf.Root.Metadata = pdf.make_stream(XMP_HEADER + rdf + XMP_FOOTER,
                                        Type=Name.Metadata, Subtype=Name.XML)
    info = {"/Producer": PRODUCER, "/Title": metadata.title, "/Author": metadata.author,
            "/Subject": metadata.subject, "/Keywords": ", ".join(metadata.keywords),
            "/Creator": "certify", "/CreationDate": _pdf_date(when), "/ModDate": _pdf_date(when)}
    pdf.trailer.Info = pdf.make_indirect(Dictionary(
        {key: String(value) for key, value in info.items() if value}))
    if metadata.lang:
        pdf.Root.Lang = String(metadata.lang)


def _attach(pdf: pikepdf.Pdf, attachments: Sequence, created: datetime) -> None:
    """Embedded files, each related to the document (/AF) as PDF/A-3 requires."""
    if not attachments:
        return
    when = String(_pdf_date(utc_to_second(created)))
    names, specs = Array(), Array()
    for item in attachments:
        media_type = (item.media_type or mimetypes.guess_type(item.filename)[0]
                      or "application/octet-stream")
        stream = pdf.make_stream(item.data, Type=Name.EmbeddedFile,
                                 Subtype=Name("/" + media_type),
                                 Params=Dictionary(
                                     CheckSum=String(hashlib.md5(item.data,
                                                                 usedforsecurity=False).digest()),
                                     Size=len(item.data), CreationDate=when, ModDate=when))
        spec = pdf.make_indirect(Dictionary(
            Type=Name.Filespec, F=String(item.filename), UF=String(item.filename),
            EF=Dictionary(F=stream), Desc=String(item.description or ""),
            AFRelationship=Name("/" + item.relationship)))
        names.extend([String(item.filename), spec])
        specs.append(spec)
    pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Names=names))
    pdf.Root.AF = specs


def utc_to_second(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("PDF dates must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


def _pdf_date(moment: datetime) -> str:
    return moment.strftime("D:%Y%m%d%H%M%SZ")
