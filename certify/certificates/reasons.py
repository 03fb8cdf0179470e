"""Why a certificate was revoked, in words: the codes are stored, the words translated."""

from __future__ import annotations

from flask_babel import gettext as _

from certify.certificates.models import RevocationReason


def reason_label(code: str | None) -> str:
    """A revocation reason's code in the reader's language ("" for none; a text from before
    codes, kept in old audit events, as it is)."""
    labels = {
        RevocationReason.ISSUED_IN_ERROR: _("Issued in error"),
        RevocationReason.REPLACED: _("Replaced by a corrected certificate"),
        RevocationReason.REQUIREMENT_UNMET: _("A requirement was later found unmet"),
        RevocationReason.HOLDER_REQUEST: _("At the holder's request"),
        RevocationReason.OTHER: _("Other reason"),
    }
    return labels.get(code, code or "")
