"""JSON API for cohorts, their enrolments, schedule and project groups
(/api/v1/cohorts, /api/v1/enrolments, /api/v1/groups).

Each endpoint owns its transaction: services flush, the endpoint commits once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_smorest import Blueprint

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Person, Role
from certify.cohorts import enrolments, groups, schedule, services
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
    GroupCreateSchema,
    GroupMemberAddSchema,
    GroupMembershipSchema,
    ProjectGroupSchema,
    ScheduleSchema,
)
from certify.core.errors import PermissionDenied, ValidationError
from certify.core.http import paginate_api
from certify.core.rest import documents_errors, referenced, unit_of_work
from certify.extensions import db
from certify.programmes.models import Programme

blp = Blueprint("cohorts_api", __name__, url_prefix="/api/v1")

READERS = (Role.OFFICIAL, Role.TUTOR, Role.MANAGER)
STAFF = (Role.TUTOR, Role.MANAGER)






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

@blp.route("/cohorts", methods=["GET"], tags=["Programmes and cohorts"])
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


@blp.route("/cohorts", methods=["POST"], tags=["Programmes and cohorts"])
@blp.arguments(CohortCreateSchema)
@blp.response(201, CohortSchema)
@documents_errors(blp, 401, 403, 409)
@require_role(Role.MANAGER)
def create_cohort(data: dict):
    """Create a cohort (managers). 409 if the programme already has a cohort with that name."""
    programme = referenced(Programme, data["programme_id"], "programme_id")
    with unit_of_work():
        cohort = services.create_cohort(
            programme, name=data["name"], starts_on=data["starts_on"], ends_on=data["ends_on"],
            tutors=_tutors(data["tutor_ids"]),
        )
    return cohort


@blp.route("/cohorts/<int:cohort_id>", methods=["GET"], tags=["Programmes and cohorts"])
@blp.response(200, CohortSchema)
@documents_errors(blp, 401, 403, 404)
@require_role(*READERS)
def get_cohort(cohort_id: int):
    """One cohort, for managers, its tutors and the people enrolled in it."""
    return _visible_cohort(cohort_id)


@blp.route("/cohorts/<int:cohort_id>", methods=["PATCH"], tags=["Programmes and cohorts"])
@blp.arguments(CohortUpdateSchema)
@blp.response(200, CohortSchema)
@documents_errors(blp, 401, 403, 404, 409)
@require_role(Role.MANAGER)
def update_cohort(data: dict, cohort_id: int):
    """Change a cohort's name, dates, tutors or project deadline (managers); fields left out
    stay as they are."""
    cohort = services.get_cohort(cohort_id)
    changes = dict(data)
    if "tutor_ids" in changes:
        changes["tutors"] = _tutors(changes.pop("tutor_ids"))
    changes.pop("project_due_at", None)
    with unit_of_work():
        services.update_cohort(cohort, **changes)
        if "project_due_at" in data:  # checked against the dates just saved
            schedule.set_project_deadline(cohort, data["project_due_at"])
    return cohort


@blp.route("/cohorts/<int:cohort_id>/schedule", methods=["GET"], tags=["Programmes and cohorts"])
@blp.response(200, ScheduleSchema)
@documents_errors(blp, 401, 403, 404)
@require_role(*READERS)
def get_schedule(cohort_id: int):
    """When each module opens and is due, and the group project deadline (whoever may see the
    cohort: managers, its tutors, its participants)."""
    cohort = _visible_cohort(cohort_id)
    return {"cohort_id": cohort.id, "project_due_at": cohort.project_due_at,
            "modules": schedule.cohort_schedule(cohort)}


# --- enrolments --------------------------------------------------------------------------------

@blp.route("/enrolments", methods=["GET"], tags=["Programmes and cohorts"])
@blp.arguments(EnrolmentQuerySchema, location="query")
@blp.response(200, EnrolmentSchema(many=True))
@blp.paginate()
@documents_errors(blp, 401, 403)
@require_role(*READERS)
def list_enrolments(args: dict, pagination_parameters):
    """Enrolments you may see: all for managers, your cohorts' for tutors, your own otherwise."""
    query = enrolments.visible_enrolments_query(visible_to=current_person(), **args)
    return paginate_api(query, pagination_parameters)


@blp.route("/enrolments", methods=["POST"], tags=["Programmes and cohorts"])
@blp.arguments(EnrolmentCreateSchema)
@blp.response(201, EnrolmentSchema, description="The person was enrolled.")
@blp.alt_response(200, schema=EnrolmentSchema,
                  description="The person was already enrolled (re-activated if needed).")
@documents_errors(blp, 401, 403)
@require_role(Role.MANAGER)
def create_enrolment(data: dict):
    """Enrol a person in a cohort (managers); idempotent."""
    cohort = referenced(Cohort, data["cohort_id"], "cohort_id")
    person = referenced(Person, data["person_id"], "person_id")
    existed = enrolments.find_enrolment(cohort, person) is not None
    with unit_of_work():
        enrolment = enrolments.enrol(cohort, person)
    return enrolment, 200 if existed else 201


@blp.route("/enrolments/<int:enrolment_id>", methods=["PATCH"], tags=["Programmes and cohorts"])
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


# --- project groups ----------------------------------------------------------------------------

def _check_manages_groups(cohort: Cohort) -> None:
    if not groups.can_manage_groups(current_person(), cohort):
        raise PermissionDenied(_("Only the cohort's tutors and the programme managers can "
                                 "organise its groups."))


@blp.route("/cohorts/<int:cohort_id>/groups", methods=["GET"], tags=["Programmes and cohorts"])
@blp.response(200, ProjectGroupSchema(many=True))
@documents_errors(blp, 401, 403, 404)
@require_role(*STAFF)
def list_groups(cohort_id: int):
    """The cohort's project groups and their members (its tutors and managers)."""
    cohort = services.get_cohort(cohort_id)
    _check_manages_groups(cohort)
    return groups.groups_of_cohort(cohort)


@blp.route("/cohorts/<int:cohort_id>/groups", methods=["POST"], tags=["Programmes and cohorts"])
@blp.arguments(GroupCreateSchema)
@blp.response(201, ProjectGroupSchema)
@documents_errors(blp, 401, 403, 404, 409, e409="The cohort already has a group of this name.")
@require_role(*STAFF)
def create_group(data: dict, cohort_id: int):
    """Create an empty project group (the cohort's tutors and managers)."""
    cohort = services.get_cohort(cohort_id)
    _check_manages_groups(cohort)
    with unit_of_work():
        group = groups.create_group(cohort, data["name"], by=current_person())
    return group


@blp.route("/groups/<int:group_id>/members", methods=["POST"], tags=["Programmes and cohorts"])
@blp.arguments(GroupMemberAddSchema)
@blp.response(201, GroupMembershipSchema,
              description="The person joined the group, or moved to it from another one.")
@blp.alt_response(200, schema=GroupMembershipSchema,
                  description="The person was already in the group; nothing changed.")
@documents_errors(blp, 401, 403, 404, 409,
                  e409="Someone else put the person in a group at the same moment.")
@require_role(*STAFF)
def add_group_member(data: dict, group_id: int):
    """Put an actively enrolled person in the group. Someone in another group of the cohort is
    moved, which needs a ``reason`` (kept in the history of both groups)."""
    group = groups.get_group(group_id)
    _check_manages_groups(group.cohort)
    person = referenced(Person, data["person_id"], "person_id")
    already = groups.current_group(person, group.cohort) == group
    with unit_of_work():
        membership = groups.add_member(group, person, by=current_person(), reason=data["reason"])
    return membership, 200 if already else 201
