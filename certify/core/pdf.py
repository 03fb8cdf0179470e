"""PDFs with WeasyPrint: resources locked down, PDF/A-3b, the same bytes every time.

Three rules hold for every PDF this application makes:

- **Nothing from the network.** The URL fetcher accepts ``data:`` URLs, files
  under the folders the caller allows (the app's static and template folders)
  and ``resource:`` files handed over in memory; anything else stops the
  rendering with :class:`ResourceRefused`, so a certificate never silently
  loses its emblem nor makes a request.
- **Archival.** Documents are PDF/A-3b (ISO 19005-3): fonts embedded, an sRGB
  output intent, XMP metadata, and files attached with their relationship to
  the document (the Open Badges credential of a certificate).
- **Deterministic.** The dates written into the file are the caller's (a
  certificate's issue date, never "now"), the file identifier is a hash of
  the content, and nothing random is written, so the same input gives the
  same bytes, and a stored file can be checked against its hash.

Laying out a document costs far more per call than per page, so
:func:`render_documents` lays out many one-page documents in one call and
writes each page as its own PDF. A page written this way is byte for byte the
PDF that laying it out alone would give (tests/core/test_pdf.py checks it).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML, Attachment
from weasyprint.document import Document, DocumentMetadata
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

PDF_VARIANT = "pdf/a-3b"
RESOURCE_SCHEME = "resource"


class ResourceRefused(FatalURLFetchingError):
    """A document asked for a resource outside what PDFs may use (network, other files)."""


@dataclass(frozen=True)
class Resource:
    """A file a document refers to as ``resource:<name>`` without it being on disk
    (a QR code): cheaper than a data: URL, which the HTML parser reads character by character."""

    data: bytes
    media_type: str


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF (PDF/A-3 allows any kind), e.g. a JSON credential."""

    filename: str
    data: bytes
    description: str = ""
    # How the file relates to the document (ISO 32000-2, 7.11.3): Source, Data, Alternative...
    relationship: str = "Data"


@dataclass(frozen=True)
class PdfMetadata:
    """What a PDF says about itself (document information and XMP)."""

    title: str
    author: str
    created: datetime  # also the modification date: a document is written once
    subject: str = ""
    keywords: tuple[str, ...] = ()
    lang: str | None = None  # BCP 47, e.g. "es", "pt-BR"


@dataclass(frozen=True)
class PdfPage:
    """One page of a batch, to be written as its own PDF."""

    metadata: PdfMetadata
    attachments: tuple[PdfAttachment, ...] = field(default_factory=tuple)


class LockedFetcher(URLFetcher):
    """WeasyPrint's fetcher, limited to ``data:`` URLs, files under ``roots`` and the
    in-memory ``resources`` (``resource:<name>`` URLs)."""

    def __init__(self, roots: Iterable[str | Path],
                 resources: Mapping[str, Resource] | None = None):
        # fail_on_errors: a refused or missing resource stops the rendering instead of
        # leaving a hole in the document.
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False,
                         fail_on_errors=True)
        self.roots = tuple(Path(root).resolve() for root in roots)
        self.resources = dict(resources or {})

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == RESOURCE_SCHEME:
            resource = self.resources.get(url[len(RESOURCE_SCHEME) + 1:])
            if resource is None:
                raise ResourceRefused(f"no resource {url[:80]!r} was given to this document")
            return URLFetcherResponse(url, resource.data,
                                      headers={"Content-Type": resource.media_type})
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ResourceRefused(f"PDFs may only use files of the application, not {path}")
        elif scheme != "data":
            raise ResourceRefused(f"PDFs may not fetch {url[:80]!r}: only data: URLs and "
                                  "files of the application are allowed")
        return super().fetch(url, headers)


def application_roots(app) -> tuple[str, ...]:
    """The folders PDFs of ``app`` may read: its static files and templates."""
    return tuple(folder for folder in (app.static_folder, app.template_folder) if folder)


def layout(html: str, *, roots: Iterable[str | Path], base_url: str | Path | None = None,
           resources: Mapping[str, Resource] | None = None) -> Document:
    """Lay out ``html`` (the costly step) with the locked fetcher; the pages come next.

    Relative URLs resolve against ``base_url`` (a folder), when given; an image
    used on many pages (same URL) is read and parsed once per layout.
    """
    base = Path(base_url).resolve().as_uri() + "/" if base_url else None
    fetcher = LockedFetcher(roots, resources)
    return HTML(string=html, base_url=base, url_fetcher=fetcher).render()


def write_pages(document: Document, pages: Sequence, page: PdfPage) -> bytes:
    """Write ``pages`` of a laid-out ``document`` as one PDF/A-3b with ``page``'s metadata."""
    copy = document.copy(list(pages))
    copy.metadata = _metadata(page.metadata)
    when = _utc(page.metadata.created)
    attachments = [
        # file_obj, not string: WeasyPrint would guess a string to be a file name or URL.
        Attachment(file_obj=io.BytesIO(item.data), name=item.filename,
                   description=item.description or None, created=when, modified=when,
                   relationship=item.relationship, url_fetcher=document.url_fetcher)
        for item in page.attachments
    ]
    return copy.write_pdf(pdf_variant=PDF_VARIANT, attachments=attachments)


def render_pdf(html: str, page: PdfPage, *, roots: Iterable[str | Path],
               base_url: str | Path | None = None,
               resources: Mapping[str, Resource] | None = None) -> bytes:
    """``html`` as one PDF/A-3b document (any number of pages)."""
    document = layout(html, roots=roots, base_url=base_url, resources=resources)
    return write_pages(document, document.pages, page)


def render_documents(html: str, pages: Sequence[PdfPage], *, roots: Iterable[str | Path],
                     base_url: str | Path | None = None,
                     resources: Mapping[str, Resource] | None = None) -> list[bytes]:
    """Lay out ``html`` once and write each of its pages as its own PDF.

    ``html`` must produce exactly one page per entry of ``pages`` (in order):
    a document that overflows onto a second page would shift every later one,
    so a mismatch raises ``ValueError`` instead of mixing documents up.
    """
    document = layout(html, roots=roots, base_url=base_url, resources=resources)
    if len(document.pages) != len(pages):
        raise ValueError(f"the layout has {len(document.pages)} pages for {len(pages)} "
                         "documents: each document must fit on exactly one page")
    return [write_pages(document, [laid_out], page)
            for laid_out, page in zip(document.pages, pages, strict=True)]


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("PDF dates must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


def _metadata(metadata: PdfMetadata) -> DocumentMetadata:
    when = _utc(metadata.created).strftime("%Y-%m-%dT%H:%M:%SZ")
    return DocumentMetadata(
        title=metadata.title, authors=[metadata.author], description=metadata.subject or None,
        keywords=list(metadata.keywords), generator="certify", created=when, modified=when,
        lang=metadata.lang)
