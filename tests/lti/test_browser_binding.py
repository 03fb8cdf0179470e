"""A launch reaches the browser that started its login, and stays signed in inside the
platform's iframe: the state cookie, the platform's client-side storage, the partitioned
session cookie, the handoff to a new window, and the launch address answering a GET."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from certify.extensions import db
from certify.lti.browser import FRAME_SESSION, FrameSessionInterface, state_cookie_name
from certify.lti.models import LoginState, LtiUser
from tests.lti.conftest import COURSE

CHECKED = "certify_storage_checked"


def _login_page(client, platform, base_url="http://localhost",
                **extra) -> tuple[LoginState, str]:
    response = client.post("/lti/login", base_url=base_url, data={
        **platform.login_parameters(user_id="learner-1", context_id=COURSE, link_id="link-m1"),
        **extra})
    assert response.status_code == 200, response.text[:500]
    login = db.session.scalar(sa.select(LoginState).order_by(LoginState.id.desc()).limit(1))
    return login, response.get_data(as_text=True)


def _token(launcher, login) -> str:
    return launcher.token(user_id="learner-1", nonce=login.nonce, context_id=COURSE,
                          link_id="link-m1")


def _hidden_fields(page: str, form_id: str) -> dict:
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S).group(0)
    return {unescape(name): unescape(value) for name, value in
            re.findall(r'name="([^"]+)" value="([^"]*)"', form)}


def test_a_launch_posted_in_another_browser_is_refused(app, launcher, platform, registered,
                                                       course):
    # A login CSRF: the attacker's own login and token, posted from the victim's browser.
    login, _page = _login_page(launcher.client, platform)
    victim = app.test_client()
    response = victim.post("/lti/launch", data={"id_token": _token(launcher, login),
                                                "state": login.state})
    assert response.status_code == 403 and 'data-check="browser"' in response.text
    assert db.session.get(LoginState, login.id).used_at is None
    assert not db.session.scalar(sa.select(LtiUser))
    # The browser that started it still can, and its state cookie is removed.
    mine = launcher.client.post("/lti/launch", data={"id_token": _token(launcher, login),
                                                     "state": login.state})
    assert mine.status_code == 302
    removed = [cookie for cookie in mine.headers.getlist("Set-Cookie")
               if cookie.startswith(state_cookie_name(login.state) + "=;")]
    assert removed


def test_without_cookies_the_state_is_checked_in_the_platforms_storage(app, launcher, platform,
                                                                      registered, course):
    cookieless = app.test_client(use_cookies=False)
    login, page = _login_page(cookieless, platform, lti_storage_target="post_message_forwarding")
    assert login.storage_target == "post_message_forwarding"
    assert 'data-storage-target="post_message_forwarding"' in page
    assert f'data-storage-origin="{platform.url}"' in page
    launch = {"id_token": _token(launcher, login), "state": login.state}

    # No cookie came back: certify's page asks the platform's frame for the state and nonce.
    check = cookieless.post("/lti/launch", data=launch)
    assert check.status_code == 200 and 'id="lti-storage-check"' in check.text
    assert f'data-nonce="{login.nonce}"' in check.text
    fields = _hidden_fields(check.text, "lti-launch-again")
    assert fields == {**launch, CHECKED: "1"}
    assert db.session.get(LoginState, login.id).used_at is None

    # Its post says it checked; only a post from certify's own page is believed.
    forged = cookieless.post("/lti/launch", data=fields,
                             headers={"Origin": "https://attacker.example"})
    assert 'id="lti-storage-check"' in forged.text
    done = cookieless.post("/lti/launch", data=fields,
                           headers={"Origin": "https://certify.test"})
    assert done.status_code == 200 and 'id="lti-keep-signed-in"' in done.text
    assert db.session.get(LoginState, login.id).used_at is not None


def test_without_platform_storage_a_cookieless_launch_is_refused(app, launcher, platform,
                                                                 registered, course):
    cookieless = app.test_client(use_cookies=False)
    login, _page = _login_page(cookieless, platform)
    response = cookieless.post("/lti/launch", data={
        "id_token": _token(launcher, login), "state": login.state, CHECKED: "1"},
        headers={"Origin": "https://certify.test"})
    assert response.status_code == 403 and 'data-check="browser"' in response.text


def test_a_frame_without_cookies_hands_the_launch_to_a_new_window_once(app, launcher, platform,
                                                                       registered, course):
    cookieless = app.test_client(use_cookies=False)
    login, _page = _login_page(cookieless, platform, lti_storage_target="_parent")
    page = cookieless.post("/lti/launch", data={
        "id_token": _token(launcher, login), "state": login.state, CHECKED: "1"},
        headers={"Origin": "https://certify.test"}).get_data(as_text=True)
    assert 'id="lti-new-window"' in page and 'id="lti-allow-storage"' in page
    handoff = _hidden_fields(page, "lti-new-window")

    window = app.test_client()  # a window of certify's own, where cookies work
    assert window.post("/lti/continue", data={**handoff, "token": "forged"}).status_code == 403
    opened = window.post("/lti/continue", data=handoff)
    assert opened.status_code == 302 and "/modules/M1" in opened.headers["Location"]
    assert window.get(opened.headers["Location"]).status_code == 200  # signed in
    again = app.test_client().post("/lti/continue", data=handoff)
    assert again.status_code == 403 and 'data-check="handoff"' in again.text


def test_the_session_a_launch_starts_is_partitioned_over_https(app, launcher, platform,
                                                              registered, course, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SAMESITE", "None")
    monkeypatch.setattr(app, "session_interface", FrameSessionInterface())
    client = launcher.client
    login, _page = _login_page(client, platform, base_url="https://certify.test")
    response = client.post("/lti/launch", base_url="https://certify.test", data={
        "id_token": _token(launcher, login), "state": login.state})
    assert response.status_code == 302
    session_cookie = next(cookie for cookie in response.headers.getlist("Set-Cookie")
                          if cookie.startswith("session="))
    assert all(part in session_cookie for part in ("Secure", "SameSite=None", "Partitioned",
                                                   "HttpOnly"))
    # The next page in the frame keeps it partitioned (CSRF tokens live in this session).
    page = client.get(response.headers["Location"], base_url="https://certify.test")
    assert page.status_code == 200
    # Signing in at certify's own page starts an unpartitioned session.
    with app.test_request_context(base_url="https://certify.test"):
        from flask import session

        session["signed_in_here"] = True
        assert not FrameSessionInterface().get_cookie_partitioned(app)
        session[FRAME_SESSION] = True
        assert FrameSessionInterface().get_cookie_partitioned(app)


def test_state_cookies_are_partitioned_over_https(app, platform, registered, course,
                                                  monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    response = app.test_client().post("/lti/login", base_url="https://certify.test",
                                      data=platform.login_parameters(user_id="learner-1"))
    cookies = [cookie for cookie in response.headers.getlist("Set-Cookie")
               if cookie.startswith(("certify_lti_state_", "certify_lti_cookies="))]
    assert len(cookies) == 2
    assert all("Partitioned" in cookie and "SameSite=None" in cookie and "Secure" in cookie
               for cookie in cookies)
    assert "HttpOnly" not in next(c for c in cookies if c.startswith("certify_lti_cookies="))


@pytest.mark.parametrize("path", ["/lti/launch"])
def test_the_launch_address_answers_a_get(client, path):
    # Moodle's link checker GETs the tool URL: a small page, not 405.
    response = client.get(path)
    assert response.status_code == 200 and 'id="lti-launch-address"' in response.text
