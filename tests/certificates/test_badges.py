"""The public badge page and its link previews: Open Graph with absolute addresses, a raster
card of the right size, nothing beyond what the verification page shows, and the holder's
share block."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image

from certify.certificates.issuing import revoke
from certify.certificates.models import CertificateDesign
from certify.extensions import db
from tests.certificates.conftest import portuguese_holders_certificate

pytestmark = pytest.mark.one_database  # pages over services tested on both databases
BASE = "https://certify.test"


class _Meta(HTMLParser):
    """The page's <meta property|name=... content=...> as a dict."""

    def __init__(self):
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        key = attrs.get("property") or attrs.get("name")
        if tag == "meta" and key:
            self.tags[key] = attrs.get("content") or ""


def meta_of(html: str) -> dict[str, str]:
    parser = _Meta()
    parser.feed(html)
    return parser.tags


def png_of(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    return image


def test_the_badge_page_is_public_and_previews_with_absolute_addresses(client, issued, world):
    page = client.get(f"/badges/{issued.serial}")  # a crawler: no language, no cookie
    assert page.status_code == 200
    tags = meta_of(page.text)
    assert tags["og:title"] == "María José Ñancupil Huenchumán · Agente de Innovación Pública"
    assert tags["og:description"].startswith("Certificado verificado.")
    assert "Innovación Pública · 40,5 horas · emitido por Red de Laboratorios" in \
        tags["og:description"]
    assert tags["og:url"] == f"{BASE}/badges/{issued.serial}"
    assert tags["og:image"] == f"{BASE}/badges/{issued.serial}.png?state=valid&lang=es"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:type"] == "website" and tags["og:locale"] == "es_LA"
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["twitter:image"] == tags["og:image"]
    for key in ("og:url", "og:image", "og:image:secure_url", "twitter:image"):
        assert tags[key].startswith("https://"), key
    assert "Qué se exige para obtenerla" in page.text
    assert f'href="{BASE}/v/{issued.serial}"' in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_a_link_that_names_a_language_previews_in_it(client, issued):
    tags = meta_of(client.get(f"/badges/{issued.serial}?lang=en").text)
    assert tags["og:title"] == "María José Ñancupil Huenchumán · Public Innovation Agent"
    assert tags["og:description"].startswith("Verified certificate. Public Innovation · 40.5 hours")
    assert tags["og:url"] == f"{BASE}/badges/{issued.serial}?lang=en"
    assert tags["og:image"] == f"{BASE}/badges/{issued.serial}.png?state=valid&lang=en"
    assert tags["og:locale"] == "en_US"


def test_the_badge_page_shows_no_more_than_the_verification_page(client, issued, world):
    html = client.get(f"/badges/{issued.serial}").text
    assert world.holder.email not in html
    assert "Cohorte Certificados" not in html  # the cohort is not on the verification page
    verification = client.get(f"/v/{issued.serial}").text
    for fact in ("María José Ñancupil Huenchumán", "Red de Laboratorios", issued.serial):
        assert fact in html and fact in verification


def test_the_card_is_a_real_png_of_the_preview_size(client, issued):
    response = client.get(f"/badges/{issued.serial}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = png_of(response.data)
    assert image.size == (1200, 630)
    # The programme's colour (the default blue here) fills the emblem's panel.
    assert image.convert("RGB").getpixel((20, 20)) == (0x0b, 0x5c, 0xab)
    assert "max-age" in response.headers["Cache-Control"]


def test_a_revoked_badge_says_so_in_the_page_the_preview_and_the_card(client, issued, world):
    valid_card = client.get(f"/badges/{issued.serial}.png").data
    revoke(issued, reason="issued_in_error", note="", actor=world.manager)
    db.session.commit()
    page = client.get(f"/badges/{issued.serial}?lang=en")
    assert page.status_code == 200 and "Revoked" in page.text
    tags = meta_of(page.text)
    assert tags["og:description"].startswith("Revoked certificate.")
    assert "state=revoked" in tags["og:image"]  # a new address: previews draw it again
    card = client.get(f"/badges/{issued.serial}.png").data
    assert card != valid_card and png_of(card).size == (1200, 630)


def test_addresses_that_name_no_badge(client, issued):
    assert client.get("/badges/K7QM-3XDA-9PFX").status_code == 404  # bad check character
    assert client.get("/badges/not-a-serial").status_code == 404
    assert client.get("/badges/not-a-serial.png").status_code == 404
    lower = client.get(f"/badges/{issued.serial.lower()}")
    assert lower.status_code == 301
    assert lower.headers["Location"].endswith(f"/badges/{issued.serial}")


@pytest.fixture
def designed(programme, manager):
    """A certificate of the demo programme, whose design has an SVG emblem."""
    return portuguese_holders_certificate(programme, manager, "Cohorte insignias")


def test_the_emblem_is_served_as_a_square_png(client, designed):
    emblem = db.session.scalar(sa.select(CertificateDesign)).emblem_sha256
    response = client.get(f"/images/{emblem}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert png_of(response.data).size == (600, 600)
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get(f"/images/{'0' * 64}.png").status_code == 404
    tags = meta_of(client.get(f"/badges/{designed.serial}?lang=pt_BR").text)
    assert tags["og:title"] == "João Araújo · Agente de Inovação Pública" and \
        tags["og:locale"] == "pt_BR"
    card = client.get(f"/badges/{designed.serial}.png?state=valid&lang=pt_BR").data
    assert png_of(card).size == (1200, 630)


def _links(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', html)]


def test_the_holder_shares_the_badge_page_in_her_language(client, login_as, world, issued):
    world.holder.preferred_locale = "en"
    issued.holder_locale = "en"
    db.session.commit()
    login_as(world.holder)
    html = client.get("/my-certificates").text
    page = f"{BASE}/badges/{issued.serial}?lang=en"
    assert f'value="{page.replace("&", "&amp;")}"' in html  # the link to copy
    links = _links(html)
    linkedin = next(link for link in links if link.startswith("https://www.linkedin.com/profile/add"))
    assert parse_qs(urlsplit(linkedin).query)["certUrl"] == [page]
    post = next(link for link in links if "linkedin.com/sharing/share-offsite" in link)
    assert parse_qs(urlsplit(post).query)["url"] == [page]
    whatsapp = next(link for link in links if link.startswith("https://wa.me/"))
    text = parse_qs(urlsplit(whatsapp).query)["text"][0]
    assert text == f"I earned the certificate “Public Innovation Agent” from Red de Laboratorios. {page}"
    email = unquote(next(link for link in links if link.startswith("mailto:")))
    assert page in email and "subject=Public Innovation Agent" in email
    assert "Share your badge" in html
