"""Attached files are recognised by their content, limited in size, and stored once by hash."""

from __future__ import annotations

import hashlib
import io
import tempfile

import pytest

from certify.core.errors import PayloadTooLarge, UnsupportedMediaType, ValidationError
from certify.submissions.files import (
    MAX_FILE_BYTES,
    IncomingFile,
    check_files,
    detect_type,
    display_label,
    download_name,
    store,
    stored_path,
)
from tests.submissions.samples import PDF, REFUSED, SAMPLES


def sparse_file(size: int, head: bytes = PDF):
    """A ``size``-byte file that starts like ``head``, without holding it in memory."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    handle.write(head)
    handle.truncate(size)
    handle.seek(0)
    return handle


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_accepted_type_is_recognised_by_its_content(kind):
    assert detect_type(io.BytesIO(SAMPLES[kind])).key == kind


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_other_content_is_not_recognised(kind):
    assert detect_type(io.BytesIO(REFUSED[kind])) is None


def test_the_name_does_not_decide_the_type():
    checked = check_files([IncomingFile("foto.png", io.BytesIO(PDF))])
    assert checked[0].file_type.key == "pdf"
    assert checked[0].file_type.media_type == "application/pdf"
    assert checked[0].label == "foto.png"
    assert download_name("foto.png", checked[0].file_type) == "foto.pdf"


@pytest.mark.parametrize("kind", ["elf", "exe", "html"])
def test_programs_and_pages_renamed_pdf_are_refused(kind):
    with pytest.raises(UnsupportedMediaType) as raised:
        check_files([IncomingFile("informe.pdf", io.BytesIO(REFUSED[kind]))])
    assert raised.value.status == 415
    assert "informe.pdf" in raised.value.message


def test_an_empty_file_is_a_validation_error():
    with pytest.raises(ValidationError) as raised:
        check_files([IncomingFile("vacío.pdf", io.BytesIO(b""))])
    assert raised.value.status == 422 and "vacío.pdf" in raised.value.errors["files"][0]


def test_a_file_over_20_mb_is_too_large():
    with sparse_file(MAX_FILE_BYTES + 1) as handle, pytest.raises(PayloadTooLarge) as raised:
        check_files([IncomingFile("grande.pdf", handle)])
    assert raised.value.status == 413 and "grande.pdf" in raised.value.message


def test_exactly_20_mb_is_accepted():
    with sparse_file(MAX_FILE_BYTES) as handle:
        assert check_files([IncomingFile("justo.pdf", handle)])[0].size == MAX_FILE_BYTES


def test_more_than_100_mb_together_is_too_large():
    handles = [sparse_file(17 * 1024 * 1024) for _ in range(6)]  # 102 MB, each under 20 MB
    try:
        with pytest.raises(PayloadTooLarge) as raised:
            check_files([IncomingFile(f"parte{n}.pdf", h) for n, h in enumerate(handles)])
    finally:
        for handle in handles:
            handle.close()
    assert "100 MB" in raised.value.message


def test_labels_keep_the_name_but_nothing_dangerous():
    assert display_label("../../etc/passwd") == "passwd"
    assert display_label("C:\\Users\\ana\\Presentación final.pptx") == "Presentación final.pptx"
    assert display_label("informe\u202egnp.exe") == "informegnp.exe"  # no right-to-left override
    assert display_label("  \x00\n ") == "file"
    long = display_label("a" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_download_names_carry_the_real_extension():
    jpeg = detect_type(io.BytesIO(SAMPLES["jpeg"]))
    assert download_name("foto.JPEG", jpeg) == "foto.JPEG"
    assert download_name("foto", jpeg) == "foto.jpg"
    assert download_name(".env", jpeg) == ".env.jpg"


def test_files_are_stored_once_under_their_hash(tmp_path):
    first = check_files([IncomingFile("a.pdf", io.BytesIO(PDF))])[0]
    second = check_files([IncomingFile("otro nombre.pdf", io.BytesIO(PDF))])[0]
    digest = hashlib.sha256(PDF).hexdigest()
    path = store(first, tmp_path)
    assert path == tmp_path / digest[:2] / digest[2:4] / digest
    assert store(second, tmp_path) == path
    assert path.read_bytes() == PDF
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [path]  # no leftover temp files


def test_only_hashes_name_stored_files(tmp_path):
    with pytest.raises(ValueError):
        stored_path("../../etc/passwd", tmp_path)
