"""JSON API for in-person sessions, registrations and check-ins (/api/v1).

Thin: parse with a schema, check who may, call a service, commit once, dump
with a schema. The check-in page's camera scanner posts here too, with the
session cookie and the X-CSRFToken header.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Person, Role
from certify.attendance import services
from certify.attendance.models import Registration, RegistrationStatus
from certify.attendance.schemas import (
    CheckInCreateSchema,
    CheckInResultSchema,
    OwnRegistrationSchema,
    RegistrationQuerySchema,
    RegistrationSchema,
    SessionCreateSchema,
    SessionQuerySchema,
    SessionSchema,
    SessionUpdateSchema,
)
from certify.cohorts.models import Cohort
from certify.core import rest
from certify.core.http import paginate_api
from certify.core.lookups import get_or_not_found
from certify.core.rest import referenced, unit_of_work
from certify.programmes.models import Module

blp = Blueprint("attendance_api", __name__, url_prefix="/api/v1")

EVERYONE = (Role.OFFICIAL, Role.TUTOR, Role.MANAGER)
STAFF = (Role.TUTOR, Role.MANAGER)

# What the shared descriptions (core.rest) say too generally for attendance.
ERRORS = {
    "e404": "No such session or registration (or not yours).",
    "e409": "Not possible now: registration closed, the session started or was closed, "
            "or the person holds no seat.",
}


documents_errors = rest.error_documenter(blp, **ERRORS)


def _own_view(registration: Registration) -> dict:
    """``OwnRegistrationSchema``'s extra fields beside the registration's own."""
    confirmed = (registration.status is RegistrationStatus.CONFIRMED
                 and registration.ticket_code is not None)
    return {**{name: getattr(registration, name) for name in RegistrationSchema().fields},
            "waitlist_position": services.waitlist_position(registration),
            "ticket_token": services.ticket_token(registration) if confirmed else None}


# --- sessions ----------------------------------------------------------------------------------

@blp.route("/sessions", methods=["GET"], tags=["In-person sessions"])
@blp.arguments(SessionQuerySchema, location="query")
@blp.response(200, SessionSchema(many=True))
@blp.paginate()
@documents_errors(401, 403)
@require_role(*EVERYONE)
def list_sessions(args: dict, pagination_parameters):
    """The sessions you may see, soonest first: all for managers, your cohorts' otherwise."""
    query = services.sessions_query(visible_to=current_person(), cohort_id=args.get("cohort_id"))
    return paginate_api(query, pagination_parameters)


@blp.route("/sessions", methods=["POST"], tags=["In-person sessions"])
@blp.arguments(SessionCreateSchema)
@blp.response(201, SessionSchema)
@documents_errors(401, 403)
@require_role(Role.MANAGER)
def create_session(data: dict):
    """Schedule a session of an in-person module for a cohort (managers)."""
    cohort = referenced(Cohort, data.pop("cohort_id"), "cohort_id")
    module = referenced(Module, data.pop("module_id"), "module_id")
    with unit_of_work():
        in_person = services.create_session(cohort=cohort, module=module, **data)
    return in_person


@blp.route("/sessions/<int:session_id>", methods=["GET"], tags=["In-person sessions"])
@blp.response(200, SessionSchema)
@documents_errors(401, 403, 404)
@require_role(*EVERYONE)
def get_session(session_id: int):
    """One session, for managers, the cohort's tutors and its participants."""
    return services.get_visible_session(current_person(), session_id)


@blp.route("/sessions/<int:session_id>", methods=["PATCH"], tags=["In-person sessions"])
@blp.arguments(SessionUpdateSchema)
@blp.response(200, SessionSchema)
@documents_errors(401, 403, 404)
@require_role(Role.MANAGER)
def update_session(data: dict, session_id: int):
    """Change a session (managers). A larger capacity promotes people from the waitlist."""
    in_person = services.get_session(session_id)
    with unit_of_work():
        in_person = services.update_session(in_person, **data)
    return in_person


# --- registrations -----------------------------------------------------------------------------

@blp.route("/sessions/<int:session_id>/registrations", methods=["GET"], tags=["In-person sessions"])
@blp.arguments(RegistrationQuerySchema, location="query")
@blp.response(200, RegistrationSchema(many=True))
@blp.paginate()
@documents_errors(401, 403, 404)
@require_role(*STAFF)
def list_registrations(args: dict, pagination_parameters, session_id: int):
    """Who registered, with their check-ins (the cohort's tutors and managers)."""
    in_person = services.get_session_to_run(current_person(), session_id)
    statuses = [args["status"]] if "status" in args else None
    query = services.registrations_query(in_person, search=args.get("q"), statuses=statuses)
    return paginate_api(query, pagination_parameters)


@blp.route("/sessions/<int:session_id>/registrations", methods=["POST"], tags=["In-person sessions"])
@blp.response(201, OwnRegistrationSchema, description="Registered: `status` says whether with "
                                                      "a seat (confirmed) or waitlisted.")
@blp.alt_response(200, schema=OwnRegistrationSchema, description="You were already registered.")
@documents_errors(401, 403, 404, 409)
@require_role(Role.OFFICIAL)
def create_registration(session_id: int):
    """Register yourself (officials actively enrolled in the cohort).

    With a seat left you get it and your ticket by e-mail; otherwise a place
    on the waitlist.
    """
    in_person = services.get_visible_session(current_person(), session_id)
    person = current_person()
    existing = services.find_registration(in_person, person)
    already = existing is not None and existing.status is not RegistrationStatus.CANCELLED
    with unit_of_work():
        registration = services.register(in_person, person)
    return _own_view(registration), 200 if already else 201


@blp.route("/registrations/<int:registration_id>", methods=["DELETE"], tags=["In-person sessions"])
@blp.response(204)
@documents_errors(401, 403, 404, 409)
@require_role(Role.OFFICIAL)
def delete_registration(registration_id: int):
    """Cancel your registration; a seat you give back goes to the first on the waitlist."""
    registration = get_or_not_found(
        Registration, registration_id, _("There is no such registration."),
        visible=lambda registration: registration.person_id == current_person().id)
    with unit_of_work():
        services.cancel_registration(registration)


# --- check-in ----------------------------------------------------------------------------------

@blp.route("/sessions/<int:session_id>/check-ins", methods=["POST"], tags=["In-person sessions"])
@blp.arguments(CheckInCreateSchema)
@blp.response(201, CheckInResultSchema, description="Checked in.")
@blp.alt_response(200, schema=CheckInResultSchema,
                  description="Already checked in (a ticket scanned again), or status changed.")
@documents_errors(401, 403, 404, 409)
@require_role(*STAFF)
def create_check_in(data: dict, session_id: int):
    """Check someone in (the cohort's tutors and managers).

    Send `token` (a scanned ticket: present, or late 15 minutes after the
    start) or `person_id` with `status`. A ticket scanned twice is reported,
    not counted twice; a ticket of another session is refused (422).
    """
    in_person = services.get_session_to_run(current_person(), session_id)
    actor = current_person()
    with unit_of_work():
        if "token" in data:
            result = services.check_in_with_ticket(in_person, data["token"], by=actor)
        else:
            person = referenced(Person, data["person_id"], "person_id")
            result = services.check_in_person(in_person, person, data["status"], by=actor)
    check_in = result.check_in
    body = {"outcome": result.outcome, "message": result.message(),
            "registration_id": check_in.registration_id, "walk_in": result.registration.walk_in,
            "person": result.person, "status": check_in.status, "method": check_in.method,
            "checked_in_at": check_in.checked_in_at}
    return body, 201 if result.outcome == "checked_in" else 200
