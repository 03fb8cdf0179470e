"""Headers that protect every response: pages, the API, files and error pages alike.

The Content-Security-Policy allows scripts from certify itself and inline scripts that carry
this response's nonce (``csp_nonce()`` in templates), and lets only certify and the LTI
platforms it is registered with frame its pages. Which platforms those are is the LTI area's
business: it registers a provider here (``register_frame_ancestors``), so this module never
imports a higher area.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, current_app, g

# Origins of sites allowed to frame certify, by provider name (e.g. "lti").
_frame_ancestor_providers: dict[str, Callable[[], Iterable[str]]] = {}
_HOST = re.compile(r"^[a-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9a-f:.]+\](:[0-9]{1,5})?$")

# Features no page needs; the check-in page alone asks for the camera (``permit_camera``).
_DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb", "serial",
                    "bluetooth", "magnetometer", "gyroscope", "accelerometer")


def register_frame_ancestors(name: str, provider: Callable[[], Iterable[str]]) -> None:
    """Let the sites whose URLs ``provider()`` returns frame certify's pages."""
    _frame_ancestor_providers[name] = provider
    frame_ancestors.invalidate()


def origin_of(url: str | None) -> str | None:
    """``https://moodle.example.org`` for any http(s) URL on that site; None for anything else.

    Only a plain scheme, host and port can reach the header, so a stored URL cannot smuggle
    another directive into it.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"http", "https"} or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{parts.scheme}://{netloc}" if _HOST.match(netloc) else None


class _FrameAncestors:
    """The origins allowed to frame certify, read from the providers and kept a short while.

    Reading them on every response would add a query to every request; the cache is
    dropped at once in this process when a provider says its data changed, and other
    worker processes see the change within ``FRAME_ANCESTORS_MAX_AGE`` seconds.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._origins: tuple[str, ...] | None = None
        self._loaded_at = 0.0

    def invalidate(self) -> None:
        with self._lock:
            self._origins = None

    def origins(self) -> tuple[str, ...]:
        max_age = current_app.config.get("FRAME_ANCESTORS_MAX_AGE", 60)
        with self._lock:
            if self._origins is not None and time.monotonic() - self._loaded_at < max_age:
                return self._origins
        found = sorted({origin for provider in _frame_ancestor_providers.values()
                        for origin in map(origin_of, provider()) if origin})
        with self._lock:
            self._origins, self._loaded_at = tuple(found), time.monotonic()
        return self._origins


frame_ancestors = _FrameAncestors()


def csp_nonce() -> str:
    """This response's script nonce: ``<script nonce="{{ csp_nonce() }}">``."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def permit_framing_by(url: str) -> None:
    """Let the site of ``url`` frame this response too (a platform not registered yet)."""
    if origin := origin_of(url):
        g.csp_extra_framers = (*g.get("csp_extra_framers", ()), origin)


def permit_camera() -> None:
    """Let the page being rendered use the camera (the check-in scanner)."""
    g.permit_camera = True


def content_security_policy(nonce: str | None, framers: Iterable[str]) -> str:
    scripts = " ".join(["'self'", *([f"'nonce-{nonce}'"] if nonce else [])])
    directives = {
        "default-src": "'self'",
        "script-src": scripts,
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "media-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": " ".join(["'self'", *framers]),
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def permissions_policy(camera: bool) -> str:
    return ", ".join(f"{feature}=(self)" if feature == "camera" and camera else f"{feature}=()"
                     for feature in _DENIED_FEATURES)


def protection_headers(*, nonce: str | None = None, extra_framers: Iterable[str] = (),
                       camera: bool = False) -> dict[str, str]:
    """The headers that protect a response (all but Referrer-Policy, which a view may choose)."""
    framers = tuple(dict.fromkeys((*_safe_frame_ancestors(), *extra_framers)))
    return _protection_headers(nonce, framers, camera,
                               bool(current_app.config.get("SESSION_COOKIE_SECURE")))


@lru_cache(maxsize=64)  # a handful of combinations (an entry with a nonce serves one response)
def _protection_headers(nonce: str | None, framers: tuple[str, ...], camera: bool,
                        secure: bool) -> dict[str, str]:
    headers = {"Content-Security-Policy": content_security_policy(nonce, framers)}
    if not framers:  # browsers that predate frame-ancestors; it cannot name other sites
        headers["X-Frame-Options"] = "SAMEORIGIN"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Permissions-Policy"] = permissions_policy(camera)
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


PROTECTION_HEADERS = frozenset({"content-security-policy", "x-frame-options",
                                "x-content-type-options", "permissions-policy",
                                "strict-transport-security"})


def _protect(response):
    response.headers.update(protection_headers(
        nonce=g.get("csp_nonce"), extra_framers=g.get("csp_extra_framers", ()),
        camera=g.get("permit_camera", False)))
    # A view may ask for less (the verification page sends none: its address holds a token).
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response


def _safe_frame_ancestors() -> tuple[str, ...]:
    # A response must get its headers even when the database cannot answer (an error page
    # after a timeout): then only certify itself may frame it.
    try:
        return frame_ancestors.origins()
    except Exception:  # noqa: BLE001 - any failure to read falls back to the strictest policy
        current_app.logger.warning("Could not read the sites allowed to frame certify",
                                   exc_info=True)
        return ()


def init_security_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_protect)
