"""/v/offline in airplane mode: visited once online, it verifies QR tokens with the network off.

The page and its script come from the service worker's cache, the keys and the revocation
list from what the page saved; the browser's own Ed25519 checks the signatures.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tokens(live_app):
    """A live certificate's version 2 token, its version 1 token, and a tampered copy."""
    from certify.certificates.models import Certificate
    from certify.extensions import db

    with live_app.app_context():
        certificate = db.session.scalar(sa.select(Certificate).where(
            Certificate.revoked_at.is_(None), Certificate.qr_token.is_not(None))
            .order_by(Certificate.id).limit(1))
        found = {"v2": certificate.qr_token, "v1": certificate.token,
                 "serial": certificate.serial, "holder": certificate.holder_name}
        db.session.remove()
    digits = found["v2"]
    # A changed digit deep inside: still a well-formed number, no longer the signed message.
    middle = len(digits) // 2
    found["tampered"] = digits[:middle] + str((int(digits[middle]) + 1) % 10) + digits[middle + 1:]
    return found


@pytest.mark.parametrize("width,height,locale", [(390, 844, "es-CL"), (1280, 800, "en-GB")])
def test_verifies_valid_and_tampered_tokens_with_the_network_off(browser, live_server, tokens,
                                                                  width, height, locale):
    context = browser.new_context(base_url=live_server, locale=locale,
                                  viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    language = "es" if locale.startswith("es") else "en"
    page.goto(f"/v/offline?lang={language}")
    page.wait_for_selector("#offline-verifier[data-ready='true']")
    # Polled from here: a waiting predicate would be evaluated as a string, which the page's
    # Content-Security-Policy (no 'unsafe-eval') rightly refuses.
    deadline = time.monotonic() + 15
    while not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        assert time.monotonic() < deadline, "the service worker never took the page"
        page.wait_for_timeout(100)
    assert page.evaluate("JSON.parse(localStorage.getItem('certify-offline')).jwks.keys.length")

    context.set_offline(True)
    page.reload()  # the page itself now comes from the service worker
    page.wait_for_selector("#offline-verifier[data-ready='true']")
    valid_word, invalid_word = ("Válido", "Firma no válida") if language == "es" \
        else ("Valid", "Invalid signature")

    page.fill("#offline-token", f"https://certify.test/v/{tokens['v2']}")
    page.click("#offline-form button[type=submit]")
    verdict = page.locator("#offline-verdict")
    expect(verdict.locator(".verdict-word")).to_have_text(valid_word)
    expect(verdict).to_contain_text(tokens["serial"])
    expect(verdict).to_contain_text(tokens["holder"][:20])
    page.screenshot(path=f"test-results/offline-valid-{width}.png", full_page=True)

    page.fill("#offline-token", tokens["tampered"])
    page.click("#offline-form button[type=submit]")
    expect(verdict.locator(".verdict-word")).to_have_text(invalid_word)
    expect(verdict).to_have_class("verdict offline-verdict verdict-invalid_signature")

    # An address printed before version 2, with the JWS: verified the same way.
    page.fill("#offline-token", f"https://certify.test/v/{tokens['serial']}?t={tokens['v1']}")
    page.click("#offline-form button[type=submit]")
    expect(verdict.locator(".verdict-word")).to_have_text(valid_word)
    page.screenshot(path=f"test-results/offline-checked-{width}.png", full_page=True)
    context.close()


def test_the_page_is_installable(page):
    response = page.goto("/v/offline.webmanifest")
    manifest = response.json()
    assert manifest["start_url"] == "/v/offline" and manifest["display"] == "standalone"
    assert manifest["icons"]
    assert page.goto("/v/offline-sw.js").headers["content-type"].startswith("text/javascript")
