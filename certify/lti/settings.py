"""LTI settings: ``CERTIFY_LTI_*`` environment variables over safe defaults, in ``app.config``.

Installed when the ``lti`` blueprint is registered, so ``create_app`` needs no change;
a value already in the app's configuration (tests, ``create_app(config)``) wins.
"""

from __future__ import annotations

import os

from flask import Flask, current_app

from certify.lti.browser import FrameSessionInterface

DEFAULTS: dict[str, int | bool | str] = {
    # Seconds of clock difference tolerated on the expiry and issue time of launch tokens.
    "LTI_CLOCK_LEEWAY": 60,
    # Seconds to wait for a platform (key set, tokens, grades, roster, registration).
    "LTI_HTTP_TIMEOUT": 10,
    # Minutes between the OIDC login and the launch it starts.
    "LTI_LOGIN_MINUTES": 10,
    # Hours a launch's claims are kept for later service calls (deep linking answers).
    "LTI_LAUNCH_DATA_HOURS": 24,
    # Hours a platform's key set is trusted before it is fetched again.
    "LTI_KEY_SET_HOURS": 24,
    # Days a registration link stays valid.
    "LTI_INVITE_DAYS": 7,
    # The name platforms show for the tool.
    "LTI_TOOL_NAME": "certify",
    # Over HTTPS, send the session cookie with SameSite=None so that certify keeps people
    # signed in inside Moodle's iframe (browsers refuse SameSite=None without Secure).
    "LTI_IFRAME_SESSIONS": True,
}


def _parse(raw: str, default: int | bool | str) -> int | bool | str:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    return raw


def init_app(app: Flask) -> None:
    """Fill the LTI settings and, when asked, let the session cookie work inside iframes."""
    for name, default in DEFAULTS.items():
        raw = os.environ.get(f"CERTIFY_{name}")
        app.config.setdefault(name, default if raw is None else _parse(raw, default))
    if app.config["LTI_IFRAME_SESSIONS"] and app.config.get("SESSION_COOKIE_SECURE"):
        # Inside Moodle's iframe every request to certify is cross-site: a Lax cookie would
        # never be sent, and people would be signed out after the launch. Forms keep their
        # CSRF tokens (in the session), so relaxing SameSite costs no protection the app
        # relies on. A session that began with a launch is also partitioned (CHIPS), so
        # browsers that block third-party cookies keep it in the platform's partition.
        app.config["SESSION_COOKIE_SAMESITE"] = "None"
        app.config["REMEMBER_COOKIE_SAMESITE"] = "None"
        app.session_interface = FrameSessionInterface()


def setting(name: str):
    """The value of ``LTI_<name>`` for the current app."""
    return current_app.config[f"LTI_{name}"]
