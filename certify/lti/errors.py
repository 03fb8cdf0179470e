"""Errors of the LTI area, each with a message a person (or a Moodle administrator) can act on."""

from __future__ import annotations

from certify.core.errors import DomainError


class LaunchRefused(DomainError):
    """A login or launch certify does not accept: nothing was created.

    ``check`` names the failed check (``signature``, ``nonce``, ``deployment``...) for
    logs and tests; ``message`` says it in words. 400 for a malformed message, 403 for
    one that fails authentication.
    """

    code = "lti_launch_refused"

    def __init__(self, message: str, *, check: str, status: int = 403):
        super().__init__(message)
        self.check = check
        self.status = status


class PlatformError(DomainError):
    """A platform did not do what a service call asked (its answer is in the message)."""

    status = 502
    code = "lti_platform_error"

    def __init__(self, message: str, *, answer: str = "", retryable: bool = True):
        super().__init__(message)
        self.answer = answer
        self.retryable = retryable


class PlatformStorageCheck(Exception):
    """The launch came without the login's cookie, but the login kept its state in the
    platform's storage: certify's page must find it there before the launch goes on."""

    def __init__(self, login):
        super().__init__("state to be checked in the platform's storage")
        self.login = login
