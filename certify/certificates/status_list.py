"""Revocation for offline verifiers: W3C Bitstring Status List credentials (/status/<n>).

Each certificate holds a ``status_list_index``; list ``n`` (from 1) covers the
indexes ``(n - 1) * LIST_SIZE`` to ``n * LIST_SIZE - 1`` and its bit is 1 once
the certificate is revoked. Indexes are drawn at random rather than in order
(as the specification recommends), so a list reveals nothing about who was
certified when; each list is kept at most half full so a random draw rarely
meets a taken index.
"""

from __future__ import annotations

import gzip
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from certify.certificates.links import base_url, jwks_url
from certify.certificates.models import Certificate
from certify.core.clock import utcnow
from certify.core.errors import Conflict
from certify.core.keyring import RS256
from certify.core.signing import b64url_encode, sign_compact
from certify.extensions import db

# The specification's minimum: 16 KB of bits, so one list hides each holder among 131,072.
LIST_SIZE = 131072
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CANDIDATES = 16
_TAKEN = "certificates.status_indexes_taken"
_RESERVED = "certificates.reserved_status_indexes"


def list_url(list_number: int) -> str:
    return f"{base_url()}/status/{list_number}"


def position(index: int) -> tuple[int, int]:
    """``(list number, bit)`` of a status list index."""
    return index // LIST_SIZE + 1, index % LIST_SIZE


def status_entry(certificate: Certificate) -> dict:
    """The ``credentialStatus`` of a credential about ``certificate``."""
    list_number, bit = position(certificate.status_list_index)
    return {
        "id": f"{list_url(list_number)}#{bit}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(bit),
        "statusListCredential": list_url(list_number),
    }


def allocate_status_index() -> int:
    """A random status list index no certificate uses (nor one prepared in this session).

    A concurrent transaction may still take the same index before this one
    commits; the unique constraint catches that and issuing draws again.
    """
    reserved: set[int] = db.session.info.setdefault(_RESERVED, set())
    if _TAKEN not in db.session.info:  # counted once per transaction: a batch issues many
        db.session.info[_TAKEN] = db.session.scalar(sa.select(sa.func.count(Certificate.id)))
    taken = db.session.info[_TAKEN] + len(reserved)
    span = (1 + taken // (LIST_SIZE // 2)) * LIST_SIZE
    for _attempt in range(8):
        candidates = {secrets.randbelow(span) for _ in range(CANDIDATES)} - reserved
        used = set(db.session.scalars(sa.select(Certificate.status_list_index).where(
            Certificate.status_list_index.in_(candidates))))
        free = sorted(candidates - used)
        if free:
            index = free[secrets.randbelow(len(free))]
            reserved.add(index)
            return index
    raise Conflict("No free revocation status index was found; try again.")


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _forget_reservations(session: Session) -> None:
    # Once the transaction ends, the database itself says which indexes are taken.
    session.info.pop(_RESERVED, None)
    session.info.pop(_TAKEN, None)


def last_list_number() -> int:
    """The highest list number any certificate uses (1 while there are none)."""
    highest = db.session.scalar(sa.select(sa.func.max(Certificate.status_list_index)))
    return position(highest)[0] if highest is not None else 1


def encoded_list(list_number: int) -> str:
    """The list's bitstring, GZIP-compressed and base64url-encoded with the multibase "u".

    Bit 0 is the most significant bit of the first byte. One query, whatever
    the number of revocations.
    """
    start = (list_number - 1) * LIST_SIZE
    revoked = db.session.scalars(sa.select(Certificate.status_list_index).where(
        Certificate.revoked_at.is_not(None),
        Certificate.status_list_index >= start,
        Certificate.status_list_index < start + LIST_SIZE))
    bits = bytearray(LIST_SIZE // 8)
    for index in revoked:
        bit = index - start
        bits[bit // 8] |= 0x80 >> (bit % 8)
    # mtime=0: the same revocations always give the same bytes.
    return "u" + b64url_encode(gzip.compress(bytes(bits), mtime=0))


def status_list_credential(list_number: int, *, now: datetime | None = None) -> dict:
    """The BitstringStatusListCredential for list ``list_number`` (unsigned)."""
    now = (now or utcnow()).replace(microsecond=0)
    url = list_url(list_number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": base_url(),
        "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(list_number),
        },
    }


def signed_status_list(list_number: int, *, now: datetime | None = None) -> str:
    """The list as a VC-JWT (VC-JOSE-COSE: the credential is the JWT payload)."""
    token, _kid = sign_compact(status_list_credential(list_number, now=now),
                               header={"typ": "vc+jwt", "cty": "vc", "jku": jwks_url()},
                               algorithm=RS256)
    return token
