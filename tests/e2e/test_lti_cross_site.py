"""Moodle on another site, in Chromium with third-party cookies blocked.

certify is served over HTTPS on 127.0.0.2 and the test platform (Moodle's stand-in) over
HTTPS on 127.0.0.1: two sites, so certify runs in a cross-site iframe, as in a real
deployment. Both use a self-signed certificate the browser is told to accept. The learner
stays signed in from page to page inside the iframe (the partitioned session cookie), the
teacher adds activities inside the iframe, and when the browser refuses even partitioned
cookies in the frame, the new-window fallback signs the learner in.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import ssl
import threading
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import requests
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from playwright.sync_api import expect
from werkzeug.serving import make_server

from certify.bench.lti_platform import INSTRUCTOR, LEARNER, TestPlatform
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS

pytestmark = pytest.mark.e2e
COURSE = "moodle-cross-site"
CERTIFY_HOST = "127.0.0.2"
# Blocks third-party cookies as Chrome's "Block third-party cookies" setting does.
THIRD_PARTY_COOKIES_BLOCKED = ["--test-third-party-cookie-phaseout",
                               "--ignore-certificate-errors",
                               # Pages the test serves through a route have no address, so
                               # Chromium would treat them as public pages reaching a local one.
                               "--disable-features=LocalNetworkAccessChecks,"
                               "PrivateNetworkAccessRespectPreflightResults"]


def _self_signed(folder) -> ssl.SSLContext:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "certify e2e")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address(CERTIFY_HOST))]), critical=False)
        .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> Iterator[ssl.SSLContext]:
    folder = tmp_path_factory.mktemp("tls")
    context = _self_signed(folder)
    # certify's own calls to the platform (key set, tokens, roster) trust the certificate.
    saved = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = str(folder / "cert.pem")
    yield context
    if saved is None:
        os.environ.pop("REQUESTS_CA_BUNDLE")
    else:
        os.environ["REQUESTS_CA_BUNDLE"] = saved


@pytest.fixture(scope="module")
def certify_site(live_app, tls):
    """The live app over HTTPS on its own site, configured as in production behind HTTPS."""
    from certify.lti.browser import FrameSessionInterface

    server = make_server(CERTIFY_HOST, 0, live_app, threaded=True, ssl_context=tls)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://{CERTIFY_HOST}:{server.server_port}"
    names = ("BASE_URL", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_SAMESITE")
    saved = {name: live_app.config[name] for name in names}
    saved_interface = live_app.session_interface
    live_app.config.update(BASE_URL=url, SESSION_COOKIE_SECURE=True,
                           SESSION_COOKIE_SAMESITE="None")
    live_app.session_interface = FrameSessionInterface()
    yield url
    live_app.config.update(saved)
    live_app.session_interface = saved_interface
    server.shutdown()


@pytest.fixture(scope="module")
def moodle(live_app, certify_site, tls):
    """The test platform on the other site, registered in certify, with one course."""
    from certify.extensions import db
    from certify.lti.keys import public_key_set
    from certify.lti.platforms import save_platform, tool_url
    from certify.programmes.models import Programme

    platform = TestPlatform().start(ssl_context=tls)
    with live_app.app_context():
        save_platform(name="Moodle on another site", issuer=platform.issuer,
                      client_id=platform.client_id, auth_login_url=platform.auth_login_url,
                      auth_token_url=platform.token_url, key_set_url=platform.key_set_url,
                      deployment_ids=[platform.deployment_id],
                      programme=db.session.scalar(sa.select(Programme).order_by(Programme.id)),
                      trusted_for_email=False, active=True)
        db.session.commit()
        platform.configure_tool(jwks=public_key_set(), login_url=tool_url("lti.login"),
                                redirect_uri=tool_url("lti.launch"))
    platform.add_user("teacher-xs", [INSTRUCTOR], given_name="Teodoro", family_name="Cruzado")
    platform.add_user("learner-xs", [LEARNER], given_name="Luz", family_name="Cruzada",
                      email="luz.cruzada@moodle.example.org")
    platform.add_course(COURSE, "Curso en otro sitio", members=["teacher-xs", "learner-xs"])
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def blocking_browser(browser):
    """A second Chromium of the suite's own Playwright (one per thread), blocking cookies."""
    blocking = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                           args=CHROMIUM_FLAGS + THIRD_PARTY_COOKIES_BLOCKED)
    yield blocking
    blocking.close()


@pytest.fixture
def page(blocking_browser):
    context = blocking_browser.new_context(ignore_https_errors=True, locale="es-CL",
                                           viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def refuse_every_cookie_in_frames(page, certify_url: str) -> None:
    """Play a browser that keeps no cookie of certify's inside another site's frame, not even
    a partitioned one: requests from frames reach certify without cookies, and what certify
    sets there is dropped. Top-level windows of certify are left alone."""

    def handle(route):
        request = route.request
        if request.frame.parent_frame is None:
            route.continue_()
            return
        headers = {name: value for name, value in request.all_headers().items()
                   if name.lower() != "cookie" and not name.startswith(":")}
        answer = requests.request(request.method, request.url, headers=headers,
                                  data=request.post_data_buffer,
                                  allow_redirects=False, timeout=15)
        kept = {name: value for name, value in answer.headers.items()
                if name.lower() not in {"set-cookie", "content-length", "transfer-encoding",
                                        "content-encoding", "connection"}}
        route.fulfill(status=answer.status_code, headers=kept, body=answer.content)

    page.route(re.compile(re.escape(certify_url) + ".*"), handle)


def test_a_learner_stays_signed_in_across_pages_inside_the_iframe(page, moodle, certify_site):
    moodle.add_link(COURSE, "xs-m3", title="Módulo 3", custom={"certify_target": "module:M3"})
    page.goto(f"{moodle.url}/course/{COURSE}/xs-m3?user=learner-xs")
    frame = page.frame_locator("#tool")
    expect(frame.locator("h1")).to_contain_text("Ideación y prototipado")
    expect(frame.locator(".site-nav")).to_contain_text("Luz")
    # A second page, inside the same iframe: still signed in (the partitioned session).
    frame.locator(".nav-account summary").click()
    frame.locator(".nav-account a[href='/account']").click()
    expect(frame.locator("select[name=prefs-preferred_locale]")).to_have_count(1)  # my account
    expect(frame.locator(".nav-account summary")).to_have_text("Luz")
    expect(frame.locator(".site-nav")).not_to_contain_text("Iniciar sesión")
    session = [cookie for cookie in page.context.cookies(certify_site)
               if cookie["name"] == "session"]
    assert session and session[0]["sameSite"] == "None" and session[0]["secure"]


def test_a_teacher_adds_activities_inside_the_iframe(page, moodle):
    page.goto(f"{moodle.url}/course/{COURSE}/add-activity?user=teacher-xs")
    frame = page.frame_locator("#tool")
    frame.locator("input[name=targets][value='module:M1']").check()
    frame.locator("input[name=targets][value='project']").check()
    frame.locator("#add-activities").click()
    expect(frame.locator("#added")).to_have_text("Added 2 activities")
    targets = sorted(link["custom"]["certify_target"]
                     for link in moodle.courses[COURSE].links.values()
                     if link["custom"].get("certify_target") in {"module:M1", "project"})
    assert targets == ["module:M1", "project"]


def test_with_every_cookie_refused_the_teacher_adds_activities_through_moodles_storage(
        page, moodle, certify_site):
    # The login's state is kept in the platform's frame (lti_storage_target), and the picker
    # is authorised by its launch token: no cookie is needed anywhere.
    refuse_every_cookie_in_frames(page, certify_site)
    page.goto(f"{moodle.url}/course/{COURSE}/add-activity?user=teacher-xs&storage=1")
    frame = page.frame_locator("#tool")
    frame.locator("input[name=targets][value='quiz:M2']").check()
    frame.locator("#add-activities").click()
    expect(frame.locator("#added")).to_have_text("Added 1 activities")
    assert any(link["custom"].get("certify_target") == "quiz:M2"
               for link in moodle.courses[COURSE].links.values())


def test_without_moodles_storage_a_cookieless_frame_is_offered_the_fallbacks(page, moodle,
                                                                             certify_site):
    refuse_every_cookie_in_frames(page, certify_site)
    page.goto(f"{moodle.url}/course/{COURSE}/add-activity?user=teacher-xs")
    frame = page.frame_locator("#tool")
    expect(frame.locator("#lti-cookies-blocked")).to_be_visible()
    expect(frame.locator("#lti-new-window button")).to_be_visible()


def test_when_even_partitioned_cookies_are_refused_a_new_window_signs_the_learner_in(
        page, moodle, certify_site):
    moodle.add_link(COURSE, "xs-m2", title="Módulo 2", custom={"certify_target": "module:M2"})
    refuse_every_cookie_in_frames(page, certify_site)
    page.goto(f"{moodle.url}/course/{COURSE}/xs-m2?user=learner-xs")
    frame = page.frame_locator("#tool")
    expect(frame.locator("#lti-cookies-blocked")).to_be_visible()
    expect(frame.locator("#lti-cookies-blocked")).to_contain_text(
        "Tu navegador no permite que certify mantenga tu sesión")
    with page.context.expect_page() as opened:
        frame.locator("#lti-new-window button").click()
    window = opened.value
    window.set_default_timeout(15_000)
    expect(window).to_have_url(re.compile(r"/modules/M2"))
    expect(window.locator(".site-nav")).to_contain_text("Luz")


def test_dynamic_registration_tells_moodle_it_is_done_without_a_click(page, live_app,
                                                                     certify_site, tls):
    from certify.accounts.models import Person, Role, RoleGrant
    from certify.extensions import db
    from certify.lti.platforms import create_invite

    registering = TestPlatform().start(ssl_context=tls)
    try:
        with live_app.app_context():
            manager = db.session.scalar(sa.select(Person).join(RoleGrant).where(
                RoleGrant.role == Role.MANAGER).limit(1))
            _invite, link = create_invite(by=manager)
            db.session.commit()
        link += "&" + urlencode({"openid_configuration": registering.openid_configuration_url,
                                 "registration_token": registering.registration_token})
        page.goto(f"{registering.url}/tool-registration?" + urlencode({"url": link}))
        expect(page.frame_locator("#tool").locator("#registration-result")).to_be_visible()
        expect(page.locator("#closed")).to_have_text("closed")
    finally:
        registering.stop()


def test_with_every_cookie_refused_a_learner_launch_is_handed_to_a_new_window(
        page, moodle, certify_site):
    # The state is checked through Moodle's storage, but the frame would lose the session on
    # the next page: certify says so and hands the launch to a window of its own, once.
    moodle.add_link(COURSE, "xs-m4", title="Módulo 4", custom={"certify_target": "module:M4"})
    refuse_every_cookie_in_frames(page, certify_site)
    page.goto(f"{moodle.url}/course/{COURSE}/xs-m4?user=learner-xs&storage=1")
    frame = page.frame_locator("#tool")
    expect(frame.locator("#lti-keep-signed-in")).to_be_visible()
    with page.context.expect_page() as opened:
        frame.locator("#lti-new-window button").click()
    window = opened.value
    window.set_default_timeout(15_000)
    expect(window).to_have_url(re.compile(r"/modules/M4"))
    expect(window.locator(".site-nav")).to_contain_text("Luz")
