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

Laying out and writing a document costs far more per call than per page, so
:func:`render_documents` lays out and writes many one-page documents in one
call and makes each page a PDF of its own (core.pdf_files). With a glyph page
(see there), a page written this way is byte for byte the PDF that rendering
it alone would give (tests/core/test_pdf.py checks it). Pages that share
most of what they show (certificates of one programme) go further: the shared
part is laid out and written once as a background (:func:`render_background`),
each page lays out only what is its own, and the background is drawn beneath.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from certify.core.native_libraries import sonames_only

with sonames_only():  # 0.2 s and about 60 processes less at every start (see there)
    import weasyprint  # noqa: F401

from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from certify.core.pdf_files import Background, split_pages

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
    media_type: str = ""  # when the file name's extension does not tell (e.g. application/vc+jwt)


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


def render_pdf(html: str, page: PdfPage, *, roots: Iterable[str | Path],
               base_url: str | Path | None = None,
               resources: Mapping[str, Resource] | None = None) -> bytes:
    """``html`` (one page) as a PDF/A-3b document."""
    return render_documents(html, [page], roots=roots, base_url=base_url,
                            resources=resources)[0]


def render_documents(html: str, pages: Sequence[PdfPage], *, roots: Iterable[str | Path],
                     base_url: str | Path | None = None,
                     resources: Mapping[str, Resource] | None = None,
                     backgrounds: Sequence[bytes | None] | None = None,
                     glyph_page: bool = False) -> list[bytes]:
    """Lay out and write ``html`` once, and make each of its pages a PDF of its own.

    ``html`` must produce exactly one page per entry of ``pages`` (in order):
    a document that overflows onto a second page would shift every later one,
    so a mismatch raises ``ValueError`` instead of mixing documents up.
    ``backgrounds`` (from :func:`render_background`, one per page, usually the
    same few for a whole batch) are drawn beneath the pages.

    Fonts are subset once for the batch, so a page's file holds the glyphs the
    whole batch uses. For files that do not depend on their batch, begin
    ``html`` with a *glyph page* (``glyph_page=True``, not written out) that
    shows every character the pages may use in every font they use: then a
    page written in any batch is the page written alone.
    """
    with _collector_paused():
        document = layout(html, roots=roots, base_url=base_url, resources=resources)
        batch = document.write_pdf(pdf_variant=PDF_VARIANT)
    if len(document.pages) != len(pages) + glyph_page:
        raise ValueError(f"the layout has {len(document.pages)} pages for {len(pages)} "
                         "documents: each document must fit on exactly one page")
    parsed = {data: Background(data) for data in set(backgrounds or ()) if data}
    return split_pages(batch, pages, [parsed.get(data) for data in backgrounds]
                       if backgrounds else [None] * len(pages), skip=int(glyph_page))


@contextmanager
def _collector_paused():
    """Laying out builds millions of short-lived objects that reference counting frees;
    the cyclic garbage collector would walk them over and over (15% of a batch's time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_background(html: str, *, roots: Iterable[str | Path],
                      base_url: str | Path | None = None) -> bytes:
    """``html`` (one page) as a PDF to draw the pages of :func:`render_documents` on.

    Only its page is used, so it carries no metadata of its own; its fonts are
    embedded and subset to what it shows, like any page's.
    """
    document = layout(html, roots=roots, base_url=base_url)
    if len(document.pages) != 1:
        raise ValueError(f"a background must be one page, not {len(document.pages)}")
    return document.write_pdf()
