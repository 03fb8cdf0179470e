"""PDFs: nothing fetched from outside, PDF/A-3b with attachments and metadata, same bytes."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from certify.core.pdf import (
    PdfAttachment,
    PdfMetadata,
    PdfPage,
    Resource,
    ResourceRefused,
    render_documents,
    render_pdf,
)

WHEN = datetime(2026, 11, 12, 15, 30, tzinfo=UTC)
PAGE = PdfPage(PdfMetadata(title="Constancia de Ñandú", author="Red de Laboratorios",
                           created=WHEN, subject="Una prueba", keywords=("uno", "dos"),
                           lang="es"),
               (PdfAttachment("datos.json", b'{"ok": true}', description="Los datos",
                              relationship="Source"),))
STYLE = "<style>@page { size: A4 landscape; margin: 1cm } section { break-after: page }</style>"


def html(*bodies: str) -> str:
    return f"<html><head>{STYLE}</head><body>{''.join(bodies)}</body></html>"


def test_the_same_input_gives_the_same_bytes(tmp_path):
    first = render_pdf(html("<p>José Ñúñez</p>"), PAGE, roots=[tmp_path])
    assert first.startswith(b"%PDF-1.7")
    assert render_pdf(html("<p>José Ñúñez</p>"), PAGE, roots=[tmp_path]) == first


def test_documents_are_pdf_a_3b_with_metadata_and_attachments(tmp_path):
    reader = PdfReader(io.BytesIO(render_pdf(html("<p>Hola</p>"), PAGE, roots=[tmp_path])))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert "2026-11-12T15:30:00Z" in xmp and "Constancia de Ñandú" in xmp
    root = reader.trailer["/Root"]
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert root["/Lang"] == "es"
    info = reader.metadata
    assert info.title == "Constancia de Ñandú" and info.author == "Red de Laboratorios"
    assert info.subject == "Una prueba" and info["/Keywords"] == "uno, dos"
    assert info["/CreationDate"] == info["/ModDate"] == "D:20261112153000Z"
    assert reader.attachments == {"datos.json": [b'{"ok": true}']}
    spec = root["/AF"][0].get_object()
    assert spec["/AFRelationship"] == "/Source" and spec["/Desc"] == "Los datos"
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/application/json"


def test_each_page_of_a_batch_is_the_document_rendered_alone(tmp_path):
    bodies = [f"<section><p>Página {n}</p></section>" for n in range(3)]
    pages = [PdfPage(PdfMetadata(title=f"Documento {n}", author="Red", created=WHEN))
             for n in range(3)]
    batch = render_documents(html(*bodies), pages, roots=[tmp_path])
    assert len(batch) == 3 and len(set(batch)) == 3
    for body, page, written in zip(bodies, pages, batch, strict=True):
        assert render_documents(html(body), [page], roots=[tmp_path]) == [written]
        assert len(PdfReader(io.BytesIO(written)).pages) == 1


def test_a_document_that_spills_onto_a_second_page_is_refused(tmp_path):
    long = "<section>" + "<p>línea</p>" * 200 + "</section>"
    with pytest.raises(ValueError, match="exactly one page"):
        render_documents(html(long), [PAGE], roots=[tmp_path])


@pytest.mark.parametrize("source", [
    "https://example.org/logo.png", "http://127.0.0.1:9/x.png", "ftp://example.org/x.png",
    "file:///etc/hostname", "resource:unknown.png",
])
def test_nothing_outside_the_allowed_folders_is_fetched(tmp_path, source):
    with pytest.raises(ResourceRefused):
        render_pdf(html(f'<img src="{source}">'), PAGE, roots=[tmp_path])


def test_files_under_the_roots_data_urls_and_resources_are_allowed(tmp_path):
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           b'<rect width="10" height="10"/></svg>')
    (tmp_path / "dot.svg").write_bytes(svg)
    escape = tmp_path / "sub"
    escape.mkdir()
    body = ('<img src="dot.svg"><img src="data:image/svg+xml;utf8,'
            '%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%224%22 height=%224%22/%3E">'
            '<img src="resource:qr.svg">')
    data = render_pdf(html(body), PAGE, roots=[tmp_path], base_url=tmp_path,
                      resources={"qr.svg": Resource(svg, "image/svg+xml")})
    assert data.startswith(b"%PDF")
    # A relative path that climbs out of the allowed folder is refused like any other file.
    with pytest.raises(ResourceRefused):
        render_pdf(html('<img src="../dot.svg">'), PAGE, roots=[escape], base_url=escape)
