"""The browser a login belongs to, and the cookies certify keeps inside a platform's iframe.

A login's state is bound to the browser that started it, so that a launch posted by another
browser (a login CSRF: someone's id_token and state replayed in a victim's browser) is
refused. The binding is a cookie named after the state when the browser keeps cookies in the
platform's frame; when it does not and the platform offered its own storage (1EdTech "LTI
Client Side postMessages", the ``lti_storage_target`` login parameter), the state and nonce
are kept in the platform's frame and a page of certify checks them there before the launch
goes on (``templates/lti/storage_check.html``).

Inside a cross-site iframe the browser keeps only cookies marked ``SameSite=None; Secure``,
and where third-party cookies are blocked (Chromium's default now, Safari, Firefox's strict
mode) only those also marked ``Partitioned`` (CHIPS): they live in the platform's partition,
readable by certify only under that platform's pages. Such cookies need HTTPS; over plain
HTTP (development, tests on one host) they are ``SameSite=Lax``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import Flask, Response, session
from flask.sessions import SecureCookieSessionInterface

STATE_COOKIE_PREFIX = "certify_lti_state_"
# Readable by the login page's script: tells it whether this frame keeps certify's cookies.
COOKIE_CHECK = "certify_lti_cookies"
COOKIE_PATH = "/lti/"
# The session key saying the session began with an LTI launch (so its cookie is partitioned).
FRAME_SESSION = "lti_frame"
_STORAGE_TARGET = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


def frame_cookie_options(*, secure: bool, script_readable: bool = False) -> dict:
    """Attributes of a cookie that must survive inside the platform's cross-site iframe."""
    options = {"httponly": not script_readable, "path": COOKIE_PATH}
    if secure:
        return {**options, "secure": True, "samesite": "None", "partitioned": True}
    return {**options, "secure": False, "samesite": "Lax"}


def state_cookie_name(state: str) -> str:
    # One cookie per login in flight: two activities opened at once do not overwrite each other.
    return STATE_COOKIE_PREFIX + hashlib.sha256(state.encode()).hexdigest()[:16]


def remember_login_in_browser(response: Response, state: str, *, secure: bool,
                              max_age: int) -> None:
    """Set the state cookie, and the cookie the login page reads to see that cookies work."""
    response.set_cookie(state_cookie_name(state), state, max_age=max_age,
                        **frame_cookie_options(secure=secure))
    response.set_cookie(COOKIE_CHECK, "1", max_age=max_age,
                        **frame_cookie_options(secure=secure, script_readable=True))


def forget_login_in_browser(response: Response, state: str, *, secure: bool) -> None:
    options = frame_cookie_options(secure=secure)
    options.pop("httponly")
    response.delete_cookie(state_cookie_name(state), **options)


def state_cookie_matches(cookies: Mapping[str, str], state: str) -> bool:
    value = cookies.get(state_cookie_name(state)) or ""
    return hmac.compare_digest(value.encode(), state.encode())


def clean_storage_target(value: str | None) -> str | None:
    """The platform's storage frame name, if it is one (``_parent`` or a frame's name)."""
    return value if value and _STORAGE_TARGET.match(value) else None


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class FrameSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, partitioned when the session began with an LTI launch.

    A partitioned cookie set inside Moodle's iframe lives in Moodle's partition; in a window
    of certify's own it behaves as any first-party cookie. Sessions that began at certify's
    own sign-in page stay unpartitioned, so that one browser never holds both kinds of
    session cookie for the same site.
    """

    def get_cookie_partitioned(self, app: Flask) -> bool:
        if super().get_cookie_partitioned(app):
            return True
        return bool(self.get_cookie_secure(app) and session.get(FRAME_SESSION))

    def save_session(self, app: Flask, session, response: Response) -> None:
        super().save_session(app, session, response)
        if not session and session.modified and self.get_cookie_secure(app):
            # Signing out inside the iframe: the flag went with the session, so remove the
            # partitioned cookie too (the unpartitioned one went above).
            response.delete_cookie(self.get_cookie_name(app), path=self.get_cookie_path(app),
                                   domain=self.get_cookie_domain(app), secure=True,
                                   partitioned=True, samesite="None", httponly=True)
