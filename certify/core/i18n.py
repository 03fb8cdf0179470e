"""Locale helpers shared by pages, certificates and e-mails."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from flask import current_app, has_request_context, request
from flask_babel import get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

DEFAULT_LANGUAGE = "es"
LOCALE_COOKIE = "certify_locale"


def language_of(locale: object) -> str:
    """``pt_BR`` -> ``pt``: content files are keyed by language."""
    return str(locale).split("_")[0].split("-")[0].lower()


def localized(texts: Mapping[str, str] | None, locale: object | None = None) -> str:
    """Pick the text for ``locale`` from ``{"es": ..., "pt": ..., "en": ...}``.

    Falls back to Spanish, then to any language present, so a partly translated
    programme still shows something.
    """
    if not texts:
        return ""
    language = language_of(locale if locale is not None else current_language())
    return texts.get(language) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()))


def with_fallback(texts: Mapping[str, str] | None, locale: object | None = None
                  ) -> tuple[str, bool]:
    """Like :func:`localized`, and also whether the reader's language was missing.

    Pages use the flag to say, in the reader's language, that they show Spanish instead.
    """
    language = language_of(locale if locale is not None else current_language())
    texts = texts or {}
    if texts.get(language):
        return texts[language], False
    return localized(texts, DEFAULT_LANGUAGE), bool(texts)


def current_language() -> str:
    return language_of(get_locale() or DEFAULT_LANGUAGE)


def select_locale() -> str:
    """Babel's locale selector: an explicit choice, the person's preference, the browser."""
    from flask_login import current_user

    supported = current_app.config["LOCALES"]
    if has_request_context():
        chosen = request.args.get("lang") or request.cookies.get(LOCALE_COOKIE)
        if chosen in supported:
            return chosen
        if getattr(current_user, "is_authenticated", False) and current_user.preferred_locale in supported:
            return current_user.preferred_locale
        if browser := _browser_locale(request.headers.get("Accept-Language", ""), supported):
            return browser
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def visitor_locale(chosen: str | None, accept_language: str, supported: tuple[str, ...],
                   default: str) -> str:
    """What :func:`select_locale` picks for someone not signed in, from the raw request: the
    ``lang`` argument or cookie (``chosen``), else the browser's language, else ``default``."""
    if chosen in supported:
        return chosen
    return _browser_locale(accept_language, supported) or default


@lru_cache(maxsize=512)
def _browser_locale(accept_language: str, supported: tuple[str, ...]) -> str | None:
    """The supported locale a browser's ``Accept-Language`` prefers, or None. Kept per header:
    a crowd's phones send a handful of them, and parsing one is a tenth of a verification."""
    best = parse_accept_header(accept_language, LanguageAccept).best_match(
        [*supported, "pt", "pt-BR", "pt-PT", "es-CL", "es-UY", "es-PY", "en-US", "en-GB"])
    return _to_supported(best, supported) if best else None


def select_timezone() -> str | None:
    """Babel's time zone selector: the signed-in person's zone (their choice, else their
    municipality's); None means the programme's default."""
    from flask_login import current_user

    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.zone_name
    return None


def _to_supported(tag: str, supported: tuple[str, ...]) -> str:
    language = language_of(tag)
    for locale in supported:
        if language_of(locale) == language:
            return locale
    return supported[0]
