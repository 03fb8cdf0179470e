"""Talking to platforms: HTTP with timeouts, and service access tokens cached until they expire.

pylti1p3's ``ServiceConnector`` keeps tokens in memory for one connector; certify runs
services from many requests, jobs and workers, so tokens are kept in ``lti_access_token``
and reused by all of them until shortly before they expire.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta

import jwt
import requests
import sqlalchemy as sa
from pylti1p3.exception import LtiServiceException
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy.exc import IntegrityError

from certify.core.clock import utcnow
from certify.extensions import db
from certify.lti.models import AccessToken, LtiPlatform
from certify.lti.settings import setting
from certify.lti.tool_conf import PlatformRegistration

USER_AGENT = "certify-lti"
# A token this close to its expiry is not used: the request could arrive after it.
TOKEN_MARGIN = timedelta(seconds=30)
DEFAULT_TOKEN_SECONDS = 3600


class PlatformSession(requests.Session):
    """A requests session whose calls never wait forever on a platform."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)


def platform_session() -> PlatformSession:
    return PlatformSession(float(setting("HTTP_TIMEOUT")))


def _scope_key(scopes: Sequence[str]) -> str:
    return hashlib.sha256("|".join(sorted(scopes)).encode()).hexdigest()


def platform_answer(response: requests.Response, limit: int = 2000) -> str:
    """What a platform answered, for people who must understand a failure."""
    body = (response.text or "").strip()
    if len(body) > limit:
        body = body[:limit] + "…"
    status = f"HTTP {response.status_code} {response.reason or ''}".strip()
    return f"{status}: {body}" if body else status


class PlatformConnector(ServiceConnector):
    """pylti1p3's service connector for one platform, with tokens cached in the database."""

    def __init__(self, platform: LtiPlatform, session: requests.Session | None = None):
        self.platform = platform
        super().__init__(PlatformRegistration(platform), session or platform_session())

    def get_access_token(self, scopes: Sequence[str]) -> str:
        key = _scope_key(scopes)
        now = utcnow()
        cached = db.session.scalar(sa.select(AccessToken).where(
            AccessToken.platform_id == self.platform.id, AccessToken.scopes == key))
        if cached is not None and cached.expires_at > now + TOKEN_MARGIN:
            return cached.token
        token, lifetime = self._request_token(scopes)
        expires_at = utcnow() + timedelta(seconds=lifetime)
        if cached is not None:
            cached.token, cached.expires_at = token, expires_at
            db.session.flush()
            return token
        try:
            with db.session.begin_nested():
                db.session.add(AccessToken(platform_id=self.platform.id, scopes=key, token=token,
                                           expires_at=expires_at))
        except IntegrityError:
            pass  # another worker cached a token meanwhile; this one is as good
        return token

    def _request_token(self, scopes: Sequence[str]) -> tuple[str, int]:
        """OAuth 2 client credentials with a JWT client assertion signed by the tool's key."""
        registration = self._registration
        token_url = registration.get_auth_token_url()
        now = int(time.time())
        assertion = jwt.encode(
            {"iss": registration.get_client_id(), "sub": registration.get_client_id(),
             "aud": registration.get_auth_audience() or token_url, "iat": now - 5,
             "exp": now + 60, "jti": f"certify-{uuid.uuid4()}"},
            registration.get_tool_private_key(), algorithm="RS256",
            headers={"kid": registration.get_kid()})
        response = self._requests_session.post(token_url, data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": " ".join(scopes),
        })
        if not response.ok:
            raise LtiServiceException(response)
        try:
            body = response.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise LtiServiceException(response) from None
        try:
            lifetime = int(body.get("expires_in") or DEFAULT_TOKEN_SECONDS)
        except (TypeError, ValueError):
            lifetime = DEFAULT_TOKEN_SECONDS
        return token, lifetime

    def forget_token(self, scopes: Sequence[str]) -> None:
        db.session.execute(sa.delete(AccessToken).where(
            AccessToken.platform_id == self.platform.id, AccessToken.scopes == _scope_key(scopes)))

    def make_service_request(self, scopes, url, *args, **kwargs):
        try:
            return super().make_service_request(scopes, url, *args, **kwargs)
        except LtiServiceException as error:
            # A platform may revoke a token before it expires: get a fresh one, once.
            if error.response.status_code != 401:
                raise
            self.forget_token(scopes)
            return super().make_service_request(scopes, url, *args, **kwargs)
