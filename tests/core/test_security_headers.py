"""Headers that protect every response: pages, API answers, files and error pages.

Every row of every area's access matrix checks them too (tests/access_matrix.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from certify.core.security_headers import content_security_policy, origin_of
from tests.access_matrix import assert_security_headers

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Templates that never reach a browser under certify's headers: e-mails, and the layouts
# WeasyPrint draws into PDFs and badge images.
NOT_SERVED = ("mail/", "certificates/pdf/", "certificates/badge/")


@pytest.mark.parametrize("method,url,status", [
    ("GET", "/login", 200),
    ("GET", "/", 200),
    ("GET", "/cohorts", 302),
    ("GET", "/no-such-page", 404),
    ("DELETE", "/login", 405),
    ("GET", "/api/v1/programmes", 401),
    ("GET", "/api/v1/no-such-thing", 404),
    ("GET", "/api/openapi.json", 200),
    ("GET", "/api/docs", 200),
    ("GET", "/static/css/certify.css", 200),
    ("GET", "/.well-known/jwks.json", 200),
])
def test_every_kind_of_response_is_protected(client, method, url, status):
    response = client.open(url, method=method)
    assert response.status_code == status
    assert_security_headers(response)
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in development


def test_an_oversized_body_is_refused_with_the_headers(client, app):
    response = client.post("/login", data="x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert_security_headers(response)


def test_hsts_when_cookies_are_secure(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    for url in ("/login", "/api/v1/programmes", "/no-such-page"):
        assert client.get(url).headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains")


def test_inline_scripts_run_only_with_this_responses_nonce(client):
    docs = client.get("/api/docs")
    policy = docs.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'", policy).group(1)
    assert f'<script nonce="{nonce}">' in docs.text
    assert nonce not in client.get("/api/docs").headers["Content-Security-Policy"]
    # A page without inline scripts allows none.
    assert "nonce" not in client.get("/login").headers["Content-Security-Policy"]


def test_no_template_relies_on_inline_code_or_styles():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        if name.startswith(NOT_SERVED):
            continue
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "csp_nonce()" not in tag:
                offenders.append(f"{name}: {tag}")
        offenders += [f"{name}: {found}" for found in
                      re.findall(r"""\s(on[a-z]+=["']|style=["'])""", text)]
        offenders += [f"{name}: <style>" for _ in re.findall(r"<style\b", text)]
    assert offenders == []


@pytest.mark.parametrize("url,origin", [
    ("https://moodle.example.edu/", "https://moodle.example.edu"),
    ("https://Moodle.Example.edu:8443/lms/mod/lti/auth.php", "https://moodle.example.edu:8443"),
    ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
    ("https://[::1]:9000/x", "https://[::1]:9000"),
    ("javascript:alert(1)", None),
    ("https://evil.example; script-src *", None),
    ("https://a.example:99999", None),
    ("", None),
    (None, None),
])
def test_only_a_plain_origin_reaches_the_policy(url, origin):
    assert origin_of(url) == origin


def test_the_policy_lists_framing_sites_after_self():
    policy = content_security_policy(None, ["https://moodle.example.edu"])
    assert "frame-ancestors 'self' https://moodle.example.edu" in policy
    assert "script-src 'self';" in policy
