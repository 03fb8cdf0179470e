"""What the accounts API reads and writes: people, municipalities, countries.

Output schemas name every field they show, so nothing is exposed by accident
(``password_hash`` never is). Input schemas reject unknown fields (marshmallow's
default, ``RAISE``), so a typo or an attempt to set ``password_hash`` or
``id`` is a 422 that names the field, not a silent no-op.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from certify.accounts.models import Gender, MunicipalityKind, Role
from certify.config import LOCALES


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")




# --- places ------------------------------------------------------------------------------------

class RegionRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class CountryRefSchema(Schema):
    code = fields.String(metadata={"description": "ISO 3166-1 alpha-2 code."})
    name = fields.String()


class MunicipalitySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.Enum(MunicipalityKind, by_value=True)
    population = fields.Integer(allow_none=True)
    region = fields.Nested(RegionRefSchema)
    country = fields.Nested(CountryRefSchema)


class CountrySchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "ISO 3166-1 alpha-2 code."})
    name = fields.String()
    regions = fields.List(fields.Nested(RegionRefSchema))


class MunicipalityFilterSchema(Schema):
    country = fields.String(validate=validate.Length(equal=2),
                            metadata={"description": "ISO country code, e.g. CL."})
    kind = fields.Enum(MunicipalityKind, by_value=True)
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "Part of the municipality's name."})


# --- people ------------------------------------------------------------------------------------

class PersonSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    given_names = fields.String()
    family_names = fields.String()
    full_name = fields.String()
    municipality = fields.Nested(MunicipalitySchema, allow_none=True)
    position = fields.String(allow_none=True)
    gender = fields.Enum(Gender, by_value=True, allow_none=True)
    birth_year = fields.Integer(allow_none=True)
    preferred_locale = fields.String()
    roles = fields.Method("_roles", metadata={"description": "Roles held, in any programme."})
    active = fields.Boolean()

    def _roles(self, person) -> list[str]:
        return sorted(role.value for role in person.roles)


class PersonFilterSchema(Schema):
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "Part of the e-mail or the name."})
    role = fields.Enum(Role, by_value=True)
    municipality_id = fields.Integer()
    country = fields.String(validate=validate.Length(equal=2),
                            metadata={"description": "ISO country code of the municipality."})


class PersonUpdateSchema(Schema):
    """Every field optional: only what is sent changes."""

    email = fields.Email(validate=validate.Length(max=254))
    given_names = fields.String(validate=[validate.Length(max=120), _not_blank])
    family_names = fields.String(validate=[validate.Length(max=120), _not_blank])
    municipality_id = fields.Integer(allow_none=True)
    position = fields.String(allow_none=True, validate=validate.Length(max=160))
    gender = fields.Enum(Gender, by_value=True, allow_none=True)
    birth_year = fields.Integer(allow_none=True)
    preferred_locale = fields.String(validate=validate.OneOf(LOCALES))
    roles = fields.List(fields.Enum(Role, by_value=True), validate=validate.Length(min=1),
                        metadata={"description": "Replaces the roles held; only "
                                                 "administrators may grant or remove admin."})
    active = fields.Boolean()


class PersonCreateSchema(PersonUpdateSchema):
    class Meta:
        exclude = ("active",)  # a new person starts active; PATCH deactivates

    email = fields.Email(required=True, validate=validate.Length(max=254))
    given_names = fields.String(required=True, validate=[validate.Length(max=120), _not_blank])
    family_names = fields.String(required=True, validate=[validate.Length(max=120), _not_blank])
    preferred_locale = fields.String(load_default="es", validate=validate.OneOf(LOCALES))
    roles = fields.List(fields.Enum(Role, by_value=True), validate=validate.Length(min=1),
                        load_default=lambda: [Role.OFFICIAL],
                        metadata={"description": "Default: official. Only administrators "
                                                 "may grant admin."})
