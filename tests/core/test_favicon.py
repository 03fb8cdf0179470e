"""Browsers ask every site for /favicon.ico: it answers with an icon, and pages link one."""

from __future__ import annotations

import io
import re

from PIL import Image


def test_the_favicon_is_served_to_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert Image.open(io.BytesIO(response.data)).format == "ICO"
    assert "max-age" in response.headers.get("Cache-Control", "")


def test_pages_link_the_icon(client):
    page = client.get("/login").text
    icon = re.search(r'rel="icon" href="(/static/favicon\.svg\?v=\w+)"', page).group(1)
    svg = client.get(icon)
    assert svg.status_code == 200 and svg.data.startswith(b"<svg")
