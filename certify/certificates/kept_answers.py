"""A crowd's verifications answered before Flask, from whole responses kept in the worker.

A room scanning printed QR codes asks for the same certificates again and again. Through
Flask each answer costs its request context, seven hooks before the view and seven after,
and the view: several times what answering it takes. So the first answer to a verification
goes through Flask like any request and, when its verdict may be kept (VALID, REVOKED,
EXPIRED) for a visitor who is not signed in, the whole response is kept here under the
stamp of the certificate's row (``verification.Reading``). A later request for the same
address in the same language is answered here with what every request still gets:

- the one read of the certificate's row: a revocation, reissue or any edit changes the
  stamp, so it shows at once, in every worker;
- the verification's rate limits per address, and its count on the certificate;
- the time it was checked (this request's), a fresh request id, the metrics and the log line.

Its protective headers are this moment's (``core.security_headers``). Anything else goes to
Flask: another method or address, a session cookie or a token (a signed-in person may read
in their own language and time zone), an answer not kept yet, a passed limit, an error.
"""

from __future__ import annotations

import logging
import re
import time
import weakref
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import escape
from werkzeug.exceptions import TooManyRequests
from werkzeug.http import parse_cookie

from certify.certificates.facts_cache import LeastRecentlyUsed
from certify.certificates.links import verify_limit, verify_miss_limit
from certify.certificates.verification import (
    Reading,
    VerificationState,
    count_kept,
    read_stamp,
)
from certify.core.address_limits import AddressLimits
from certify.core.i18n import LOCALE_COOKIE, visitor_locale
from certify.core.metrics import observe_request
from certify.core.request_log import REQUEST_ID_HEADER, log_request_line, request_id_for
from certify.core.security_headers import PROTECTION_HEADERS, protection_headers
from certify.extensions import limiter

log = logging.getLogger(__name__)
# Verdicts whose answer depends only on the certificate's row, the token and the time.
ANSWERS_KEPT = frozenset({VerificationState.VALID, VerificationState.REVOKED,
                          VerificationState.EXPIRED})
SIZE = 2048  # responses per worker: about 20 MB at most
_NOTE = "certify.kept_answers.note"
_PAGE = re.compile(r"/v/[^/]+")
_API = re.compile(r"/api/v1/verify/[^/]+")
# Set per request, or by the server: never replayed.
_FRESH_HEADERS = PROTECTION_HEADERS | {REQUEST_ID_HEADER.lower(), "x-ratelimit-limit",
                                        "x-ratelimit-remaining", "content-length", "date",
                                        "server"}


@dataclass(frozen=True)
class _Note:
    """What a verification view tells the edge about the answer it gave (see :func:`offer`)."""

    serial: str
    token: str | None
    stamp: tuple
    state: VerificationState
    locale: str
    endpoint: str
    route: str
    moment: str  # the time the answer states, as it is written in it
    minute: datetime | None  # for a moment written to the minute in the reader's language


@dataclass(frozen=True)
class _Kept:
    status: str
    headers: list[tuple[str, str]]
    before: bytes  # the body before the moment, and after it
    after: bytes
    note: _Note


def offer(reading: Reading, state: VerificationState, moment: str, *,
          minute: datetime | None = None) -> None:
    """Offer the answer this view is giving to be kept; ``moment`` is the time it states, as
    written (``minute`` when written to the minute in the reader's language, else the
    ISO 8601 ``reading.now``)."""
    if reading.stamp is None or state not in ANSWERS_KEPT or current_user.is_authenticated:
        return
    request.environ[_NOTE] = _Note(reading.canonical, reading.token, reading.stamp, state,
                                   str(get_locale()), request.endpoint, request.url_rule.rule,
                                   moment, minute)


class KeptAnswers:
    """WSGI middleware in front of ``app``'s own: see the module's description."""

    def __init__(self, app: Flask):
        self.app = app
        self.flask = app.wsgi_app
        self.kept = LeastRecentlyUsed(SIZE)
        self.moments = LeastRecentlyUsed(64)  # (locale, minute) -> how a page writes it
        _all.add(self)

    def forget(self) -> None:
        self.kept.clear()
        self.moments.clear()

    def __call__(self, environ, start_response):
        asked = _question(environ, self.app)
        if asked is None:  # not a verification the edge may answer: Flask's own, unbuffered
            return self.flask(environ, start_response)
        kept = self.kept.get(asked)
        if kept is None:
            return self._through_flask(environ, start_response, asked)
        started = time.perf_counter()
        note = kept.note
        with self.app.app_context():
            try:
                found = read_stamp(note.serial, note.token)
            except Exception:  # noqa: BLE001 - the database busy or away: Flask answers that
                log.warning("a kept answer could not be checked; Flask answers", exc_info=True)
                found = None
            if found is None or found[1] != note.stamp:
                return self._through_flask(environ, start_response, asked)
            certificate_id, _stamp, now = found
            moment = self._moment(note, now)
            if moment is None:  # a minute whose words this worker has not written yet
                return self._through_flask(environ, start_response, asked)
            limits = AddressLimits.of(note.endpoint, verify_limit(), verify_miss_limit())
            try:
                count = limits.count(environ.get("REMOTE_ADDR") or "") if limiter.enabled else None
            except TooManyRequests:
                return self.flask(environ, start_response)  # Flask says so, in its words
            count_kept(certificate_id, note.state)
            body = kept.before + moment + kept.after
            request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
            start_response(kept.status, [
                *kept.headers, *protection_headers().items(), ("Content-Length", str(len(body))),
                (REQUEST_ID_HEADER, request_id), *limits.headers(count).items()])
            status = int(kept.status[:3])
            observe_request("GET", note.route, status, started)
            log_request_line("GET", note.route, status,
                             round((time.perf_counter() - started) * 1000, 1),
                             person_id=None, request_id=request_id)
            return [body]

    def _moment(self, note: _Note, now: datetime) -> bytes | None:
        if note.minute is None:
            return now.isoformat().encode()
        return self.moments.get((note.locale, now.replace(second=0, microsecond=0)))

    def _through_flask(self, environ, start_response, asked: tuple) -> list[bytes]:
        answer: dict = {}

        def remember(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        chunks = self.flask(environ, remember)
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        note = environ.get(_NOTE)
        if note is not None and answer.get("status", "").startswith("200"):
            self._keep(asked, note, answer["status"], answer["headers"], body)
        return [body]

    def _keep(self, asked: tuple, note: _Note, status: str, headers, body: bytes) -> None:
        names = {name.lower() for name, _value in headers}
        moment = (str(escape(note.moment)) if note.minute else note.moment).encode()
        if "set-cookie" in names or body.count(moment) != 1 or note.locale != asked[2]:
            return  # personal, or not what this key would be answered with
        if note.minute is not None:
            self.moments.put((note.locale, note.minute), moment)
        before, _moment, after = body.partition(moment)
        replayed = [(name, value) for name, value in headers
                    if name.lower() not in _FRESH_HEADERS]
        self.kept.put(asked, _Kept(status, replayed, before, after, note))


def _question(environ, app: Flask) -> tuple[str, str, str] | None:
    """(path, query, locale) of a verification the edge may answer, or None."""
    path = environ.get("PATH_INFO", "")
    if (environ.get("REQUEST_METHOD") != "GET" or "HTTP_AUTHORIZATION" in environ
            or not (_PAGE.fullmatch(path) or _API.fullmatch(path))):
        return None
    cookies = parse_cookie(environ["HTTP_COOKIE"]) if "HTTP_COOKIE" in environ else {}
    config = app.config
    if config["SESSION_COOKIE_NAME"] in cookies or config.get(
            "REMEMBER_COOKIE_NAME", "remember_token") in cookies:
        return None
    query = environ.get("QUERY_STRING", "")
    chosen = dict(parse_qsl(query)).get("lang") if "lang=" in query else None
    locale = visitor_locale(chosen or cookies.get(LOCALE_COOKIE),
                            environ.get("HTTP_ACCEPT_LANGUAGE", ""), config["LOCALES"],
                            config["BABEL_DEFAULT_LOCALE"])
    return path, query, locale


_all: weakref.WeakSet[KeptAnswers] = weakref.WeakSet()


def answer_crowds(app: Flask) -> None:
    """Put :class:`KeptAnswers` in front of ``app``."""
    app.wsgi_app = KeptAnswers(app)


def forget_kept_answers() -> None:
    """Forget every kept response in this process (tests: their rows are rolled back)."""
    for edge in list(_all):
        edge.forget()
