"""Domain errors: raised by services with a message a person can act on.

The HTTP layer maps them once (``certify.core.http``) to a status code; the CLI
maps them to exit code 2.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class; ``status`` is the HTTP status the error maps to."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ValidationError(DomainError):
    status = 422
    code = "validation_error"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
