"""OIDC login and launch, on pylti1p3, with state and nonce kept in the database.

The login (``/lti/login``) records a state and a nonce in ``lti_login_state`` and sends the
browser to the platform; the platform posts back a signed id_token with that state. The
launch (``/lti/launch``) checks, in order and before writing anything: the token's format,
the state (known, unused, not expired), issuer, audience and authorised party, the signature
against the platform's key set (refetched once for an unknown ``kid``), expiry and issue time
(with a small leeway), the nonce (the one issued with this state), the deployment, the LTI
version and message type. Only then is the state consumed, atomically, so a replayed launch
is refused even when two copies arrive together. Any worker can finish a login another
started. The state is also bound to the browser that started the login: by a cookie, or
through the platform's storage in the browser when its frame keeps no cookies
(``certify.lti.browser``).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

import jwt
import sqlalchemy as sa
from flask_babel import gettext as _
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import LtiException
from sqlalchemy.orm import joinedload

from certify.core.clock import utcnow
from certify.extensions import db
from certify.lti.browser import state_cookie_matches
from certify.lti.connector import platform_session
from certify.lti.errors import LaunchRefused, PlatformStorageCheck
from certify.lti.launch_data import DatabaseLaunchDataStorage
from certify.lti.models import LoginState, LtiPlatform
from certify.lti.platform_keys import SIGNING_ALGORITHM, platform_key
from certify.lti.settings import setting
from certify.lti.tool_conf import DatabaseToolConf, PlatformRegistration

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE_CLAIM = CLAIM + "message_type"
VERSION_CLAIM = CLAIM + "version"
DEPLOYMENT_CLAIM = CLAIM + "deployment_id"
ROLES_CLAIM = CLAIM + "roles"
TARGET_LINK_CLAIM = CLAIM + "target_link_uri"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
SUPPORTED_MESSAGES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)
LTI_VERSION = "1.3.0"


def lti_request(params: Mapping[str, str], *, secure: bool) -> FlaskRequest:
    """pylti1p3's request for these parameters; cookies and the session are never read."""
    return FlaskRequest(cookies={}, session={}, request_data=dict(params),
                        request_is_secure=secure)


# --- OIDC login --------------------------------------------------------------------------------

class CertifyOIDCLogin(FlaskOIDCLogin):
    """pylti1p3's third-party initiated login, with the state and nonce in the database.

    certify answers the login itself (``prepare``): the view binds the state to the browser
    and shows a page that checks the frame keeps cookies before going on to the platform.
    """

    def __init__(self, request: FlaskRequest, tool_conf: DatabaseToolConf, *, launch_url: str):
        super().__init__(request, tool_conf)
        self._launch_url = launch_url

    def validate_oidc_login(self) -> PlatformRegistration:
        iss = self._get_request_param("iss")
        if not iss:
            raise LaunchRefused(_("The login request does not say which platform it comes from "
                                  "(no iss)."), check="issuer", status=400)
        if not self._get_request_param("login_hint"):
            raise LaunchRefused(_("The login request has no login_hint."), check="login_hint",
                                status=400)
        client_id = self._get_request_param("client_id") or None
        registration = self._tool_config.find_registration_by_params(iss, client_id)
        if registration is None:
            raise LaunchRefused(
                _("The platform %(issuer)s (client id %(client_id)s) is not registered in "
                  "certify, or is not active.", issuer=iss[:200], client_id=client_id or "-"),
                check="issuer")
        deployment_id = self._get_request_param("lti_deployment_id")
        if deployment_id and not self._tool_config.find_deployment_by_params(
                iss, deployment_id, registration.get_client_id()):
            raise LaunchRefused(_("Deployment %(deployment)s is not registered for this "
                                  "platform.", deployment=deployment_id[:100]),
                                check="deployment")
        self._check_target(self._get_request_param("target_link_uri"))
        return registration

    def _check_target(self, target: str | None) -> None:
        """The target must be certify's launch URL: same origin, the launch path."""
        if not target:
            raise LaunchRefused(_("The login request does not say what to open (no "
                                  "target_link_uri)."), check="target_link_uri", status=400)
        wanted, asked = urlsplit(self._launch_url), urlsplit(target)
        if (asked.scheme, asked.netloc, asked.path) != (wanted.scheme, wanted.netloc,
                                                        wanted.path):
            raise LaunchRefused(_("The login asks to open %(target)s, which is not certify's "
                                  "launch address %(launch)s.", target=target[:200],
                                  launch=self._launch_url), check="target_link_uri",
                                status=400)

    def prepare(self, *, storage_target: str | None) -> tuple[LoginState, str]:
        """Check the login and record it; the login and the platform's authorisation URL."""
        registration = self.validate_oidc_login()
        login = start_login(registration.platform_id,
                            target_link_uri=self._get_request_param("target_link_uri"),
                            storage_target=storage_target)
        params = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": registration.get_client_id(),
            "redirect_uri": self._launch_url,
            "state": login.state,
            "nonce": login.nonce,
            "login_hint": self._get_request_param("login_hint"),
        }
        if hint := self._get_request_param("lti_message_hint"):
            params["lti_message_hint"] = hint
        auth_url = registration.get_auth_login_url()
        return login, auth_url + ("&" if "?" in auth_url else "?") + urlencode(params)


def start_login(platform_id: int, now: datetime | None = None, *,
                target_link_uri: str | None = None,
                storage_target: str | None = None) -> LoginState:
    """Record a new login's state and nonce (random, single use, short-lived)."""
    now = now or utcnow()
    login = LoginState(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                       platform_id=platform_id, created_at=now,
                       expires_at=now + timedelta(minutes=int(setting("LOGIN_MINUTES"))),
                       target_link_uri=target_link_uri, storage_target=storage_target)
    db.session.add(login)
    db.session.flush()
    return login


# --- launch ------------------------------------------------------------------------------------

class CertifyMessageLaunch(FlaskMessageLaunch):
    """pylti1p3's message launch with certify's checks; see the module's docstring."""

    def __init__(self, request: FlaskRequest, tool_config: DatabaseToolConf,
                 session_service=None, cookie_service=None, launch_data_storage=None,
                 requests_session=None, *, now: datetime | None = None,
                 cookies: Mapping[str, str] | None = None, storage_checked: bool = False):
        # The signature of pylti1p3's, which from_cache() calls with these arguments.
        super().__init__(request, tool_config, session_service, cookie_service,
                         launch_data_storage or DatabaseLaunchDataStorage(),
                         requests_session or platform_session())
        self.set_launch_data_lifetime(int(setting("LAUNCH_DATA_HOURS")) * 3600)
        self._now = now or utcnow()
        # What proves the launch comes from the browser that started the login.
        self._cookies = cookies or {}
        self._storage_checked = storage_checked
        self._login: LoginState | None = None
        self.platform: LtiPlatform | None = None

    @property
    def claims(self) -> dict:
        return self._jwt.get("body", {})

    def validate(self) -> CertifyMessageLaunch:
        if self._restored:
            raise LtiException("Can't validate restored launch")
        self._validated = True  # pylti1p3 reads claims through a getter that would re-validate
        try:
            self.validate_jwt_format()
            self.validate_state()
            self.validate_platform()
            self.validate_jwt_signature()
            self.validate_nonce()
            self.validate_browser()
            self.validate_deployment()
            self.validate_message()
            self.consume_state()
            self.save_launch_data()
        except Exception:
            self._validated = False
            raise
        return self

    def validate_jwt_format(self) -> CertifyMessageLaunch:
        if not self._get_request_param("id_token"):
            raise LaunchRefused(_("The launch has no id_token."), check="id_token", status=400)
        try:
            super().validate_jwt_format()
        except LtiException as error:
            raise LaunchRefused(_("The launch's id_token is not a valid JWT."),
                                check="id_token", status=400) from error
        if not isinstance(self._jwt.get("body"), dict) or not isinstance(
                self._jwt.get("header"), dict):
            raise LaunchRefused(_("The launch's id_token is not a valid JWT."),
                                check="id_token", status=400)
        return self

    def validate_state(self) -> CertifyMessageLaunch:
        state = self._get_request_param("state")
        if not state:
            raise LaunchRefused(_("The launch has no state."), check="state", status=400)
        # The platform, its programme and deployments come along: the launch needs them all.
        login = db.session.scalar(
            sa.select(LoginState).where(LoginState.state == state[:64])
            .options(joinedload(LoginState.platform).joinedload(LtiPlatform.programme),
                     joinedload(LoginState.platform).joinedload(LtiPlatform.deployments)))
        if login is None:
            raise LaunchRefused(_("The launch's state is unknown: it was changed on the way, or "
                                  "the login did not start at certify."), check="state")
        if login.used_at is not None:
            raise LaunchRefused(_("This launch was already used: a launch can only be used once "
                                  "(replay refused)."), check="replay")
        if login.expires_at <= self._now:
            raise LaunchRefused(_("The login expired before the launch arrived. Open the "
                                  "activity again."), check="state")
        self._login = login
        return self

    def validate_browser(self) -> CertifyMessageLaunch:
        """The launch must reach the browser that started the login (no login CSRF).

        Checked after the signature and nonce, so that the platform-storage check page is
        only ever shown for a genuine token.
        """
        login = self._login
        if state_cookie_matches(self._cookies, login.state):
            return self
        if login.storage_target and self._storage_checked:
            return self  # certify's own page found the state in the platform's storage
        if login.storage_target:
            raise PlatformStorageCheck(login)
        raise LaunchRefused(_("This launch did not come back to the browser that started it "
                              "(its login cookie is missing). Open the activity again from "
                              "the course; if it happens again, open it in a new window."),
                            check="browser")

    def validate_platform(self) -> CertifyMessageLaunch:
        """Issuer, audience and authorised party against the platform the login started with."""
        platform = self._login.platform
        if not platform.active:
            raise LaunchRefused(_("The platform %(name)s is not active in certify.",
                                  name=platform.name), check="issuer")
        claims = self.claims
        if claims.get("iss") != platform.issuer:
            raise LaunchRefused(_("The token was issued by %(issuer)s, not by the platform the "
                                  "login started with (%(expected)s).",
                                  issuer=str(claims.get("iss"))[:200], expected=platform.issuer),
                                check="issuer")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if platform.client_id not in audiences:
            raise LaunchRefused(_("The token is meant for %(audience)s, not for certify's client "
                                  "id %(client_id)s.", audience=str(audience)[:200],
                                  client_id=platform.client_id), check="audience")
        # OIDC Core 3.1.3.7: a token also meant for audiences certify does not trust (any
        # other than its client id) is refused.
        untrusted = [str(other) for other in audiences if other != platform.client_id]
        if untrusted:
            raise LaunchRefused(_("The token is also meant for %(audiences)s, which certify does "
                                  "not trust.", audiences=", ".join(untrusted)[:200]),
                                check="audience")
        azp = claims.get("azp")
        if (azp is not None or len(audiences) > 1) and azp != platform.client_id:
            raise LaunchRefused(_("The token's authorised party (azp) is %(azp)s, not certify's "
                                  "client id %(client_id)s.", azp=str(azp)[:200],
                                  client_id=platform.client_id), check="azp")
        self.platform = platform
        self._registration = PlatformRegistration(platform)
        return self

    def validate_jwt_signature(self) -> CertifyMessageLaunch:
        header = self._jwt["header"]
        if header.get("alg") != SIGNING_ALGORITHM:
            raise LaunchRefused(_("The token is signed with %(alg)s; certify accepts only RS256.",
                                  alg=str(header.get("alg"))[:20]), check="signature")
        kid = header.get("kid")
        if not kid or not isinstance(kid, str):
            raise LaunchRefused(_("The token does not say which key signed it (no kid)."),
                                check="signature")
        key = platform_key(self.platform, kid, session=self._requests_session, now=self._now)
        if key is None:
            raise LaunchRefused(_("The platform's key set has no key %(kid)s, even after fetching "
                                  "it again.", kid=kid[:100]), check="kid")
        try:
            jwt.decode(self._get_id_token(), key, algorithms=[SIGNING_ALGORITHM],
                       leeway=int(setting("CLOCK_LEEWAY")),
                       options={"require": ["exp", "iat"], "verify_aud": False})
        except jwt.InvalidSignatureError as error:
            raise LaunchRefused(_("The token's signature does not match the platform's key."),
                                check="signature") from error
        except jwt.ExpiredSignatureError as error:
            raise LaunchRefused(_("The token has expired."), check="exp") from error
        except jwt.ImmatureSignatureError as error:
            raise LaunchRefused(_("The token was issued in the future: check the platform's "
                                  "clock."), check="iat") from error
        except jwt.MissingRequiredClaimError as error:
            raise LaunchRefused(_("The token has no %(claim)s claim.", claim=error.claim),
                                check=error.claim, status=400) from error
        except jwt.InvalidTokenError as error:
            raise LaunchRefused(_("The token is not valid: %(error)s", error=str(error)[:200]),
                                check="signature") from error
        return self

    def validate_nonce(self) -> CertifyMessageLaunch:
        nonce = self.claims.get("nonce")
        if not nonce or not isinstance(nonce, str):
            raise LaunchRefused(_("The token has no nonce."), check="nonce", status=400)
        if not hmac.compare_digest(nonce.encode(), self._login.nonce.encode()):
            raise LaunchRefused(_("The token's nonce is not the one issued for this login: the "
                                  "token was replayed or belongs to another login."),
                                check="nonce")
        return self

    def validate_deployment(self) -> CertifyMessageLaunch:
        deployment_id = self.claims.get(DEPLOYMENT_CLAIM)
        if not deployment_id or not isinstance(deployment_id, str):
            raise LaunchRefused(_("The token has no deployment id."), check="deployment",
                                status=400)
        if deployment_id not in self.platform.deployment_ids:
            raise LaunchRefused(_("Deployment %(deployment)s is not registered for this "
                                  "platform.", deployment=deployment_id[:100]),
                                check="deployment")
        return self

    def validate_message(self) -> CertifyMessageLaunch:
        claims = self.claims
        version = claims.get(VERSION_CLAIM)
        if version != LTI_VERSION:
            raise LaunchRefused(_("The launch uses LTI version %(version)s; certify accepts "
                                  "1.3.0.", version=str(version)[:20]), check="version",
                                status=400)
        message_type = claims.get(MESSAGE_TYPE_CLAIM)
        if message_type not in SUPPORTED_MESSAGES:
            raise LaunchRefused(_("The message type %(type)s is not one certify handles.",
                                  type=str(message_type)[:60]), check="message_type",
                                status=400)
        if not isinstance(claims.get(ROLES_CLAIM), list):
            raise LaunchRefused(_("The launch has no roles claim."), check="roles", status=400)
        expected_target = self._login.target_link_uri
        if expected_target and claims.get(TARGET_LINK_CLAIM) != expected_target:
            raise LaunchRefused(_("The launch opens %(target)s, not what its login asked for "
                                  "(%(expected)s).", target=str(claims.get(TARGET_LINK_CLAIM))
                                  [:200], expected=expected_target[:200]),
                                check="target_link_uri", status=400)
        if not claims.get("sub") or not isinstance(claims["sub"], str):
            raise LaunchRefused(_("The launch does not say who the user is (no sub); anonymous "
                                  "launches are not supported."), check="sub", status=400)
        try:
            super().validate_message()  # pylti1p3's own checks of each message type
        except LtiException as error:
            raise LaunchRefused(_("The launch message is not valid: %(reason)s",
                                  reason=str(error)[:200]), check="message",
                                status=400) from error
        return self

    def consume_state(self) -> CertifyMessageLaunch:
        """Use the login once; of two copies of a launch arriving together, one wins."""
        used = db.session.execute(
            sa.update(LoginState)
            .where(LoginState.id == self._login.id, LoginState.used_at.is_(None))
            .values(used_at=self._now).execution_options(synchronize_session=False)
        ).rowcount
        if not used:
            raise LaunchRefused(_("This launch was already used: a launch can only be used once "
                                  "(replay refused)."), check="replay")
        return self

    def save_launch_data(self) -> CertifyMessageLaunch:
        # Only the claims: the state is single use, so pylti1p3's state-to-token record is moot.
        storage = self._session_service.data_storage
        storage.add_value(self._launch_id, self._jwt["body"],
                          int(setting("LAUNCH_DATA_HOURS")) * 3600)
        return self

    def registered_platform(self) -> LtiPlatform:
        """The platform of this launch (also of one restored from the cache)."""
        if self.platform is None:
            self.platform = db.session.get(LtiPlatform, self._registration.platform_id)
        return self.platform

    def is_deep_linking(self) -> bool:
        return self.claims.get(MESSAGE_TYPE_CLAIM) == DEEP_LINKING_REQUEST


def restore_launch(launch_id: str, request: FlaskRequest) -> CertifyMessageLaunch | None:
    """A launch validated earlier, from its cached claims; None if unknown or expired."""
    try:
        return CertifyMessageLaunch.from_cache(launch_id, request, DatabaseToolConf())
    except LtiException:
        return None
