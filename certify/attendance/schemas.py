"""What the attendance API reads and writes (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Length, OneOf, Range

from certify.attendance.models import (
    AttendanceStatus,
    CheckInMethod,
    RegistrationStatus,
)
from certify.attendance.services.checkin import MANUAL_STATUSES
from certify.attendance.services.sessions import MAX_CAPACITY, TITLE_MAX_LENGTH, VENUE_MAX_LENGTH
from certify.attendance.services.tickets import MAX_TOKEN_LENGTH


def _id(**options) -> fields.Integer:
    return fields.Integer(strict=True, validate=Range(min=1), **options)


def _times_in_order(data: dict) -> None:
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError("Must be after starts_at.", field_name="ends_at")


# --- output ------------------------------------------------------------------------------------

class SessionSchema(Schema):
    id = fields.Integer(dump_only=True)
    cohort_id = fields.Integer(dump_only=True)
    cohort_name = fields.String(attribute="cohort.name", dump_only=True)
    module_id = fields.Integer(dump_only=True)
    module_code = fields.String(attribute="module.code", dump_only=True)
    title = fields.String(dump_only=True)
    starts_at = fields.DateTime(dump_only=True)
    ends_at = fields.DateTime(dump_only=True)
    venue = fields.String(dump_only=True)
    time_zone = fields.String(dump_only=True, metadata={
        "description": "IANA zone of the venue; pages show the times in it."})
    capacity = fields.Integer(dump_only=True)
    registration_open = fields.Boolean(dump_only=True)
    closed_at = fields.DateTime(dump_only=True, allow_none=True)


class RegisteredPersonSchema(Schema):
    id = fields.Integer(dump_only=True)
    given_names = fields.String(dump_only=True)
    family_names = fields.String(dump_only=True)
    email = fields.String(dump_only=True)


class CheckInSchema(Schema):
    status = fields.Enum(AttendanceStatus, by_value=True, dump_only=True)
    method = fields.Enum(CheckInMethod, by_value=True, dump_only=True)
    checked_in_at = fields.DateTime(dump_only=True)


class RegistrationSchema(Schema):
    id = fields.Integer(dump_only=True)
    session_id = fields.Integer(dump_only=True)
    person = fields.Nested(RegisteredPersonSchema, dump_only=True)
    status = fields.Enum(RegistrationStatus, by_value=True, dump_only=True)
    walk_in = fields.Boolean(dump_only=True)
    registered_at = fields.DateTime(dump_only=True)
    confirmed_at = fields.DateTime(dump_only=True, allow_none=True)
    cancelled_at = fields.DateTime(dump_only=True, allow_none=True)
    check_in = fields.Nested(CheckInSchema, dump_only=True, allow_none=True)


class OwnRegistrationSchema(RegistrationSchema):
    """What the person who registered sees of it: also their place and their ticket."""

    waitlist_position = fields.Integer(dump_only=True, allow_none=True,
                                       metadata={"description": "1 is next; null unless "
                                                                "waitlisted."})
    ticket_token = fields.String(dump_only=True, allow_none=True,
                                 metadata={"description": "What the QR code carries; null "
                                                          "unless the seat is confirmed."})


class CheckInPersonSchema(Schema):
    id = fields.Integer(dump_only=True)
    full_name = fields.String(dump_only=True)


class CheckInResultSchema(Schema):
    outcome = fields.String(dump_only=True, metadata={
        "description": "checked_in (new), already_checked_in (a ticket scanned again: nothing "
                       "changed), updated (status changed) or unchanged."})
    message = fields.String(dump_only=True, metadata={"description": "For the person at the door."})
    registration_id = fields.Integer(dump_only=True)
    walk_in = fields.Boolean(dump_only=True)
    person = fields.Nested(CheckInPersonSchema, dump_only=True)
    status = fields.Enum(AttendanceStatus, by_value=True, dump_only=True)
    method = fields.Enum(CheckInMethod, by_value=True, dump_only=True)
    checked_in_at = fields.DateTime(dump_only=True)


# --- input -------------------------------------------------------------------------------------

class SessionCreateSchema(Schema):
    cohort_id = _id(required=True)
    module_id = _id(required=True, metadata={"description": "An in-person module of the "
                                                            "cohort's programme."})
    title = fields.String(required=True, validate=Length(min=1, max=TITLE_MAX_LENGTH))
    starts_at = fields.AwareDateTime(required=True, metadata={"description": "With a time zone."})
    ends_at = fields.AwareDateTime(required=True)
    venue = fields.String(required=True, validate=Length(min=1, max=VENUE_MAX_LENGTH))
    time_zone = fields.String(validate=Length(min=1, max=64), metadata={
        "description": "IANA zone of the venue, e.g. America/Asuncion; the programme's if "
                       "not given."})
    capacity = fields.Integer(required=True, strict=True, validate=Range(1, MAX_CAPACITY))
    registration_open = fields.Boolean(load_default=True)

    @validates_schema
    def _in_order(self, data: dict, **_kwargs) -> None:
        _times_in_order(data)


class SessionUpdateSchema(Schema):
    """Every field optional; the ones sent replace the current values."""

    title = fields.String(validate=Length(min=1, max=TITLE_MAX_LENGTH))
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    venue = fields.String(validate=Length(min=1, max=VENUE_MAX_LENGTH))
    time_zone = fields.String(validate=Length(min=1, max=64), metadata={
        "description": "IANA zone of the venue, e.g. America/Asuncion."})
    capacity = fields.Integer(strict=True, validate=Range(1, MAX_CAPACITY),
                              metadata={"description": "Not below the seats taken; more seats "
                                                       "go to the waitlist at once."})
    registration_open = fields.Boolean()

    @validates_schema
    def _in_order(self, data: dict, **_kwargs) -> None:
        _times_in_order(data)


class CheckInCreateSchema(Schema):
    """Either ``token`` (a scanned ticket) or ``person_id`` with ``status`` (chosen by hand)."""

    token = fields.String(validate=Length(min=1, max=MAX_TOKEN_LENGTH),
                          metadata={"description": "What the ticket's QR code carries."})
    person_id = _id(metadata={"description": "Someone holding a seat at this session."})
    status = fields.Enum(AttendanceStatus, by_value=True,
                         validate=OneOf(MANUAL_STATUSES),
                         metadata={"description": "present, late, absent or excused; "
                                                  "with person_id only."})

    @validates_schema
    def _one_way(self, data: dict, **_kwargs) -> None:
        if ("token" in data) == ("person_id" in data):
            raise ValidationError("Send either token or person_id (with status).")
        if "person_id" in data and "status" not in data:
            raise ValidationError("Missing data for required field.", field_name="status")
        if "token" in data and "status" in data:
            raise ValidationError("A scanned ticket is checked in as present (or late); "
                                  "send status only with person_id.", field_name="status")


class SessionQuerySchema(Schema):
    cohort_id = fields.Integer(validate=Range(min=1))


class RegistrationQuerySchema(Schema):
    status = fields.Enum(RegistrationStatus, by_value=True)
    q = fields.String(validate=Length(max=200), metadata={"description": "Part of the name or "
                                                                         "e-mail."})
