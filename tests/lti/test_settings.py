"""LTI settings come from the environment; over HTTPS the session cookie works inside iframes."""

from __future__ import annotations

from flask import Flask

from certify.lti import settings


def test_over_https_the_session_cookie_is_sent_inside_moodles_iframe(monkeypatch):
    monkeypatch.delenv("CERTIFY_LTI_IFRAME_SESSIONS", raising=False)
    secure = Flask("secure")
    secure.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Lax")
    settings.init_app(secure)
    assert secure.config["SESSION_COOKIE_SAMESITE"] == "None"
    assert secure.config["REMEMBER_COOKIE_SAMESITE"] == "None"

    plain = Flask("plain")  # browsers refuse SameSite=None without Secure: left as it was
    plain.config.update(SESSION_COOKIE_SECURE=False, SESSION_COOKIE_SAMESITE="Lax")
    settings.init_app(plain)
    assert plain.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("CERTIFY_LTI_CLOCK_LEEWAY", "15")
    monkeypatch.setenv("CERTIFY_LTI_IFRAME_SESSIONS", "no")
    monkeypatch.setenv("CERTIFY_LTI_TOOL_NAME", "certify municipal")
    app = Flask("configured")
    app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Lax")
    settings.init_app(app)
    assert app.config["LTI_CLOCK_LEEWAY"] == 15
    assert app.config["LTI_TOOL_NAME"] == "certify municipal"
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
