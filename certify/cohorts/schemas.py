"""What the cohorts API reads and writes (marshmallow 4)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Length, Range

from certify.accounts.schemas import MunicipalitySchema
from certify.cohorts.groups import GROUP_NAME_MAX_LENGTH, REASON_MAX_LENGTH
from certify.cohorts.models import EnrolmentStatus
from certify.cohorts.services import NAME_MAX_LENGTH


def _id() -> fields.Integer:
    return fields.Integer(strict=True, validate=Range(min=1))


def _check_dates(data: dict) -> None:
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError("Must not be before starts_on.", field_name="ends_on")


# --- output ------------------------------------------------------------------------------------

class TutorSchema(Schema):
    id = fields.Integer(dump_only=True)
    given_names = fields.String(dump_only=True)
    family_names = fields.String(dump_only=True)


class EnrolledPersonSchema(TutorSchema):
    email = fields.String(dump_only=True)


class CohortSchema(Schema):
    id = fields.Integer(dump_only=True)
    programme_id = fields.Integer(dump_only=True)
    programme_code = fields.String(attribute="programme.code", dump_only=True)
    name = fields.String(dump_only=True)
    starts_on = fields.Date(dump_only=True, allow_none=True)
    ends_on = fields.Date(dump_only=True, allow_none=True)
    tutors = fields.List(fields.Nested(TutorSchema), dump_only=True)
    project_due_at = fields.DateTime(dump_only=True, allow_none=True,
                                     metadata={"description": "When group prototypes are due."})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class EnrolmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    cohort_id = fields.Integer(dump_only=True)
    person_id = fields.Integer(dump_only=True)
    status = fields.Enum(EnrolmentStatus, by_value=True, dump_only=True)
    enrolled_at = fields.DateTime(dump_only=True)
    person = fields.Nested(EnrolledPersonSchema, dump_only=True)


class GroupMemberSchema(EnrolledPersonSchema):
    municipality = fields.Nested(MunicipalitySchema, dump_only=True, allow_none=True)


class ProjectGroupSchema(Schema):
    id = fields.Integer(dump_only=True)
    cohort_id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    members = fields.List(fields.Nested(GroupMemberSchema), dump_only=True,
                          metadata={"description": "The people in the group now."})


class GroupMembershipSchema(Schema):
    id = fields.Integer(dump_only=True)
    group_id = fields.Integer(dump_only=True)
    cohort_id = fields.Integer(dump_only=True)
    person_id = fields.Integer(dump_only=True)
    joined_at = fields.DateTime(dump_only=True)
    left_at = fields.DateTime(dump_only=True, allow_none=True)
    moved_by_id = fields.Integer(dump_only=True, allow_none=True,
                                 metadata={"description": "Who put the person in the group."})
    reason = fields.String(dump_only=True)
    person = fields.Nested(GroupMemberSchema, dump_only=True)


class ScheduledModuleSchema(Schema):
    module_id = fields.Integer(attribute="module.id", dump_only=True)
    code = fields.String(attribute="module.code", dump_only=True)
    title = fields.Dict(attribute="module.title", dump_only=True,
                        metadata={"description": "By language: es, pt, en."})
    kind = fields.String(attribute="module.kind", dump_only=True)
    opens_on = fields.Date(dump_only=True, allow_none=True)
    due_on = fields.Date(dump_only=True, allow_none=True)


class ScheduleSchema(Schema):
    cohort_id = fields.Integer(dump_only=True)
    project_due_at = fields.DateTime(dump_only=True, allow_none=True)
    modules = fields.List(fields.Nested(ScheduledModuleSchema), dump_only=True,
                          metadata={"description": "Every module of the programme, in order."})


# --- input -------------------------------------------------------------------------------------

class CohortCreateSchema(Schema):
    programme_id = fields.Integer(required=True, strict=True, validate=Range(min=1))
    name = fields.String(required=True, validate=Length(min=1, max=NAME_MAX_LENGTH))
    starts_on = fields.Date(allow_none=True, load_default=None)
    ends_on = fields.Date(allow_none=True, load_default=None)
    tutor_ids = fields.List(_id(), load_default=list,
                            metadata={"description": "People holding the tutor role."})

    @validates_schema
    def _dates_in_order(self, data: dict, **_kwargs) -> None:
        _check_dates(data)


class CohortUpdateSchema(Schema):
    """Every field is optional; the ones sent replace the current values."""

    name = fields.String(validate=Length(min=1, max=NAME_MAX_LENGTH))
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    tutor_ids = fields.List(_id(), metadata={"description": "Replaces the cohort's tutors."})
    project_due_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "When group prototypes are due; with a time zone offset."})

    @validates_schema
    def _dates_in_order(self, data: dict, **_kwargs) -> None:
        _check_dates(data)


class EnrolmentCreateSchema(Schema):
    cohort_id = fields.Integer(required=True, strict=True, validate=Range(min=1))
    person_id = fields.Integer(required=True, strict=True, validate=Range(min=1))


class EnrolmentUpdateSchema(Schema):
    status = fields.Enum(EnrolmentStatus, by_value=True, required=True)


class GroupCreateSchema(Schema):
    name = fields.String(required=True, validate=Length(min=1, max=GROUP_NAME_MAX_LENGTH))


class GroupMemberAddSchema(Schema):
    person_id = fields.Integer(required=True, strict=True, validate=Range(min=1))
    reason = fields.String(load_default="", validate=Length(max=REASON_MAX_LENGTH),
                           metadata={"description": "Why; required to move someone from "
                                                    "another group of the cohort."})


# --- query strings -----------------------------------------------------------------------------

class CohortQuerySchema(Schema):
    programme_id = fields.Integer(validate=Range(min=1))
    q = fields.String(validate=Length(max=200), metadata={"description": "Part of the name."})


class EnrolmentQuerySchema(Schema):
    cohort_id = fields.Integer(validate=Range(min=1))
    person_id = fields.Integer(validate=Range(min=1))
    status = fields.Enum(EnrolmentStatus, by_value=True)
    q = fields.String(validate=Length(max=200), metadata={
        "description": "Name (accents and case aside, every word) or e-mail contains this."})
