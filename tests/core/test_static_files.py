"""Static files carry a version of their content in their address, and that address is
cached for a year; any other address of the file is revalidated as before."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import url_for

STATIC = Path(__file__).resolve().parents[2] / "certify" / "static"


def test_every_page_links_static_files_by_their_content(client):
    page = client.get("/login").text
    stylesheet = re.search(r'href="/static/css/certify\.css\?v=(\w+)"', page).group(1)
    digest = hashlib.sha256((STATIC / "css" / "certify.css").read_bytes()).hexdigest()
    assert stylesheet == digest[:12]


def test_the_versioned_address_is_cached_for_a_year(app, client):
    with app.test_request_context():
        versioned = url_for("static", filename="js/scanner.js")
    response = client.get(versioned)
    assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=31536000" in cache and "public" in cache
    for stale in ("/static/js/scanner.js", "/static/js/scanner.js?v=0123456789ab"):
        response = client.get(stale)
        assert response.status_code == 200 and "immutable" not in response.headers.get(
            "Cache-Control", ""), stale


def test_a_missing_file_gets_no_version_and_a_404(app, client):
    with app.test_request_context():
        address = url_for("static", filename="js/no-such-file.js")
    assert address == "/static/js/no-such-file.js"
    assert client.get(address).status_code == 404


def test_both_layouts_share_one_head(client):
    """The signed-in layout and the lean public one (verification) link the same stylesheet
    and icons, from templates/_head.html."""
    def head(url: str) -> list[str]:
        page = client.get(url).text
        return re.findall(r"<(?:meta|link)\b[^>]*>", page[:page.index("</head>")])

    signed_in_layout, public_layout = head("/login"), head("/v")
    assert signed_in_layout[:5] == public_layout[:5]
    assert any("certify.css?v=" in tag for tag in public_layout)
    assert any('rel="icon"' in tag for tag in public_layout)
