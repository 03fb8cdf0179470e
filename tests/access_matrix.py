"""The harness of every area's access matrix (tests/<area>/test_access.py).

An area keeps its own table, ``MATRIX``: rows of ``(method, URL template, body,
expected)``, where ``expected`` holds one status per role of the area's ``ROLES``
(or per caller). ``LOGIN`` as an expected status means "redirected to the
sign-in page". Pages are used as a browser does (a signed-in session, form
bodies); ``/api/`` URLs as an API client does (a Bearer token, JSON bodies, or
multipart when the body carries ``files``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from urllib.parse import urlsplit

import sqlalchemy as sa

from certify.extensions import db

LOGIN = "login"  # a redirect to the sign-in page
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT")
TOKEN_USE = "UPDATE API_TOKEN SET LAST_USED_AT"


def matrix_ids(matrix) -> list[str]:
    """Readable test ids for the rows of a matrix: "GET /cohorts/{cohort}"."""
    return [f"{method} {url}" for method, url, _body, _expected in matrix]


def request_as(client, login_as, bearer, person, method: str, url: str, body=None):
    """``client``'s response to ``method url`` sent by ``person`` (None: nobody signed in)."""
    options = {}
    if url.startswith("/api/"):
        if person is not None:
            options["headers"] = bearer(person)
        if body is not None and "files" in body:
            options.update(data=body, content_type="multipart/form-data")
        elif body is not None:
            options["json"] = body
    else:
        if person is not None:
            login_as(person)
        if body is not None:
            options["data"] = body
    if method in {"GET", "HEAD"} and not writes_on_read(client.application, url, method):
        with no_writes(f"{method} {url}"):
            return client.open(url, method=method, **options)
    return client.open(url, method=method, **options)


def assert_security_headers(response) -> None:
    """Every response, page, API answer, file or error, carries the protective headers."""
    headers = response.headers
    policy = dict(directive.strip().split(" ", 1)
                  for directive in headers.get("Content-Security-Policy", "").split(";"))
    assert policy.get("default-src") == "'self'", headers
    assert policy.get("object-src") == "'none'"
    assert "'unsafe-inline'" not in policy.get("script-src", "'unsafe-inline'")
    assert "'unsafe-inline'" not in policy.get("style-src", "'unsafe-inline'")
    assert policy.get("frame-ancestors", "").startswith("'self'")
    assert "*" not in policy["frame-ancestors"]
    assert headers.get("X-Content-Type-Options") == "nosniff"
    # No address leaves for another site with its path (the verification page sends none).
    assert headers.get("Referrer-Policy") in {"strict-origin-when-cross-origin", "no-referrer"}
    assert "camera=" in headers.get("Permissions-Policy", "")


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids[value] += 1


def duplicate_ids(html: str) -> list[str]:
    """The element ids used more than once in ``html``: a label or a skip link pointing at
    one of them would reach the wrong element."""
    parser = _Ids()
    parser.feed(html)
    return sorted(value for value, count in parser.ids.items() if count > 1)


def writes_on_read(app, url: str, method: str) -> bool:
    """Whether ``url`` is one of the GET views that write on purpose (``writes_on_read``)."""
    try:
        endpoint, _values = app.url_map.bind("certify.test").match(urlsplit(url).path,
                                                                   method=method)
    except Exception:  # noqa: BLE001 - a 404 or 405 row: nothing to write there
        return False
    return bool(getattr(app.view_functions.get(endpoint), "writes_on_read", False))


@contextmanager
def no_writes(what: str) -> Iterator[None]:
    """Fail if an INSERT, UPDATE or DELETE reaches the database inside the block."""
    written: list[str] = []

    def note(_connection, _cursor, statement, *_args):
        text = statement.lstrip().upper()
        # An API token's last use, noted at most hourly after the request's own transaction.
        if text.startswith(WRITES) and not text.startswith(TOKEN_USE):
            written.append(statement.split("\n")[0][:200])

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert written == [], f"{what} wrote to the database: {written}"


def assert_access(response, expected) -> None:
    """The response has the ``expected`` status; ``LOGIN``: it sends the person to sign in.

    Every row of every area's matrix also checks the security headers, and every HTML page
    it reaches is checked for duplicate element ids.
    """
    assert_security_headers(response)
    if expected == LOGIN:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:800]
    if response.mimetype == "text/html" and response.status_code < 300:
        assert not duplicate_ids(response.get_data(as_text=True)), duplicate_ids(
            response.get_data(as_text=True))


def assert_matrix_covers(app, matrix, blueprints: set[str], **url_values) -> None:
    """The matrix has a row for every (endpoint, method) of ``blueprints``, and no others.

    ``url_values`` fill the URL templates, so each row can be matched to its endpoint.
    """
    adapter = app.url_map.bind("certify.test")
    covered = {(adapter.match(url.format(**url_values), method=method)[0], method)
               for method, url, _body, _expected in matrix}
    endpoints = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                 if rule.endpoint.split(".")[0] in blueprints
                 for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert endpoints, f"no endpoints in {sorted(blueprints)}"
    assert endpoints == covered, {"without a row": sorted(endpoints - covered),
                                  "rows of other blueprints": sorted(covered - endpoints)}
