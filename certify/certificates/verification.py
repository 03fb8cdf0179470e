"""Finding a certificate by its serial, and the verdict the public pages and API give."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.certificates.counting import count_verification
from certify.certificates.models import Certificate
from certify.certificates.qr_token import TokenFacts
from certify.certificates.serials import MalformedSerial, normalise_serial
from certify.certificates.tokens import claims_match, read_token, token_matches
from certify.core.clock import utcnow
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

    @property
    def valid(self) -> bool:
        return self.state is VerificationState.VALID


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
    verdict = _judge(serial, token, now=now or utcnow(), count=count)
    if count:
        VERIFICATIONS.labels(verdict.state.value).inc()  # /metrics, by verdict
    return verdict


def _judge(serial: str | None, token: str | None, *, now: datetime, count: bool
           ) -> Verification:
    """The verdict of :func:`verify`."""
    facts = claims = None
    genuine = True  # the token, if any, is ours
    if token:
        try:
            facts, claims = read_token(token)
        except TokenError:
            genuine = False
        else:
            serial = serial or facts.serial
    if not genuine and not serial:
        return Verification(VerificationState.INVALID_SIGNATURE, None, token_checked=True,
                            checked_at=now)
    try:
        canonical = normalise_serial(serial or "")
    except MalformedSerial as error:
        return Verification(VerificationState.MALFORMED, None, message=error.message,
                            checked_at=now)
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.serial == canonical))
    if certificate is None:
        if facts is not None and facts.serial == canonical:
            return Verification(VerificationState.UNREGISTERED, canonical, token_checked=True,
                                checked_at=now, facts=facts)
        return Verification(VerificationState.NOT_FOUND, canonical, checked_at=now)
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
                        checked_at=now, facts=facts)
