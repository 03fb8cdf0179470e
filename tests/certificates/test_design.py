"""A programme's certificate design from course_content/: checked images, kept by hash, printed,
and named in the Open Badges credential."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from certify.certificates.design import _data_url, check_image, image_data_url
from certify.certificates.issuing import issue_programme_certificate
from certify.certificates.models import CertificateDesign, DesignImage
from certify.certificates.openbadges import open_badge_credential
from certify.certificates.rendering import render_certificate
from certify.cohorts.services import create_cohort
from certify.extensions import db
from certify.programmes.content import load_course_content
from certify.programmes.content_files import ContentError
from certify.progress.eligibility import Eligibility
from tests.certificates.conftest import enrolled
from tests.certificates.test_openbadges import schema_errors

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 90"><path d="M0 0h9"/></svg>'


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (20, 30, 90, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def content_copy(app, tmp_path) -> Path:
    target = tmp_path / "course_content"
    shutil.copytree(app.config["CONTENT_DIR"], target)
    return target


def test_the_demo_programme_loads_its_design(app, programme):
    design = db.session.scalar(sa.select(CertificateDesign))
    assert design.programme_id == programme.id
    assert design.colours == {"primary": "#0b5cab", "accent": "#c9a227"}
    assert all([design.logo_sha256, design.emblem_sha256, design.seal_sha256])
    assert len(design.signatures) == 2 and all(design.signatures)
    assert db.session.scalar(sa.select(sa.func.count(DesignImage.sha256))) == 5
    assert programme.issuer_names["pt"] == "Rede Nacional de Laboratórios de Inovação Municipal"
    report = load_course_content(app.config["CONTENT_DIR"])
    assert set(report.counts["certificate design"]) == {"unchanged"}


@pytest.mark.parametrize(("data", "problem"), [
    (png(399, 120), "at least 400 px wide"),
    (png(4001, 300), "at most 4000 px"),
    (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "not a readable PNG"),
    (b"GIF89a", "neither a PNG image nor an SVG"),
    (b"x" * (1024 * 1024 + 1), "larger than 1024 KB"),
    (SVG.replace(b"<path", b'<script>alert(1)</script><path'), "runs code"),
    (SVG.replace(b'<path d="M0 0h9"/>', b'<image href="https://evil.example/x.png"/>'),
     "outside it"),
    (SVG.replace(b"<path", b'<path onload="x()"'), "runs code"),
    (b'<!DOCTYPE svg [<!ENTITY x "y">]>' + SVG, "DOCTYPE"),
    (SVG.replace(b' viewBox="0 0 300 90"', b""), "viewBox"),
])
def test_images_that_cannot_be_printed_are_refused(data, problem):
    image, why = check_image(data, "firma.png")
    assert image is None and problem in why


def test_good_images_are_kept_by_their_hash():
    image, why = check_image(png(800, 240), "firma.png")
    assert why is None and (image.width, image.height) == (800, 240)
    assert image.media_type == "image/png" and len(image.sha256) == 64
    image, why = check_image(SVG, "firma.svg")
    assert why is None and (image.width, image.height, image.media_type) == (
        300, 90, "image/svg+xml")


def test_every_mistake_is_reported_with_its_line_and_nothing_is_written(app, content_copy):
    path = content_copy / "programme.yaml"
    text = path.read_text()
    (content_copy / "images" / "small.png").write_bytes(png(100, 40))
    text = text.replace('primary: "#0b5cab"', 'primary: "blue"')
    text = text.replace("seal: images/seal.svg", "seal: images/small.png\n  stamp: x.svg")
    text = text.replace("    - images/firma-martin-rodriguez.svg",
                        "    - images/missing.svg\n    - images/firma-martin-rodriguez.svg")
    path.write_text(text)
    with pytest.raises(ContentError) as raised:
        load_course_content(content_copy)
    problems = [str(problem) for problem in raised.value.problems]
    lines = text.splitlines()
    for needle, expected in [
        ('primary: "blue"', "colour 'primary' must be written #rrggbb"),
        ("seal: images/small.png", "at least 400 px wide"),
        ("stamp: x.svg", "unknown key 'stamp'"),
        ("    - images/missing.svg", "image 'images/missing.svg' does not exist"),
        ("  signatures:", "3 signatures for 2 authorities"),
    ]:
        line = next(n for n, content in enumerate(lines, 1)
                    if content.strip().startswith(needle.strip()))
        assert any(f"programme.yaml:{line}: " in problem and expected in problem
                   for problem in problems), (expected, problems)
    assert db.session.scalar(sa.select(sa.func.count(DesignImage.sha256))) == 0


@pytest.fixture
def designed(programme, manager):
    cohort = create_cohort(programme, name="Cohorte diseño")
    db.session.commit()
    holder = enrolled(cohort, given_names="João", family_names="Araújo",
                      preferred_locale="pt_BR")
    certificate = issue_programme_certificate(holder, cohort, actor=manager,
                                              verdict=Eligibility(holder.id, ()))
    db.session.commit()
    return certificate


def test_a_certificate_keeps_the_design_and_prints_it_in_the_holders_language(designed):
    design = db.session.scalar(sa.select(CertificateDesign))
    assert designed.design["signatures"] == design.signatures
    assert designed.design["seal"] == design.seal_sha256
    data = render_certificate(designed)
    words = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert "REDE NACIONAL DE LABORATÓRIOS DE INOVAÇÃO MUNICIPAL" in words
    assert "Red Nacional de Laboratorios" not in words.replace("RED NACIONAL", "")
    # The design changing later does not change what the certificate shows.
    design.colours = {"primary": "#000000", "accent": "#000000"}
    design.signatures = [None, None]
    db.session.commit()
    assert render_certificate(designed) == data


def test_a_process_reads_each_design_image_once_and_an_image_added_later_too(app, designed):
    _data_url.cache_clear()
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        first = render_certificate(designed)
        assert render_certificate(designed) == first
        missing = "cd" * 32
        assert image_data_url(missing) == ""
        db.session.add(DesignImage(sha256=missing, media_type="image/svg+xml", data=SVG,
                                   width=300, height=90))
        db.session.flush()
        assert image_data_url(missing).startswith("data:image/svg+xml;base64,")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    images = {sha256 for sha256 in [designed.design.get(role) for role in
                                    ("logo", "emblem", "seal")] + designed.design["signatures"]
              if sha256}
    reads = [statement for statement in statements if "FROM design_image" in statement]
    assert len(reads) == len(images) + 2  # each image once; the missing one until it exists


def test_a_design_without_images_falls_back_to_the_plain_page(issued):
    assert issued.design == {}
    assert render_certificate(issued).startswith(b"%PDF")


def test_the_credential_names_the_badge_and_logo_images_and_they_resolve(client, designed):
    credential = open_badge_credential(designed)
    assert schema_errors(credential) == []
    achievement = credential["credentialSubject"]["achievement"]
    # The emblem as a PNG: few wallets show SVG.
    assert achievement["image"]["id"] == \
        f"https://certify.test/images/{designed.design['emblem']}.png"
    assert credential["issuer"]["image"]["id"].endswith(designed.design["logo"])
    assert credential["issuer"]["name"] == "Rede Nacional de Laboratórios de Inovação Municipal"
    response = client.get(achievement["image"]["id"].removeprefix("https://certify.test"))
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"]
    response = client.get(f"/images/{designed.design['emblem']}")  # the SVG itself
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    profile = client.get(f"/issuers/{designed.programme_code}").get_json()
    assert profile["image"] == credential["issuer"]["image"]
    assert client.get("/images/" + "0" * 64).status_code == 404
    assert client.get("/images/not-a-hash").status_code == 404


def test_the_baked_badge_carries_a_credential_that_verifies(client, login_as, designed):
    from xml.etree import ElementTree

    from joserfc import jwt
    from joserfc.jwk import KeySet

    from certify.accounts.models import Person
    from certify.certificates.baking import OB_NAMESPACE, PNG_KEYWORD, bake_png

    login_as(db.session.get(Person, designed.person_id))
    response = client.get(f"/certificates/{designed.serial}/badge")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert f"badge-{designed.serial}.svg" in response.headers["Content-Disposition"]
    root = ElementTree.fromstring(response.data)
    assert root[0].tag == f"{{{OB_NAMESPACE}}}credential"  # right after the opening tag
    keys = KeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())
    claims = jwt.decode(root[0].text.strip(), keys, algorithms=["RS256"]).claims
    assert claims["id"] == f"https://certify.test/v/{designed.serial}"
    # Asked as a PNG, the SVG emblem is drawn at 600 px and carries it in an iTXt chunk.
    response = client.get(f"/certificates/{designed.serial}/badge?format=png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert f"badge-{designed.serial}.png" in response.headers["Content-Disposition"]
    with Image.open(io.BytesIO(response.data)) as baked:
        assert baked.size == (600, 600)
        token = baked.text[PNG_KEYWORD]
    assert jwt.decode(token, keys, algorithms=["RS256"]).claims["id"] == claims["id"]
    # A PNG emblem carries it in an iTXt chunk.
    with Image.open(io.BytesIO(bake_png(png(400, 400), "a.b.c"))) as baked:
        assert baked.text[PNG_KEYWORD] == "a.b.c"


def test_no_badge_without_an_emblem(client, login_as, world, issued):
    login_as(world.holder)
    assert client.get(f"/certificates/{issued.serial}/badge").status_code == 404


def test_the_holders_page_offers_the_badge_when_there_is_one(client, login_as, designed):
    from certify.accounts.models import Person

    login_as(db.session.get(Person, designed.person_id))
    html = client.get("/my-certificates?lang=en").text
    assert f"/certificates/{designed.serial}/badge" in html
    assert "Badge image with the credential" in html
