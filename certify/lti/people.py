"""The people of a platform: LTI roles to certify's, and platform users (issuer + subject) to
persons through ``LtiUser``, created on first sight from the name and e-mail claims.

Used by launches (``certify.lti.services``) and roster syncs (``certify.lti.roster``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from certify.accounts import services as accounts
from certify.accounts.models import Person, Role
from certify.config import LOCALES
from certify.core.errors import Conflict, ValidationError
from certify.core.i18n import DEFAULT_LANGUAGE
from certify.extensions import db
from certify.lti.models import LtiPlatform, LtiUser

PRESENTATION_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
ADMINISTRATOR_ROLES = frozenset({
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
})
TUTOR_ROLE_NAMES = frozenset({"Instructor", "TeachingAssistant", "ContentDeveloper"})

# People without an e-mail claim (or whose e-mail must not be linked) get an address that
# cannot receive mail, unique per platform user; managers can change it later.
PLACEHOLDER_DOMAIN = "lti-users.certify.example"
LAUNCH_TIME_PRECISION = timedelta(minutes=10)  # of LtiUser.last_launch_at


# --- roles -------------------------------------------------------------------------------------

def role_name(uri: str) -> str:
    return uri.rsplit("#", 1)[-1] if "#" in uri else uri.rsplit("/", 1)[-1]


def map_roles(role_uris: Iterable[str]) -> set[Role]:
    """certify's roles for LTI roles: Learner -> official; Instructor, TeachingAssistant,
    ContentDeveloper -> tutor; Administrator -> manager.

    Course roles count (``membership#...``, also in their short form); of the system and
    institution roles only Administrator does: being an instructor somewhere in the
    institution does not make someone a tutor of this course.
    """
    roles: set[Role] = set()
    for uri in role_uris:
        if not isinstance(uri, str):
            continue
        if uri in ADMINISTRATOR_ROLES:
            roles.add(Role.MANAGER)
            continue
        if not (uri.startswith(MEMBERSHIP) or "/" not in uri):
            continue
        name = role_name(uri)
        if name == "Learner":
            roles.add(Role.OFFICIAL)
        elif name in TUTOR_ROLE_NAMES:
            roles.add(Role.TUTOR)
        elif name == "Administrator":
            roles.add(Role.MANAGER)
    return roles


def is_staff(roles: set[Role]) -> bool:
    return bool(roles & {Role.TUTOR, Role.MANAGER})


# --- people ------------------------------------------------------------------------------------

def claimed_locale(claims: Mapping) -> str | None:
    """certify's locale for the language the claims ask for (a launch's ``locale`` or
    ``launch_presentation.locale``, a roster member's ``locale``); None if they ask none."""
    presentation = claims.get(PRESENTATION_CLAIM)
    tag = str((presentation.get("locale") if isinstance(presentation, Mapping) else None)
              or claims.get("locale") or "")
    language = tag.replace("-", "_").split("_")[0].lower()
    if not language:
        return None
    return next((locale for locale in LOCALES if locale.split("_")[0] == language), None)


def follow_platform_locale(link: LtiUser, locale: str | None) -> None:
    """The person's language follows the platform's, unless they chose another in certify.

    They chose one when their preference is no longer the one the platform last gave
    (``LtiUser.platform_locale``); an account that existed before the platform linked it
    keeps its own until the platform has given one.
    """
    if locale is None or link.platform_locale == locale:
        return
    person = link.person
    platform_set_it = (person.preferred_locale == link.platform_locale
                       if link.platform_locale is not None else link.created_person)
    if platform_set_it and person.preferred_locale != locale:
        person.preferred_locale = locale
    if platform_set_it:
        link.platform_locale = locale


def _names(claims: Mapping, subject: str) -> tuple[str, str]:
    given = str(claims.get("given_name") or "").strip()
    family = str(claims.get("family_name") or "").strip()
    full = str(claims.get("name") or "").strip()
    if not given and full:
        given, _space, rest = full.partition(" ")
        family = family or rest
    return (given or _("Participant"))[:120], (family or subject)[:120]


def placeholder_email(issuer: str, subject: str) -> str:
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:24]
    return f"lti-{digest}@{PLACEHOLDER_DOMAIN}"


def _usable_email(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return accounts.normalise_email(value)
    except ValidationError:
        return None


def find_lti_users(issuer: str, subjects: Iterable[str]) -> dict[str, LtiUser]:
    """``{subject: LtiUser}`` for these subjects of ``issuer``, people loaded, in one query."""
    subjects = list(dict.fromkeys(subjects))
    if not subjects:
        return {}
    rows = db.session.scalars(
        sa.select(LtiUser).where(LtiUser.issuer == issuer, LtiUser.subject.in_(subjects))
        .options(joinedload(LtiUser.person).joinedload(Person.role_grants))).unique()
    return {row.subject: row for row in rows}


def link_person(platform: LtiPlatform, subject: str, claims: Mapping, *,
                now: datetime, existing: LtiUser | None = None,
                launched: bool = True) -> LtiUser:
    """The ``LtiUser`` of this platform user, creating the person on first sight.

    A new person gets the name, e-mail and language of the claims (else the language of
    the platform's launches). When someone already has that e-mail, the account is linked
    only if the platform is trusted for e-mail; otherwise certify creates a separate account
    with a placeholder e-mail rather than hand an existing account to whoever the platform
    says has that address. ``launched``: the claims are a launch's (not a roster's).
    """
    link = existing or find_lti_users(platform.issuer, [subject]).get(subject)
    locale = claimed_locale(claims)
    if link is not None:
        follow_platform_locale(link, locale)
        # Minutes are precision enough, and most launches then write nothing here.
        if launched and (link.last_launch_at is None
                         or now - link.last_launch_at > LAUNCH_TIME_PRECISION):
            link.last_launch_at = now
        return link
    locale = locale or platform.locale or DEFAULT_LANGUAGE
    email = _usable_email(claims.get("email"))
    try:
        # One savepoint for the person and the link: the first launch of a user may run twice
        # at once (a double click), and the second must find the first one's work.
        with db.session.begin_nested():
            owner = accounts.find_person_by_email(email) if email else None
            if owner is not None and platform.trusted_for_email:
                person, created = owner, False
            else:
                given, family = _names(claims, subject)
                person = accounts.create_person(
                    email=email if email and owner is None
                    else placeholder_email(platform.issuer, subject),
                    given_names=given, family_names=family, preferred_locale=locale,
                    roles=())
                created = True
            link = LtiUser(issuer=platform.issuer, subject=subject, person=person,
                           created_person=created, created_at=now,
                           last_launch_at=now if launched else None,
                           platform_locale=locale if created else None)
            db.session.add(link)
    except (IntegrityError, Conflict):
        concurrent = find_lti_users(platform.issuer, [subject]).get(subject)
        if concurrent is None:
            raise
        return concurrent
    return link


def grant_roles(person: Person, roles: Iterable[Role]) -> None:
    """Give ``person`` the roles the platform says they have; never takes roles away and
    never grants administrator."""
    for role in roles:
        if role is not Role.ADMIN and role not in person.roles:
            accounts.grant_role(person, role)
