"""Platforms registered by hand (admin pages, ``certify lti register-platform``), registration
links for Dynamic Registration, and the values a platform administrator pastes into Moodle."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from certify.accounts.models import Person
from certify.cohorts.models import Cohort
from certify.core import audit
from certify.core.clock import utcnow
from certify.core.errors import Conflict, ValidationError
from certify.core.lookups import get_or_not_found
from certify.extensions import db
from certify.lti.keys import signing_key
from certify.lti.models import LtiContext, LtiDeployment, LtiPlatform, RegistrationInvite
from certify.lti.settings import setting
from certify.programmes.models import Programme

NAME_MAX_LENGTH = 120
URL_FIELDS = ("issuer", "auth_login_url", "auth_token_url", "key_set_url", "auth_audience")
# Moodle's endpoints, relative to the site's address (the issuer).
MOODLE_PATHS = {"auth_login_url": "/mod/lti/auth.php", "auth_token_url": "/mod/lti/token.php",
                "key_set_url": "/mod/lti/certs.php"}


# --- what to paste into the platform -----------------------------------------------------------

def tool_url(endpoint: str, **values) -> str:
    """An absolute URL of certify, on its public address (``CERTIFY_BASE_URL``).

    Built from the URL map, so it works in commands and jobs too, outside any request.
    """
    base = current_app.config["BASE_URL"]
    adapter = current_app.url_map.bind(urlsplit(base).netloc or "localhost")
    return base.rstrip("/") + adapter.build(endpoint, values)


@dataclass(frozen=True)
class ToolValues:
    """What a platform administrator needs to register certify by hand."""

    name: str
    tool_url: str
    login_url: str
    redirect_url: str
    key_set_url: str
    deep_linking_url: str
    public_key: str
    kid: str

    def as_rows(self) -> list[tuple[str, str]]:
        return [
            (_("Tool URL"), self.tool_url),
            (_("Initiate login URL"), self.login_url),
            (_("Redirection URI(s)"), self.redirect_url),
            (_("Public keyset URL"), self.key_set_url),
            (_("Content selection URL (deep linking)"), self.deep_linking_url),
        ]


def tool_values() -> ToolValues:
    key = signing_key()
    launch = tool_url("lti.launch")
    return ToolValues(name=str(setting("TOOL_NAME")), tool_url=launch,
                      login_url=tool_url("lti.login"), redirect_url=launch,
                      key_set_url=tool_url("lti.jwks"), deep_linking_url=launch,
                      public_key=key.public_pem, kid=key.kid)


# --- what will go wrong, said before it does ---------------------------------------------------

def certify_address_warnings() -> list[str]:
    """Problems of certify's own address that would otherwise show later as failed
    registrations and launches, or people signed out inside Moodle."""
    warnings = []
    base = current_app.config["BASE_URL"]
    parts = urlsplit(base)
    if _is_loopback(parts.hostname or ""):
        warnings.append(_("certify's address (CERTIFY_BASE_URL) is %(url)s, which only this "
                          "machine can reach: Moodle and the officials' browsers cannot. Set "
                          "certify's public https address before registering it in Moodle.",
                          url=base))
    elif parts.scheme != "https":
        warnings.append(_("certify's address (CERTIFY_BASE_URL) %(url)s is not https: browsers "
                          "do not keep certify's session inside Moodle's page over http.",
                          url=base))
    return warnings


def platform_address_warnings(platform: LtiPlatform) -> list[str]:
    """The same for a platform's address: Moodle on http (allowed on this machine only)."""
    plain = next((url for url in (platform.issuer, platform.auth_login_url)
                  if urlsplit(url).scheme != "https"), None)
    if plain is None:
        return []
    return [_("The platform's address %(url)s is http, not https: browsers refuse certify's "
              "cookies inside its pages, so launches fail or people are signed out. Register "
              "Moodle by its https address.", url=plain)]


# --- checking what people type -----------------------------------------------------------------

def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_platform_url(value: str | None, field: str, *, required: bool = True) -> str | None:
    """An absolute https URL (http only for this machine, for development and tests)."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError(_("Some of the platform's details are missing."),
                                  errors={field: [_("required")]})
        return None
    parts = urlsplit(value)
    secure = parts.scheme == "https" or (parts.scheme == "http"
                                         and _is_loopback(parts.hostname or ""))
    if not parts.netloc or not secure or parts.fragment or len(value) > 1000:
        message = _("must be an https:// address")
        raise ValidationError(_("%(value)s is not a usable address: it %(problem)s.",
                                value=value[:200], problem=message), errors={field: [message]})
    return value.rstrip("/") if field == "issuer" else value


def clean_deployment_ids(values: Iterable[str]) -> list[str]:
    ids = list(dict.fromkeys(value.strip() for value in values if value and value.strip()))
    if not ids:
        raise ValidationError(_("Give at least one deployment id."),
                              errors={"deployment_ids": [_("required")]})
    too_long = [value for value in ids if len(value) > 255]
    if too_long:
        message = _("at most 255 characters each")
        raise ValidationError(message, errors={"deployment_ids": [message]})
    return ids


def moodle_endpoints(site_url: str) -> dict[str, str]:
    """The login, token and key set URLs of a Moodle site (its address is the issuer)."""
    site = check_platform_url(site_url, "issuer")
    return {"issuer": site, **{name: site + path for name, path in MOODLE_PATHS.items()}}


# --- platforms ---------------------------------------------------------------------------------

def get_platform(platform_id: int) -> LtiPlatform:
    return get_or_not_found(
        LtiPlatform, platform_id, _("There is no platform with id %(id)s.", id=platform_id))


def platforms_query() -> sa.Select:
    return (sa.select(LtiPlatform)
            .options(selectinload(LtiPlatform.deployments), selectinload(LtiPlatform.programme))
            .order_by(LtiPlatform.name, LtiPlatform.id))


def _check_unique(issuer: str, *, except_id: int | None = None) -> None:
    """One platform per issuer: a second would split its courses into two cohorts each."""
    query = sa.select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if except_id is not None:
        query = query.where(LtiPlatform.id != except_id)
    other = db.session.scalar(query.limit(1))
    if other is not None:
        message = _("already registered as %(name)s", name=other.name)
        raise Conflict(_("The platform %(issuer)s is already registered in certify as "
                         "%(name)s: change that one instead.", issuer=issuer,
                         name=other.name), errors={"issuer": [message]})


def _checked(values: dict) -> dict:
    name = (values.get("name") or "").strip()
    client_id = (values.get("client_id") or "").strip()
    errors = {}
    if not name or len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("required, at most %(num)s characters", num=NAME_MAX_LENGTH)]
    if not client_id or len(client_id) > 255:
        errors["client_id"] = [_("required, at most 255 characters")]
    checked = {"name": name, "client_id": client_id}
    for field in URL_FIELDS:
        try:
            checked[field] = check_platform_url(values.get(field), field,
                                                required=field != "auth_audience")
        except ValidationError as error:
            errors.update(error.errors)
    try:
        checked["deployment_ids"] = clean_deployment_ids(values.get("deployment_ids") or [])
    except ValidationError as error:
        errors.update(error.errors)
    if errors:
        raise ValidationError(_("Some of the platform's details are not valid: %(fields)s.",
                                fields=", ".join(sorted(errors))), errors=errors)
    checked["programme"] = values.get("programme")
    checked["trusted_for_email"] = bool(values.get("trusted_for_email"))
    checked["active"] = bool(values.get("active", True))
    return checked


def _set_deployments(platform: LtiPlatform, deployment_ids: list[str]) -> None:
    current = {deployment.deployment_id: deployment for deployment in platform.deployments}
    platform.deployments[:] = [current.get(value) or LtiDeployment(deployment_id=value)
                               for value in deployment_ids]


def save_platform(platform: LtiPlatform | None = None, *, actor: Person | None = None,
                  **values) -> LtiPlatform:
    """Create a platform (``platform`` None) or change one; everything is checked first.

    ``values``: name, issuer, client_id, auth_login_url, auth_token_url, key_set_url,
    auth_audience (optional), deployment_ids (a list), programme, trusted_for_email,
    active. Raises ``ValidationError`` naming each bad field, ``Conflict`` when another
    platform has this issuer.
    """
    checked = _checked(values)
    _check_unique(checked["issuer"], except_id=platform.id if platform else None)
    action = "lti_platform.created" if platform is None else "lti_platform.changed"
    if platform is None:
        platform = LtiPlatform(registered_by="hand")
        db.session.add(platform)
    elif platform.key_set_url != checked["key_set_url"]:
        platform.key_set, platform.key_set_fetched_at = None, None  # another key set now
    for field in ("name", "issuer", "client_id", *URL_FIELDS[1:], "programme",
                  "trusted_for_email", "active"):
        setattr(platform, field, checked[field])
    _set_deployments(platform, checked["deployment_ids"])
    db.session.flush()
    audit.record(action, platform, actor=actor, issuer=platform.issuer,
                 client_id=platform.client_id, active=platform.active)
    return platform


def contexts_of(platform: LtiPlatform) -> list[LtiContext]:
    """The platform's courses with their cohorts, by title."""
    return list(db.session.scalars(
        sa.select(LtiContext).where(LtiContext.platform_id == platform.id)
        .options(selectinload(LtiContext.cohort))
        .order_by(LtiContext.title, LtiContext.id)))


def get_context(context_id: int) -> LtiContext:
    return get_or_not_found(
        LtiContext, context_id, _("There is no linked course with id %(id)s.", id=context_id))


def link_context_to_cohort(context: LtiContext, cohort: Cohort) -> LtiContext:
    """Make the course ``context`` be ``cohort`` (of the platform's programme) from now on."""
    programme = context.platform.programme or context.cohort.programme
    if cohort.programme_id != programme.id:
        message = _("must be a cohort of %(programme)s", programme=programme.title_in())
        raise ValidationError(message, errors={"cohort_id": [message]})
    context.cohort = cohort
    db.session.flush()
    return context


def programmes() -> list[Programme]:
    return list(db.session.scalars(sa.select(Programme).order_by(Programme.code)))


# --- registration links ------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(*, by: Person, now: datetime | None = None) -> tuple[RegistrationInvite, str]:
    """A single-use registration link; returns the invite and the URL to hand out (shown once)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(24)
    invite = RegistrationInvite(token_hash=_hash(token), created_by=by, created_at=now,
                                expires_at=now + timedelta(days=int(setting("INVITE_DAYS"))))
    db.session.add(invite)
    db.session.flush()
    return invite, tool_url("lti.register", invite=token)


def find_invite(token: str | None, now: datetime | None = None) -> RegistrationInvite | None:
    """The unused, unexpired invite with this token, or None."""
    if not token:
        return None
    invite = db.session.scalar(sa.select(RegistrationInvite).where(
        RegistrationInvite.token_hash == _hash(token)))
    if invite is None or invite.used_at is not None or invite.expires_at <= (now or utcnow()):
        return None
    return invite
