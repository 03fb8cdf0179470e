"""PDFs: nothing fetched from outside, PDF/A-3b with attachments and metadata, same bytes."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pikepdf
from PIL import Image
from pypdf import PdfReader

from certify.core.pdf import (
    PdfAttachment,
    PdfMetadata,
    PdfPage,
    Resource,
    render_background,
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


GLYPH_PAGE = "<section><p>Página 0123456789</p></section>"


def test_each_page_of_a_batch_is_the_document_rendered_alone(tmp_path):
    bodies = [f"<section><p>Página {n}</p></section>" for n in range(3)]
    pages = [PdfPage(PdfMetadata(title=f"Documento {n}", author="Red", created=WHEN))
             for n in range(3)]
    batch = render_documents(html(GLYPH_PAGE, *bodies), pages, roots=[tmp_path],
                             glyph_page=True)
    assert len(batch) == 3 and len(set(batch)) == 3
    for body, page, written in zip(bodies, pages, batch, strict=True):
        alone = render_documents(html(GLYPH_PAGE, body), [page], roots=[tmp_path],
                                 glyph_page=True)
        assert alone == [written]
        assert len(PdfReader(io.BytesIO(written)).pages) == 1


def test_without_a_glyph_page_fonts_carry_what_the_whole_batch_shows(tmp_path):
    pages = [PdfPage(PdfMetadata(title=f"Documento {n}", author="Red", created=WHEN))
             for n in range(2)]
    batch = render_documents(html("<section><p>aaa</p></section>", "<section><p>zzz</p></section>"),
                             pages, roots=[tmp_path])
    alone = render_documents(html("<section><p>aaa</p></section>"), pages[:1], roots=[tmp_path])
    assert len(batch[0]) > len(alone[0])  # the batch's "z" travels with page 0's font


def test_a_page_keeps_only_its_own_images_and_its_background(tmp_path):
    def square(colour: str) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), colour).save(buffer, format="PNG")
        return buffer.getvalue()

    resources = {f"{n}.png": Resource(square(colour), "image/png")
                 for n, colour in enumerate(["red", "green", "blue"])}
    bodies = [f'<section><img src="resource:{n}.png"><p>Página {n}</p></section>'
              for n in range(3)]
    pages = [PdfPage(PdfMetadata(title=f"Documento {n}", author="Red", created=WHEN))
             for n in range(3)]
    background = render_background(html("<p>Fondo común de Ñandú</p>"), roots=[tmp_path])
    batch = render_documents(html(*bodies), pages, roots=[tmp_path], resources=resources,
                             backgrounds=[background] * 3)
    for n, written in enumerate(batch):
        text = " ".join(PdfReader(io.BytesIO(written)).pages[0].extract_text().split())
        assert f"Página {n}" in text and "Fondo común de Ñandú" in text
        # The batch's other images are not in the file, drawn or not.
        with pikepdf.open(io.BytesIO(written)) as pdf:
            images = [obj for obj in pdf.objects
                      if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"]
        assert len(images) == 1
