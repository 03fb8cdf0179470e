"""Certificate PDFs: what they say, in whose language, the QR code, the same bytes every time."""

from __future__ import annotations

import io
import json
import math
from unicodedata import normalize

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream

from certify.certificates import rendering
from certify.certificates.bulk import render_later
from certify.certificates.issuing import issue_programme_certificate
from certify.certificates.links import verification_url
from certify.certificates.openbadges import open_badge_credential
from certify.certificates.rendering import (
    CREDENTIAL_FILENAME,
    certificate_pdf,
    render_batch,
    render_certificate,
    render_in_one_call,
    storage_root,
)
from certify.core.jobs import Job, JobStatus, run_job
from certify.extensions import db
from tests.certificates.conftest import T0, enrolled
from tests.core.test_qr import jsqr_decode

# No query whose result depends on the database: SQLite only.
pytestmark = pytest.mark.one_database

POINTS_PER_CM = 72 / 2.54


def read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def text_of(data: bytes) -> str:
    return " ".join(read(data).pages[0].extract_text().split())


def test_the_same_certificate_gives_the_same_bytes(issued):
    first = render_certificate(issued)
    assert render_certificate(issued) == first
    assert first.startswith(b"%PDF-1.7")


def test_the_pdf_says_what_the_certificate_states(issued):
    text = text_of(render_certificate(issued))
    with force_locale("es"):  # the holder's language, whatever the catalogs say
        verify_at = _("Verify at %(address)s with the code above",
                      address="https://certify.test/v")
    for expected in ("María José Ñancupil Huenchumán", "Agente de Innovación Pública",
                     "Innovación Pública", "RED DE LABORATORIOS", "Valor público", "Encuentro",
                     issued.serial, "Carolina Fuentes", "Directora", "Santiago, Chile",
                     " ".join(verify_at.split())):
        assert expected in text, expected
    # Hours in the holder's language (Spanish writes 16,5).
    assert "16,5" in text and "40,5" in text


def test_the_pdf_is_in_the_holders_language(world):
    holder = enrolled(world.cohort, given_names="João", family_names="Araújo",
                      preferred_locale="pt_BR")
    certificate = issue_programme_certificate(holder, world.cohort, actor=world.manager, now=T0)
    data = render_certificate(certificate)
    text = text_of(data)
    assert "João Araújo" in text and "Agente de Inovação Pública" in text
    assert "Inovação Pública" in text and "Encontro" in text
    reader = read(data)
    assert reader.trailer["/Root"]["/Lang"] == "pt-BR"


def test_the_pdf_is_pdf_a_3b_with_the_open_badge_credential_and_metadata(issued):
    reader = read(render_certificate(issued))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    embedded = reader.attachments[CREDENTIAL_FILENAME]
    assert json.loads(embedded[0]) == json.loads(json.dumps(open_badge_credential(issued)))
    assert reader.trailer["/Root"]["/AF"][0].get_object()["/AFRelationship"] == "/Source"
    info = reader.metadata
    assert info.title == "Agente de Innovación Pública · María José Ñancupil Huenchumán"
    assert info.author == "Red de Laboratorios"
    assert issued.serial in info.subject and issued.serial in info["/Keywords"]
    assert info["/CreationDate"] == issued.issued_at.strftime("D:%Y%m%d%H%M%SZ")
    assert len(reader.pages) == 1
    width, height = (float(value) for value in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points


def _qr_image(reader: PdfReader) -> tuple[Image.Image, float]:
    """The QR code's image and its printed width in points (from the page's drawing)."""
    page = reader.pages[0]
    images = {name: obj for name, obj in page["/Resources"]["/XObject"].items()
              if obj.get_object()["/Subtype"] == "/Image"}
    assert len(images) == 1
    name = next(iter(images))
    stack, matrix = [], [1, 0, 0, 1, 0, 0]
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"q":
            stack.append(matrix)
        elif operator == b"Q":
            matrix = stack.pop()
        elif operator == b"cm":
            a, b, c, d, e, f = (float(value) for value in operands)
            m = matrix
            matrix = [a * m[0] + b * m[2], a * m[1] + b * m[3], c * m[0] + d * m[2],
                      c * m[1] + d * m[3], e * m[0] + f * m[2] + m[4], e * m[1] + f * m[3] + m[5]]
        elif operator == b"Do" and operands[0] == name:
            width = math.hypot(matrix[0], matrix[1])
            break
    image = page.images[0].image
    assert images[name].get_object().get("/Interpolate") in (None, False)  # PDF/A
    return image, width


def test_the_qr_code_leads_to_the_verification_page_and_is_printed_large(issued):
    image, width = _qr_image(read(render_certificate(issued)))
    assert width >= 2.5 * POINTS_PER_CM
    # Enlarged the way a printer or a screen draws it: every module a block of pixels.
    large = image.convert("L").resize((image.width * 8, image.height * 8), Image.Resampling.NEAREST)
    assert jsqr_decode(large) == verification_url(issued)


def test_a_batch_gives_each_certificate_the_pdf_it_gets_alone(world, issued):
    others = [issue_programme_certificate(
        enrolled(world.cohort, given_names=name, family_names="Peña", preferred_locale=locale),
        world.cohort, actor=world.manager, now=T0)
        # Ligatures (fi, ffl), and names beyond the glyphs every batch carries (Vietnamese,
        # Greek, a decomposed accent), which are rendered alone and must still come out the same.
        for name, locale in (("Ana Josefina", "en"), ("Bruno Wolffl", "pt_BR"), ("Zoë", "es"),
                             ("Đặng Thị", "es"), ("Ελένη", "en"), ("Jose\u0301", "es"))]
    db.session.commit()
    certificates = [issued, *others]
    batch = render_batch(certificates)
    assert len(batch) == 7 and len(set(batch)) == 7
    for certificate, data in zip(certificates, batch, strict=True):
        assert render_certificate(certificate) == data
        first_name = certificate.holder_name.split()[0]
        assert normalize("NFC", first_name) in normalize("NFC", text_of(data))


def test_the_layered_page_shows_what_the_page_laid_out_whole_shows(issued):
    layered, whole = text_of(render_certificate(issued)), text_of(render_in_one_call(issued))
    assert sorted(layered.split()) == sorted(whole.split())
    # The background is drawn first, then the holder's part on top of it.
    assert layered.index("Agente de Innovación Pública") < layered.index(issued.serial)


def _stored_by_the_job(certificate):
    """Run the job that issuing queues (``render_later``), as a runner would."""
    render_later(certificate)
    db.session.commit()
    record = db.session.scalar(sa.select(Job).where(Job.name == "render_certificates")
                               .order_by(Job.id.desc()))
    assert run_job(record.id).status is JobStatus.SUCCEEDED
    db.session.refresh(certificate)


def test_the_pdf_is_stored_at_issuance_and_served_as_stored(issued, monkeypatch):
    _stored_by_the_job(issued)
    path = storage_root() / issued.serial[:2] / f"{issued.serial}.pdf"
    assert issued.pdf_path == f"{issued.serial[:2]}/{issued.serial}.pdf"
    assert not list(path.parent.glob(".*.part"))  # written beside it, then renamed
    data = path.read_bytes()
    monkeypatch.setattr(rendering, "render_batch", lambda *_: pytest.fail("rendered again"))
    assert certificate_pdf(issued) == data


def test_a_download_only_reads_and_a_damaged_or_missing_file_is_rendered_again(issued):
    data = certificate_pdf(issued)  # not stored yet: laid out for this download only
    assert issued.pdf_path is None and not db.session.dirty
    _stored_by_the_job(issued)
    path = storage_root() / issued.pdf_path
    assert path.read_bytes() == data
    path.write_bytes(data[:-10] + b"tampered!!")
    assert certificate_pdf(issued) == data
    path.unlink()
    assert certificate_pdf(issued) == data


def test_long_names_stay_on_one_page(world):
    holder = enrolled(world.cohort, given_names="María de los Ángeles Guadalupe Concepción",
                      family_names="Fernández-Ñúñez de la Santísima Trinidad y Huenchumán")
    certificate = issue_programme_certificate(holder, world.cohort, actor=world.manager, now=T0)
    data = render_certificate(certificate)
    assert len(read(data).pages) == 1
    assert "Santísima Trinidad" in text_of(data)


def test_the_certificate_is_set_in_its_own_fonts_with_every_letter(world):
    """EB Garamond (name, titles) and Lato (text) are embedded, and nothing falls back to
    another font: both carry every letter of Spanish and Portuguese names."""
    import pikepdf

    holder = enrolled(world.cohort, given_names="Ñandú Çãoã", family_names="Güemes Âñez",
                      preferred_locale="pt_BR")
    certificate = issue_programme_certificate(holder, world.cohort, actor=world.manager, now=T0)
    with pikepdf.open(io.BytesIO(render_certificate(certificate))) as pdf:
        fonts = {str(obj.BaseFont).split("+", 1)[-1] for obj in pdf.objects
                 if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"
                 and "/BaseFont" in obj and obj.get("/Subtype") != "/CIDFontType0"
                 and obj.get("/Subtype") != "/CIDFontType2"}
    assert fonts == {"EB-Garamond", "Lato", "Lato-Bold"}, fonts
