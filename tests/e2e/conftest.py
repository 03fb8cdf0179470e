"""A real server on localhost with the demo data, driven by Debian's headless Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.conftest import copy_sqlite_world, make_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def live_app(sqlite_demo_world, tmp_path_factory):
    """A served copy of the demo world, with CSRF on as in production."""
    folder = tmp_path_factory.mktemp("live")
    return make_app(copy_sqlite_world(sqlite_demo_world, folder), str(folder), WTF_CSRF_ENABLED=True)


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="es-CL",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page_at(browser, live_server):
    """Opens a Spanish (Chile) page at a width, as tall as a phone (390x844) or a desktop
    (1280x800); its browser context is closed after the test, whatever happened."""
    contexts = []

    def open_page(width: int, *, timeout: float = 10_000, **options):
        context = browser.new_context(
            base_url=live_server, locale="es-CL",
            viewport={"width": width, "height": 844 if width < 800 else 800}, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(timeout)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="es-CL", is_mobile=True, has_touch=True,
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, email: str) -> None:
    from certify.demo.world import DEMO_PASSWORD

    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def open_menu(page, group: str, link: str) -> None:
    """Follow a link of the main navigation's grouped menu (a <details> that opens on click)."""
    navigation = page.get_by_role("navigation", name="Principal")
    navigation.locator("summary", has_text=group).click()
    navigation.get_by_role("link", name=link).click()
