"""Jinja filters and globals every page uses."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from certify.core.i18n import localized
from certify.core.markdown import render_markdown
from certify.core.timezones import deadline, moment_with_zone

LANGUAGE_NAMES = {"es": "Español", "pt_BR": "Português", "en": "English"}


def _url_with_page(page: int) -> str:
    args = dict(request.view_args or {})
    args.update(request.args.to_dict())
    args["page"] = page
    return url_for(request.endpoint, **args)


def _url_with_language(code: str) -> str:
    """This page in language ``code`` (``?lang=``), for pages without the language form."""
    args = dict(request.view_args or {})
    args.update(request.args.to_dict())
    args["lang"] = code
    return url_for(request.endpoint, **args)


def init_templating(app: Flask) -> None:
    app.jinja_env.filters.update(
        localized=localized,
        markdown=render_markdown,
        date=lambda value, fmt="medium": format_date(value, fmt) if value else "",
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        number=lambda value: format_decimal(value) if value is not None else "",
        deadline=deadline,
        datetime_with_zone=moment_with_zone,
    )
    app.jinja_env.globals.update(url_with_page=_url_with_page, url_with_language=_url_with_language,
                                 LANGUAGE_NAMES=LANGUAGE_NAMES)

    @app.context_processor
    def _locale_context():
        return {"current_locale": str(get_locale()), "locales": current_app.config["LOCALES"]}
