"""Locale helpers shared by pages, certificates and e-mails."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, has_request_context, request
from flask_babel import get_locale

DEFAULT_LANGUAGE = "es"


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
        chosen = request.args.get("lang") or request.cookies.get("certify_locale")
        if chosen in supported:
            return chosen
        if getattr(current_user, "is_authenticated", False) and current_user.preferred_locale in supported:
            return current_user.preferred_locale
        best = request.accept_languages.best_match(
            list(supported) + ["pt", "pt-BR", "pt-PT", "es-CL", "es-UY", "es-PY", "en-US", "en-GB"]
        )
        if best:
            return _to_supported(best, supported)
    return current_app.config["BABEL_DEFAULT_LOCALE"]


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
