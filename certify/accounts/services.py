"""Use cases for people, roles, places and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from certify.accounts.models import (
    ApiToken,
    Country,
    Gender,
    Municipality,
    MunicipalityKind,
    Person,
    Region,
    Role,
    RoleGrant,
    new_session_stamp,
)
from certify.accounts.passwords import check_password
from certify.config import LOCALES
from certify.core import audit
from certify.core.clock import utcnow
from certify.core.errors import Conflict, PermissionDenied, ValidationError
from certify.core.lookups import get_or_not_found
from certify.core.text import check_text
from certify.core.timezones import is_known_zone
from certify.extensions import db

TOKEN_PREFIX = "cfy_"
# How fresh an API token's last_used_at is kept: writing it on every request would turn
# every read into a write.
TOKEN_USE_RESOLUTION = timedelta(hours=1)


@cache
def _dummy_hash() -> str:
    """Checked against when the e-mail is unknown, so timing does not reveal which accounts
    exist. Made at the first sign-in, not at import: hashing costs a third of a second of
    CPU, which every command and worker process would pay for nothing."""
    return generate_password_hash("certify-timing-equaliser")


# --- validation shared by forms, API and CSV import -------------------------------------------

def normalise_email(value: str) -> str:
    """The canonical spelling of an address, or ``ValidationError`` saying what is wrong."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValidationError(str(error), errors={"email": [str(error)]}) from error


def check_birth_year(year: int | None) -> None:
    if year is None:
        return
    this_year = utcnow().year
    if not 1930 <= year <= this_year - 15:
        message = f"birth year must be between 1930 and {this_year - 15}"
        raise ValidationError(message, errors={"birth_year": [message]})


NAME_FIELDS = ("given_names", "family_names", "position")


def check_names(**values: str | None) -> None:
    """Names end up on certificates and in lists: refuse what would print differently from
    what it holds (``certify.core.text``), whichever road they came by (form, API, CSV, LTI)."""
    for field, value in values.items():
        check_text(value, field)


def check_locale(locale: str) -> None:
    if locale not in LOCALES:
        message = f"locale must be one of {', '.join(LOCALES)}"
        raise ValidationError(message, errors={"preferred_locale": [message]})


# --- people ------------------------------------------------------------------------------------

def find_person_by_email(email: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.email == email.strip().lower()))


def get_person(person_id: int) -> Person:
    return get_or_not_found(
        Person, person_id, _("There is no person with id %(id)s.", id=person_id))


def create_person(*, email: str, given_names: str, family_names: str,
                  municipality: Municipality | None = None, position: str | None = None,
                  gender: Gender | str | None = None, birth_year: int | None = None,
                  preferred_locale: str = "es", password: str | None = None,
                  roles: Iterable[Role | str] = (Role.OFFICIAL,),
                  actor: Person | None = None) -> Person:
    """Create a person with the given roles; the e-mail must not be in use (any case).
    Audit-logged (``actor`` None: the system, a command or an import)."""
    email = normalise_email(email)
    if find_person_by_email(email) is not None:
        raise Conflict(_("%(email)s is already registered.", email=email),
                       errors={"email": [_("already registered")]})
    if not given_names.strip() or not family_names.strip():
        raise ValidationError(_("Given and family names are required."),
                              errors={"given_names": [_("required")], "family_names": [_("required")]})
    check_names(given_names=given_names, family_names=family_names, position=position)
    check_birth_year(birth_year)
    check_locale(preferred_locale)
    person = Person(
        email=email, given_names=given_names.strip(), family_names=family_names.strip(),
        municipality=municipality, position=(position or "").strip() or None,
        gender=Gender(gender) if gender else None, birth_year=birth_year,
        preferred_locale=preferred_locale,
    )
    if password is not None:
        set_password(person, password)
    db.session.add(person)
    for role in roles:
        _grant(person, Role(role), None)
    db.session.flush()
    audit.record("person.created", person, actor=actor,
                 roles=sorted(grant.role.value for grant in person.role_grants))
    return person


# What the audit log says about a change: which fields, never their values (personal data).
_AUDITED_FIELDS = ("email", "given_names", "family_names", "municipality", "position", "gender",
                   "birth_year", "preferred_locale", "time_zone")


def update_person(person: Person, *, actor: Person | None = None, **changes) -> Person:
    """Change a person's details; ``email`` changes are checked for uniqueness. Audit-logged:
    the fields that changed (not their values), and deactivation or reactivation."""
    before = {name: getattr(person, name) for name in (*_AUDITED_FIELDS, "active")}
    if "email" in changes:
        email = normalise_email(changes.pop("email"))
        other = find_person_by_email(email)
        if other is not None and other.id != person.id:
            raise Conflict(_("%(email)s is already registered.", email=email),
                       errors={"email": [_("already registered")]})
        person.email = email
    check_names(**{field: changes[field] for field in NAME_FIELDS if field in changes})
    if "birth_year" in changes:
        check_birth_year(changes["birth_year"])
    if "preferred_locale" in changes:
        check_locale(changes["preferred_locale"])
    if changes.get("time_zone") and not is_known_zone(changes["time_zone"]):
        message = _("%(zone)s is not a time zone.", zone=changes["time_zone"])
        raise ValidationError(message, errors={"time_zone": [message]})
    if changes.get("gender"):
        changes["gender"] = Gender(changes["gender"])
    if changes.get("active") is False and person.active:
        if actor is not None and actor.id == person.id:
            # Nobody locks themselves out: another manager or an administrator must do it.
            raise PermissionDenied(_("You cannot deactivate your own account."))
        end_sessions(person)
    for name, value in changes.items():
        setattr(person, name, value)
    db.session.flush()
    changed = [name for name in _AUDITED_FIELDS if getattr(person, name) != before[name]]
    if changed:
        audit.record("person.updated", person, actor=actor, fields=changed)
    if person.active != before["active"]:
        audit.record("person.reactivated" if person.active else "person.deactivated", person,
                     actor=actor)
    return person


def set_password(person: Person, password: str) -> None:
    """Give ``person`` a new password, which ends every session they have open elsewhere."""
    check_password(password, personal=(person.email, person.given_names, person.family_names))
    person.password_hash = generate_password_hash(password)
    end_sessions(person)


def end_sessions(person: Person) -> None:
    """Sign ``person`` out everywhere: every session and remember cookie stops working."""
    person.session_stamp = new_session_stamp()


def authenticate(email: str, password: str) -> Person | None:
    """The active person with this e-mail and password, or None."""
    person = find_person_by_email(email)
    if person is None or person.password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(person.password_hash, password) or not person.active:
        return None
    return person


def grant_role(person: Person, role: Role | str, programme_id: int | None = None, *,
               actor: Person | None = None) -> RoleGrant:
    """Give ``person`` a role (idempotent), optionally only within one programme;
    a new grant is audit-logged."""
    role = Role(role)
    for grant in person.role_grants:
        if grant.role is role and grant.programme_id == programme_id:
            return grant
    grant = _grant(person, role, programme_id)
    db.session.flush()
    audit.record("role.granted", person, actor=actor, role=role.value, programme_id=programme_id)
    return grant


def _grant(person: Person, role: Role, programme_id: int | None) -> RoleGrant:
    grant = RoleGrant(role=role, programme_id=programme_id)
    person.role_grants.append(grant)
    return grant


def revoke_role(person: Person, role: Role | str, *, actor: Person | None = None) -> None:
    """Take a role away (every programme's grant of it); audit-logged if they held it."""
    role = Role(role)
    held = [grant for grant in person.role_grants if grant.role is role]
    if not held:
        return
    person.role_grants[:] = [grant for grant in person.role_grants if grant.role is not role]
    db.session.flush()
    audit.record("role.revoked", person, actor=actor, role=role.value)


def people_query(*, search: str | None = None, role: Role | str | None = None,
                 municipality_id: int | None = None, country_code: str | None = None) -> sa.Select:
    """A select of people, filtered, ordered by family names."""
    query = sa.select(Person).order_by(*Person.by_name())
    if search and search.strip():
        query = query.where(Person.name_or_email_contains(search))
    if role:
        query = query.where(Person.role_grants.any(RoleGrant.role == Role(role)))
    if municipality_id:
        query = query.where(Person.municipality_id == municipality_id)
    if country_code:
        query = query.join(Person.municipality).join(Municipality.region).join(Region.country) \
            .where(Country.code == country_code.upper())
    return query


def namesakes(given_names: str, family_names: str, municipality: Municipality | None
              ) -> list[Person]:
    """People of ``municipality`` with the same name, accents and case aside: before creating
    an account at the door, the likely duplicates."""
    search_name = Person.name_keys(given_names, family_names)["search_name"]
    place = Person.municipality_id == municipality.id if municipality else \
        Person.municipality_id.is_(None)
    return list(db.session.scalars(
        sa.select(Person).where(Person.search_name == search_name, place)
        .order_by(*Person.by_name())))


# --- places ------------------------------------------------------------------------------------

def ensure_country(code: str, name: str) -> Country:
    country = db.session.scalar(sa.select(Country).where(Country.code == code.upper()))
    if country is None:
        country = Country(code=code.upper(), name=name)
        db.session.add(country)
        db.session.flush()
    return country


def ensure_region(country: Country, name: str) -> Region:
    region = db.session.scalar(
        sa.select(Region).where(Region.country_id == country.id, Region.name == name)
    )
    if region is None:
        region = Region(country=country, name=name)
        db.session.add(region)
        db.session.flush()
    return region


def ensure_municipality(region: Region, name: str, kind: MunicipalityKind | str,
                        population: int | None = None) -> Municipality:
    """The municipality of that name in ``region``, created or updated."""
    municipality = db.session.scalar(
        sa.select(Municipality).where(Municipality.region_id == region.id, Municipality.name == name)
    )
    if municipality is None:
        municipality = Municipality(region=region, name=name)
        db.session.add(municipality)
    municipality.kind = MunicipalityKind(kind)
    municipality.population = population
    db.session.flush()
    return municipality


def get_municipality(municipality_id: int) -> Municipality:
    return get_or_not_found(
        Municipality, municipality_id,
        _("There is no municipality with id %(id)s.", id=municipality_id))


def countries() -> list[Country]:
    """Every country with its regions, by name."""
    return list(db.session.scalars(
        sa.select(Country).order_by(Country.name).options(selectinload(Country.regions))
    ))


def municipalities_query(*, country_code: str | None = None, kind: str | None = None,
                         search: str | None = None) -> sa.Select:
    query = (sa.select(Municipality).join(Municipality.region).join(Region.country)
             .order_by(Country.name, Region.name, Municipality.name))
    if country_code:
        query = query.where(Country.code == country_code.upper())
    if kind:
        query = query.where(Municipality.kind == MunicipalityKind(kind))
    if search:
        query = query.where(sa.func.lower(Municipality.name).like(f"%{search.strip().lower()}%"))
    return query


def municipality_index() -> dict[tuple[str, str], Municipality]:
    """Every municipality keyed by (lower-case name, country code), for imports."""
    rows = db.session.execute(
        sa.select(Municipality, Country.code).join(Municipality.region).join(Region.country)
    ).all()
    return {(municipality.name.lower(), code): municipality for municipality, code in rows}


# --- API tokens --------------------------------------------------------------------------------

def _hash_token(plaintext: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is as safe as a slow one here.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def issue_api_token(person: Person, name: str, *, expires_in_days: int | None = None
                    ) -> tuple[ApiToken, str]:
    """Create a token; returns it with its plaintext, which is shown once and never stored."""
    if not name.strip():
        raise ValidationError(_("Give the token a name."), errors={"name": [_("required")]})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        person=person, name=name.strip(), prefix=plaintext[:10], token_hash=_hash_token(plaintext),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", token, actor=person, name=token.name,
                 person_id=person.id, expires_at=token.expires_at)
    return token, plaintext


def authenticate_api_token(plaintext: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token matching ``plaintext`` (its person active), or None. Only reads: see
    :func:`record_token_use`."""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(plaintext)))
    now = now or utcnow()
    if (token is None or token.revoked_at is not None or not token.person.active
            or (token.expires_at is not None and token.expires_at <= now)):
        return None
    return token


def token_use_is_due(token: ApiToken, *, now: datetime | None = None) -> bool:
    """Whether ``token``'s last_used_at is older than :data:`TOKEN_USE_RESOLUTION`."""
    last = token.last_used_at
    return last is None or last <= (now or utcnow()) - TOKEN_USE_RESOLUTION


def record_token_use(token_id: int, *, now: datetime | None = None) -> None:
    """Note that the token was used now, unless that was noted less than an hour ago (checked
    in the statement, so simultaneous requests write it once)."""
    now = now or utcnow()
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.id == token_id, sa.or_(
            ApiToken.last_used_at.is_(None),
            ApiToken.last_used_at <= now - TOKEN_USE_RESOLUTION))
        .values(last_used_at=now).execution_options(synchronize_session=False))


def tokens_of(person: Person) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.person_id == person.id).order_by(ApiToken.created_at.desc())
    ))


def revoke_api_token(token: ApiToken, *, actor: Person | None = None) -> None:
    """Revoke the token (idempotent); audit-logged."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        audit.record("api_token.revoked", token, actor=actor, name=token.name,
                     person_id=token.person_id)
