"""LTI Dynamic Registration 1.0: a platform administrator pastes one URL, certify does the rest.

The platform (Moodle: *Register a tool by URL*) opens ``/lti/register?openid_configuration=
...&registration_token=...``. certify reads the platform's OpenID configuration, checks it
(the issuer is the configuration's own site, the endpoints are usable), posts its own client
registration to the platform's ``registration_endpoint`` with the registration token, and
stores the platform with the client id and deployment id the platform answers. pylti1p3
does not do this part.

The URL must carry a registration link's token (``invite``), created by a manager: the
endpoint is reached anonymously, and an unknown site must not register itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from flask_babel import gettext as _

from certify.core import audit
from certify.core.clock import utcnow
from certify.core.errors import ValidationError
from certify.extensions import db
from certify.lti.connector import platform_answer, platform_session
from certify.lti.errors import PlatformError
from certify.lti.grades import LINEITEM_READ_SCOPE, LINEITEM_SCOPE, SCORE_SCOPE
from certify.lti.models import LtiDeployment, LtiPlatform, RegistrationInvite
from certify.lti.platforms import check_platform_url, tool_url
from certify.lti.services import programme_of
from certify.lti.settings import setting

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
MEMBERSHIP_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
WANTED_SCOPES = (LINEITEM_SCOPE, LINEITEM_READ_SCOPE, RESULT_SCOPE, SCORE_SCOPE, MEMBERSHIP_SCOPE)
CLAIMS = ["iss", "sub", "name", "given_name", "family_name", "email", "locale"]
MAX_ANSWER = 1_000_000  # bytes of a configuration or registration answer certify reads


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def _get_json(session: requests.Session, url: str, token: str | None) -> dict:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = session.get(url, headers=headers)
    except requests.RequestException as error:
        raise PlatformError(_("The platform's configuration at %(url)s could not be read: "
                              "%(error)s", url=url, error=str(error)[:300])) from error
    if not response.ok:
        raise PlatformError(_("The platform's configuration at %(url)s could not be read: "
                              "%(answer)s", url=url, answer=platform_answer(response)))
    try:
        body = response.json() if len(response.content) <= MAX_ANSWER else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PlatformError(_("The platform's configuration at %(url)s is not a JSON object.",
                              url=url))
    return body


def check_configuration(configuration: Mapping, configuration_url: str) -> dict:
    """The platform's OpenID configuration, checked; ``PlatformError`` says what is wrong."""
    issuer = configuration.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise PlatformError(_("The platform's configuration has no issuer."), retryable=False)
    # The spec's rule: the configuration must come from the issuer's own site.
    if _origin(issuer) != _origin(configuration_url):
        raise PlatformError(_("The configuration at %(url)s speaks for %(issuer)s, another "
                              "site.", url=configuration_url, issuer=issuer), retryable=False)
    checked = {}
    for field in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                  "registration_endpoint"):
        try:
            checked[field] = check_platform_url(configuration.get(field), field)
        except ValidationError as error:
            raise PlatformError(_("The platform's configuration has no usable %(field)s.",
                                  field=field), retryable=False) from error
    methods = configuration.get("token_endpoint_auth_methods_supported")
    if isinstance(methods, list) and "private_key_jwt" not in methods:
        raise PlatformError(_("The platform does not accept signed client assertions "
                              "(private_key_jwt)."), retryable=False)
    algorithms = configuration.get("id_token_signing_alg_values_supported")
    if isinstance(algorithms, list) and "RS256" not in algorithms:
        raise PlatformError(_("The platform does not sign with RS256."), retryable=False)
    supported = configuration.get("scopes_supported")
    checked["scopes"] = [scope for scope in WANTED_SCOPES
                         if not isinstance(supported, list) or scope in supported]
    platform_configuration = configuration.get(PLATFORM_CONFIGURATION)
    checked["product"] = (platform_configuration or {}).get("product_family_code") \
        if isinstance(platform_configuration, Mapping) else None
    return checked


def tool_registration(scopes: list[str]) -> dict:
    """certify's client registration request (the spec's section 3.5.2)."""
    launch = tool_url("lti.launch")
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool_url("lti.login"),
        "redirect_uris": [launch],
        "client_name": str(setting("TOOL_NAME")),
        "jwks_uri": tool_url("lti.jwks"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: {
            "domain": urlsplit(launch).netloc,
            "description": _("Modules, quizzes, in-person sessions and group prototypes of the "
                             "certification programme."),
            "target_link_uri": launch,
            "claims": CLAIMS,
            "messages": [{"type": "LtiDeepLinkingRequest", "target_link_uri": launch,
                          "label": _("Add certify activities")}],
        },
    }


def register_with_platform(configuration_url: str, registration_token: str | None, *,
                           invite: RegistrationInvite,
                           now: datetime | None = None) -> LtiPlatform:
    """Register certify with the platform whose configuration is at ``configuration_url``.

    Returns the stored platform (updated if this issuer was known). Raises
    ``PlatformError`` with the platform's answer when anything fails; nothing is stored then.
    """
    now = now or utcnow()
    configuration_url = check_platform_url(configuration_url, "openid_configuration")
    session = platform_session()
    configuration = _get_json(session, configuration_url, registration_token)
    checked = check_configuration(configuration, configuration_url)
    request_body = tool_registration(checked["scopes"])
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = session.post(checked["registration_endpoint"], json=request_body,
                                headers=headers)
    except requests.RequestException as error:
        raise PlatformError(_("The platform could not be reached: %(error)s",
                              error=str(error)[:300])) from error
    if not response.ok:
        raise PlatformError(_("The platform refused the registration: %(answer)s",
                              answer=platform_answer(response)), retryable=False)
    try:
        answer = response.json()
    except ValueError:
        answer = None
    client_id = answer.get("client_id") if isinstance(answer, dict) else None
    if not isinstance(client_id, str) or not client_id:
        raise PlatformError(_("The platform accepted the registration but sent no client id: "
                              "%(answer)s", answer=platform_answer(response)), retryable=False)
    tool_configuration = answer.get(TOOL_CONFIGURATION) or {}
    deployment_id = tool_configuration.get("deployment_id") \
        if isinstance(tool_configuration, Mapping) else None

    # One platform per issuer: registering again from the same Moodle (its "Update" of the
    # tool) updates that platform, client id included, so its courses keep their cohorts.
    platform = db.session.scalar(sa.select(LtiPlatform).where(
        LtiPlatform.issuer == checked["issuer"]).order_by(LtiPlatform.id).limit(1))
    if platform is not None:
        platform.client_id = client_id
    else:
        host = urlsplit(checked["issuer"]).netloc
        platform = LtiPlatform(name=f"{checked['product'] or 'LTI'} · {host}"[:120],
                               issuer=checked["issuer"], client_id=client_id,
                               registered_by="dynamic", trusted_for_email=False, active=True)
        db.session.add(platform)
    platform.auth_login_url = checked["authorization_endpoint"]
    platform.auth_token_url = checked["token_endpoint"]
    platform.key_set_url = checked["jwks_uri"]
    platform.key_set, platform.key_set_fetched_at = None, None
    platform.registration_details = {
        "openid_configuration_url": configuration_url, "registered_at": now.isoformat(),
        "scopes": checked["scopes"], "answer": answer}
    if platform.programme is None:
        platform.programme = programme_of(platform)
    if isinstance(deployment_id, str) and deployment_id and \
            deployment_id not in platform.deployment_ids:
        platform.deployments.append(LtiDeployment(deployment_id=deployment_id[:255]))
    invite.used_at, invite.platform = now, platform
    db.session.flush()
    audit.record("lti_platform.registered", platform, actor=invite.created_by,
                 issuer=platform.issuer, client_id=platform.client_id, invite_id=invite.id)
    return platform
