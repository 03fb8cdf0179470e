"""Finding a certificate by its serial, and the verdict the public pages and API give."""

from __future__ import annotations

import enum
import functools
import json
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from certify.certificates.counting import count_verification
from certify.certificates.models import Certificate
from certify.certificates.qr_token import TokenFacts
from certify.certificates.serials import MalformedSerial, normalise_serial
from certify.certificates.tokens import claims_match, read_token, token_matches
from certify.core.clock import utcnow
from certify.core.db_setup import raw_cursor, session_under_way, single_statement_connection
from certify.core.errors import NotFound
from certify.core.metrics import VERIFICATIONS
from certify.core.signing import TokenError
from certify.extensions import db


class VerificationState(enum.StrEnum):
    VALID = "VALID"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_FOUND = "NOT_FOUND"
    # The token's signature is ours but this database has no such serial (e.g. a copy of the
    # register restored from an older backup): the facts come from the token alone.
    UNREGISTERED = "UNREGISTERED"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    MALFORMED = "MALFORMED"


@dataclass(frozen=True)
class Verification:
    """What a verifier learns: the state, and the certificate when there is one to show.

    ``serial`` is the canonical spelling (None when the text was malformed);
    ``message`` explains a malformed serial; ``token_checked`` says whether a
    token from a QR code was checked against the certificate; ``facts`` is what
    a genuine token stated (always set for UNREGISTERED).
    """

    state: VerificationState
    serial: str | None
    certificate: Certificate | None = None
    message: str = ""
    token_checked: bool = False
    checked_at: datetime | None = None
    facts: TokenFacts | None = None
    stamp: tuple | None = field(default=None, repr=False)  # see :class:`Reading`

    @property
    def valid(self) -> bool:
        return self.state is VerificationState.VALID


_TABLE = Certificate.__table__
# The JSON columns (the snapshot of titles, modules, design) come as text and are decoded only
# when a verdict is judged: an answer that is kept never needs them.
_JSON_COLUMNS = frozenset(column.name for column in _TABLE.columns
                          if isinstance(column.type, sa.JSON))
_ROW = sa.select(*(sa.cast(column, sa.Text).label(column.name)
                   if column.name in _JSON_COLUMNS else column
                   for column in _TABLE.columns)).where(_TABLE.c.serial == sa.bindparam("serial"))
# What an answer about a certificate can change with: every column of its row but the count
# of verifications and the JSON snapshot (titles, modules, design), never changed after issue.
_STAMPED = tuple(column.name for column in _TABLE.columns
                 if column.name not in _JSON_COLUMNS and column.name != "verification_count")


_STAMP_ROW = sa.select(*(_TABLE.c[name] for name in _STAMPED)).where(
    _TABLE.c.serial == sa.bindparam("serial"))
_ID, _EXPIRES_AT = _STAMPED.index("id"), _STAMPED.index("expires_at")


def _stamp(token: str | None, now: datetime, values: list) -> tuple:
    expires_at = values[_EXPIRES_AT]
    return (token, expires_at is not None and now >= expires_at, *values)


@dataclass(frozen=True)
class Reading:
    """A verification's one read: the token checked, the serial it names, the certificate's row.

    ``stamp`` (None when there is no such certificate) holds the row's values that the
    verdict depends on, token and expiry included: an answer kept under it
    (``certificates.facts_cache``) is what judging the row again would give, and a
    revocation, a reissue or any edit of the row makes a new stamp, in every worker and
    every app sharing the database at once.
    """

    serial: str | None
    token: str | None
    now: datetime
    facts: TokenFacts | None = None
    claims: dict | None = None
    genuine: bool = True  # the token, if any, is ours
    canonical: str | None = None
    malformed: str = ""
    row: sa.Row | None = None

    @property
    def stamp(self) -> tuple | None:
        if self.row is None:
            return None
        mapping = self.row._mapping
        return _stamp(self.token, self.now, [mapping[name] for name in _STAMPED])

    @property
    def certificate_id(self) -> int | None:
        return None if self.row is None else self.row.id


def read_verification(serial: str | None, token: str | None = None, *,
                      now: datetime | None = None) -> Reading:
    """Check the token (cached per token) and read the certificate's row: one statement, no
    ORM object (the verdict builds one only if its answer is not kept)."""
    now = now or utcnow()
    facts = claims = None
    genuine = True
    if token:
        try:
            facts, claims = read_token(token)
        except TokenError:
            genuine = False
        else:
            serial = serial or facts.serial
    if not genuine and not serial:
        return Reading(serial, token, now, genuine=False)
    try:
        canonical = normalise_serial(serial or "")
    except MalformedSerial as error:
        return Reading(serial, token, now, facts, claims, genuine, malformed=error.message)
    return Reading(serial, token, now, facts, claims, genuine, canonical, row=_read_row(canonical))


def _read_row(serial: str) -> sa.Row | None:
    if (session := session_under_way(db.session)) is not None:
        return session.execute(_ROW, {"serial": serial}).first()
    # No session yet: one statement outside any transaction, and no session to make and close.
    with single_statement_connection() as connection:
        return connection.execute(_ROW, {"serial": serial}).first()


def read_stamp(serial: str, token: str | None) -> tuple[int, tuple, datetime] | None:
    """The certificate's id, the stamp a :class:`Reading` of it with ``token`` would have now,
    and now; None if there is no such certificate. For an answer kept under a stamp
    (``certificates.kept_answers``): one read of the stamped columns alone, through the
    driver (SQLAlchemy's execution and the unread JSON columns cost two thirds of it)."""
    now = utcnow()
    statement = _stamp_statement(db.engine.dialect)
    with raw_cursor(db.session) as cursor:
        cursor.execute(statement.sql, (serial,) if statement.positional else {"serial": serial})
        row = cursor.fetchone()
        if row is not None and statement.processors is None:
            statement.read_like_sqlalchemy(cursor.description)
    if row is None:
        return None
    values = [value if process is None else process(value)
              for value, process in zip(row, statement.processors, strict=True)]
    return values[_ID], _stamp(token, now, values), now


@dataclass
class _StampStatement:
    """The stamp's statement in a dialect's SQL, and how to read each value as SQLAlchemy does
    (e.g. SQLite's timestamps are text), so that both reads give the same stamp."""

    dialect: sa.Dialect
    sql: str
    positional: bool
    processors: list | None = None  # known from the first answer's column types

    def read_like_sqlalchemy(self, description) -> None:
        self.processors = [
            column.type.dialect_impl(self.dialect).result_processor(self.dialect, described[1])
            for column, described in zip(_STAMP_ROW.selected_columns, description, strict=True)]


@functools.cache
def _stamp_statement(dialect: sa.Dialect) -> _StampStatement:
    compiled = _STAMP_ROW.compile(dialect=dialect)
    return _StampStatement(dialect, str(compiled), compiled.positional)


def count_kept(certificate_id: int, state: VerificationState) -> None:
    """Count a verification answered from a kept answer, as :func:`verify` counts its own."""
    count_verification(certificate_id)
    VERIFICATIONS.labels(state.value).inc()


def _certificate_of(row: sa.Row) -> Certificate:
    """The ORM object of a row just read, in the session, without reading it again."""
    present = db.session.identity_map.get(identity_key(Certificate, row.id))
    if present is not None:
        return present
    values = dict(row._mapping)
    for name in _JSON_COLUMNS:
        if values[name] is not None:
            values[name] = json.loads(values[name])
    certificate = Certificate(**values)
    make_transient_to_detached(certificate)
    db.session.add(certificate)
    return certificate


def find_by_serial(text: str) -> Certificate | None:
    """The certificate with this serial as a person typed it, or None.

    Raises ``MalformedSerial`` (400) for text that cannot be a serial, before
    any query: a typing mistake is told apart from an unknown certificate.
    """
    serial = normalise_serial(text)
    return db.session.scalar(sa.select(Certificate).where(Certificate.serial == serial))


def get_by_serial(text: str) -> Certificate:
    """Like :func:`find_by_serial`, but ``NotFound`` (404) when there is no such certificate."""
    certificate = find_by_serial(text)
    if certificate is None:
        raise NotFound(_("There is no certificate with the code %(serial)s.",
                         serial=normalise_serial(text)))
    return certificate


def verify(serial: str | None, token: str | None = None, *, now: datetime | None = None,
           count: bool = True) -> Verification:
    """Check the certificate named by ``serial`` (as typed) and, if given, the QR ``token``.

    ``serial`` may be None when a version 2 ``token`` (which states it) is given.
    The verdict, first that applies: MALFORMED (the check character failed;
    nothing was looked up), UNREGISTERED (a genuine token whose serial this
    database does not know), NOT_FOUND, INVALID_SIGNATURE (a token that is not
    genuinely ours or does not state this certificate, or a stored record that no
    longer matches its own signature; also a bad token with no serial), REVOKED,
    EXPIRED, VALID. Counts the verification on the certificate (``count``), written in
    batches off the request's path (``certificates.counting``). One read of the
    database, nothing written. Never raises for any input.
    """
    return judge(read_verification(serial, token, now=now), count=count)


def judge(reading: Reading, *, count: bool = True) -> Verification:
    """The verdict of :func:`verify` on what :func:`read_verification` read."""
    verdict = _judge(reading, count=count)
    if count:
        VERIFICATIONS.labels(verdict.state.value).inc()  # /metrics, by verdict
    return verdict


def _judge(reading: Reading, *, count: bool) -> Verification:
    token, now, facts, claims, genuine = (reading.token, reading.now, reading.facts,
                                          reading.claims, reading.genuine)
    canonical = reading.canonical
    if not genuine and not reading.serial:
        return Verification(VerificationState.INVALID_SIGNATURE, None, token_checked=True,
                            checked_at=now)
    if reading.malformed:
        return Verification(VerificationState.MALFORMED, None, message=reading.malformed,
                            checked_at=now)
    if reading.row is None:
        if facts is not None and facts.serial == canonical:
            return Verification(VerificationState.UNREGISTERED, canonical, token_checked=True,
                                checked_at=now, facts=facts)
        return Verification(VerificationState.NOT_FOUND, canonical, checked_at=now)
    certificate = _certificate_of(reading.row)
    if count:
        count_verification(certificate.id)
    token_checked = bool(token)
    if not token_matches(certificate, certificate.token) or (token_checked and not (
            genuine and claims_match(certificate, facts, claims))):
        state = VerificationState.INVALID_SIGNATURE
    elif certificate.is_revoked:
        state = VerificationState.REVOKED
    elif certificate.is_expired(now):
        state = VerificationState.EXPIRED
    else:
        state = VerificationState.VALID
    return Verification(state, canonical, certificate, token_checked=token_checked,
                        checked_at=now, facts=facts, stamp=reading.stamp)
