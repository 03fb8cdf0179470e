"""JSON API for people and places, under /api/v1.

Thin: parse with a schema, check who may, call a service, commit once, dump
with a schema. Errors come out in the house format (``core.http``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from certify.accounts import services
from certify.accounts.access import current_person, require_role
from certify.accounts.models import Municipality, Person, Region, Role
from certify.accounts.schemas import (
    CountrySchema,
    MunicipalityFilterSchema,
    MunicipalitySchema,
    PersonCreateSchema,
    PersonFilterSchema,
    PersonSchema,
    PersonUpdateSchema,
)
from certify.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from certify.core.http import paginate_api
from certify.core.rest import documents_errors, unit_of_work

blp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")






def _person_loading():
    # Everything PersonSchema reads, in a fixed number of queries per page.
    return (selectinload(Person.role_grants),
            selectinload(Person.municipality).selectinload(Municipality.region)
            .selectinload(Region.country))


def _municipality_or_422(municipality_id: int | None) -> Municipality | None:
    if municipality_id is None:
        return None
    try:
        return services.get_municipality(municipality_id)
    except NotFound as error:
        raise ValidationError(error.message, errors={"municipality_id": [error.message]}) from error


def _is_admin(person: Person) -> bool:
    return Role.ADMIN in person.roles


def _check_roles_grantable(actor: Person, before: set[Role], after: set[Role]) -> None:
    """Only administrators hand out or take away the administrator role."""
    if Role.ADMIN in (before ^ after) and not _is_admin(actor):
        raise PermissionDenied(_("Only administrators may grant or remove the administrator role."))


# --- people ------------------------------------------------------------------------------------

@blp.route("/people", methods=["GET"], tags=["People and places"])
@blp.arguments(PersonFilterSchema, location="query", as_kwargs=True)
@blp.response(200, PersonSchema(many=True))
@blp.paginate()
@documents_errors(blp, 401, 403)
@require_role(Role.MANAGER)
def list_people(pagination_parameters, q=None, role=None, municipality_id=None, country=None):
    """List people (managers).

    Filter by `q` (part of the e-mail or name), `role`, `municipality_id` and
    `country` (ISO code). Ordered by family names; the `X-Pagination` header
    carries the totals.
    """
    query = services.people_query(search=q, role=role, municipality_id=municipality_id,
                                  country_code=country).options(*_person_loading())
    return paginate_api(query, pagination_parameters)


@blp.route("/people", methods=["POST"], tags=["People and places"])
@blp.arguments(PersonCreateSchema)
@blp.response(201, PersonSchema)
@documents_errors(blp, 401, 403, 409)
@require_role(Role.MANAGER)
def create_person(data: dict):
    """Add a person (managers).

    The e-mail must not be in use, in any spelling of upper and lower case
    (409). New people are officials unless `roles` says otherwise; only
    administrators may create administrators. No password is set here.
    """
    _check_roles_grantable(current_person(), set(), set(data["roles"]))
    municipality = _municipality_or_422(data.pop("municipality_id", None))
    try:
        with unit_of_work():
            person = services.create_person(municipality=municipality, actor=current_person(),
                                            **data)
    except sa.exc.IntegrityError as error:  # a concurrent request took the e-mail first
        raise Conflict(_("%(email)s is already registered.", email=data["email"]),
                       errors={"email": [_("already registered")]}) from error
    return person


@blp.route("/people/me", methods=["GET"], tags=["People and places"])
@blp.response(200, PersonSchema)
@documents_errors(blp, 401)
@require_role()
def get_me():
    """The signed-in person (anyone signed in)."""
    return current_person()


@blp.route("/people/<int:person_id>", methods=["GET"], tags=["People and places"])
@blp.response(200, PersonSchema)
@documents_errors(blp, 401, 403, 404)
@require_role()
def get_person(person_id: int):
    """One person: managers see anyone, everyone else only themself (403 otherwise)."""
    actor = current_person()
    # Checked before the lookup, so others cannot learn which ids exist.
    if person_id != actor.id and not actor.has_role(Role.MANAGER):
        raise PermissionDenied(_("You may only see your own details."))
    return services.get_person(person_id)


@blp.route("/people/<int:person_id>", methods=["PATCH"], tags=["People and places"])
@blp.arguments(PersonUpdateSchema)
@blp.response(200, PersonSchema)
@documents_errors(blp, 401, 403, 404, 409)
@require_role(Role.MANAGER)
def update_person(changes: dict, person_id: int):
    """Change a person's details, roles or `active` flag (managers).

    Only the fields sent change. `roles` replaces the roles held. Only
    administrators may change an administrator's account or grant or remove
    the administrator role.
    """
    actor = current_person()
    with unit_of_work():
        person = services.get_person(person_id)
        if _is_admin(person) and not _is_admin(actor):
            raise PermissionDenied(_("Only administrators may change an administrator's account."))
        roles = set(changes.pop("roles", person.roles))
        _check_roles_grantable(actor, person.roles, roles)
        if "municipality_id" in changes:
            changes["municipality"] = _municipality_or_422(changes.pop("municipality_id"))
        services.update_person(person, actor=actor, **changes)
        for role in person.roles - roles:
            services.revoke_role(person, role, actor=actor)
        for role in roles - person.roles:
            services.grant_role(person, role, actor=actor)
    return person


# --- places ------------------------------------------------------------------------------------

@blp.route("/municipalities", methods=["GET"], tags=["People and places"])
@blp.arguments(MunicipalityFilterSchema, location="query", as_kwargs=True)
@blp.response(200, MunicipalitySchema(many=True))
@blp.paginate()
@documents_errors(blp, 401)
@require_role()
def list_municipalities(pagination_parameters, country=None, kind=None, q=None):
    """List municipalities (anyone signed in).

    Filter by `country` (ISO code), `kind` (rural or urban) and `q` (part of
    the name). Ordered by country, region and name.
    """
    query = services.municipalities_query(country_code=country, kind=kind, search=q).options(
        selectinload(Municipality.region).selectinload(Region.country))
    return paginate_api(query, pagination_parameters)


@blp.route("/municipalities/<int:municipality_id>", methods=["GET"], tags=["People and places"])
@blp.response(200, MunicipalitySchema)
@documents_errors(blp, 401, 404)
@require_role()
def get_municipality(municipality_id: int):
    """One municipality (anyone signed in)."""
    return services.get_municipality(municipality_id)


@blp.route("/countries", methods=["GET"], tags=["People and places"])
@blp.response(200, CountrySchema(many=True))
@documents_errors(blp, 401)
@require_role()
def list_countries():
    """Every country with its regions, by name (anyone signed in)."""
    return services.countries()
