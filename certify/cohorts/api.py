"""JSON API for cohorts and enrolments (/api/v1/cohorts, /api/v1/enrolments).

Each endpoint owns its transaction: services flush, the endpoint commits once.
"""

from __future__ import annotations


import sqlalchemy as sa
from flask_babel import gettext as _
from flask_smorest import Blueprint

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Person, Role
from certify.cohorts import enrolments, services
from certify.cohorts.models import Cohort
from certify.cohorts.schemas import (
    CohortCreateSchema,
    CohortQuerySchema,
    CohortSchema,
    CohortUpdateSchema,
    EnrolmentCreateSchema,
    EnrolmentQuerySchema,
    EnrolmentSchema,
    EnrolmentUpdateSchema,
)
from certify.core.rest import documents_errors, unit_of_work
from certify.core.errors import PermissionDenied, ValidationError
from certify.core.http import paginate_api
from certify.extensions import db
from certify.programmes.models import Programme

blp = Blueprint("cohorts_api", __name__, url_prefix="/api/v1",
                description="Cohorts of a programme, their tutors and enrolments.")

READERS = (Role.OFFICIAL, Role.TUTOR, Role.MANAGER)






def _referenced(model, ident: int, field: str, what: str):
    """A row named in a request body; a missing one is a field error (422), not a 404."""
    row = db.session.get(model, ident)
    if row is None:
        message = f"There is no {what} with id {ident}."
        raise ValidationError(message, errors={field: [message]})
    return row


def _tutors(ids: list[int]) -> list[Person]:
    found = {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(ids)))}
    missing = [ident for ident in ids if ident not in found]
    if missing:
        message = f"There is no person with id {', '.join(map(str, missing))}."
        raise ValidationError(message, errors={"tutor_ids": [message]})
    return [found[ident] for ident in ids]


def _visible_cohort(cohort_id: int) -> Cohort:
    cohort = services.get_cohort(cohort_id)
    if not services.can_view_cohort(current_person(), cohort):
        raise PermissionDenied(_("Only the cohort's tutors, its participants and the programme "
                                 "managers can see it."))
    return cohort


# --- cohorts -----------------------------------------------------------------------------------

@blp.route("/cohorts", methods=["GET"], tags=["cohorts"])
@blp.arguments(CohortQuerySchema, location="query")
@blp.response(200, CohortSchema(many=True))
@blp.paginate()
@documents_errors(blp, 401, 403)
@require_role(*READERS)
def list_cohorts(args: dict, pagination_parameters):
    """The cohorts you may see: all for managers, tutored ones for tutors, your own otherwise."""
    query = services.cohorts_query(visible_to=current_person(),
                                   programme_id=args.get("programme_id"), search=args.get("q"))
    return paginate_api(query, pagination_parameters)


@blp.route("/cohorts", methods=["POST"], tags=["cohorts"])
@blp.arguments(CohortCreateSchema)
@blp.response(201, CohortSchema)
@documents_errors(blp, 401, 403, 409)
@require_role(Role.MANAGER)
def create_cohort(data: dict):
    """Create a cohort (managers). 409 if the programme already has a cohort with that name."""
    programme = _referenced(Programme, data["programme_id"], "programme_id", "programme")
    with unit_of_work():
        cohort = services.create_cohort(
            programme, name=data["name"], starts_on=data["starts_on"], ends_on=data["ends_on"],
            tutors=_tutors(data["tutor_ids"]),
        )
    return cohort


@blp.route("/cohorts/<int:cohort_id>", methods=["GET"], tags=["cohorts"])
@blp.response(200, CohortSchema)
@documents_errors(blp, 401, 403, 404)
@require_role(*READERS)
def get_cohort(cohort_id: int):
    """One cohort, for managers, its tutors and the people enrolled in it."""
    return _visible_cohort(cohort_id)


@blp.route("/cohorts/<int:cohort_id>", methods=["PATCH"], tags=["cohorts"])
@blp.arguments(CohortUpdateSchema)
@blp.response(200, CohortSchema)
@documents_errors(blp, 401, 403, 404, 409)
@require_role(Role.MANAGER)
def update_cohort(data: dict, cohort_id: int):
    """Change a cohort's name, dates or tutors (managers); fields left out stay as they are."""
    cohort = services.get_cohort(cohort_id)
    changes = dict(data)
    if "tutor_ids" in changes:
        changes["tutors"] = _tutors(changes.pop("tutor_ids"))
    with unit_of_work():
        services.update_cohort(cohort, **changes)
    return cohort


# --- enrolments --------------------------------------------------------------------------------

@blp.route("/enrolments", methods=["GET"], tags=["enrolments"])
@blp.arguments(EnrolmentQuerySchema, location="query")
@blp.response(200, EnrolmentSchema(many=True))
@blp.paginate()
@documents_errors(blp, 401, 403)
@require_role(*READERS)
def list_enrolments(args: dict, pagination_parameters):
    """Enrolments you may see: all for managers, your cohorts' for tutors, your own otherwise."""
    query = enrolments.visible_enrolments_query(visible_to=current_person(), **args)
    return paginate_api(query, pagination_parameters)


@blp.route("/enrolments", methods=["POST"], tags=["enrolments"])
@blp.arguments(EnrolmentCreateSchema)
@blp.response(201, EnrolmentSchema, description="The person was enrolled.")
@blp.alt_response(200, schema=EnrolmentSchema,
                  description="The person was already enrolled (re-activated if needed).")
@documents_errors(blp, 401, 403)
@require_role(Role.MANAGER)
def create_enrolment(data: dict):
    """Enrol a person in a cohort (managers); idempotent."""
    cohort = _referenced(Cohort, data["cohort_id"], "cohort_id", "cohort")
    person = _referenced(Person, data["person_id"], "person_id", "person")
    existed = enrolments.find_enrolment(cohort, person) is not None
    with unit_of_work():
        enrolment = enrolments.enrol(cohort, person)
    return enrolment, 200 if existed else 201


@blp.route("/enrolments/<int:enrolment_id>", methods=["PATCH"], tags=["enrolments"])
@blp.arguments(EnrolmentUpdateSchema)
@blp.response(200, EnrolmentSchema)
@documents_errors(blp, 401, 403, 404)
@require_role(Role.MANAGER)
def update_enrolment(data: dict, enrolment_id: int):
    """Set an enrolment's status: active, inactive or withdrawn (managers)."""
    enrolment = enrolments.get_enrolment(enrolment_id)
    with unit_of_work():
        enrolments.set_enrolment_status(enrolment, data["status"])
    return enrolment
