"""JSON API for surveys (/api/v1/surveys): listing, answering, and the staff's aggregates.

Each endpoint owns its transaction: services flush, the endpoint commits once.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Role
from certify.cohorts.services import can_view_cohort
from certify.core import rest
from certify.core.errors import PermissionDenied, ValidationError
from certify.core.http import paginate_api
from certify.extensions import db
from certify.surveys import services
from certify.surveys.exports import survey_label
from certify.surveys.models import Survey, SurveyResponse
from certify.surveys.schemas import (
    SurveyDetailSchema,
    SurveyQuerySchema,
    SurveyResponseInputSchema,
    SurveyResponseSchema,
    SurveySchema,
    SurveySummarySchema,
)
from certify.surveys.summaries import SurveySummary, survey_summary

blp = Blueprint("surveys_api", __name__, url_prefix="/api/v1")

READERS = (Role.OFFICIAL, Role.TUTOR, Role.MANAGER)

# What the shared descriptions (core.rest) say too generally for surveys.
ERRORS = {
    "e404": "No such survey.",
    "e409": "The survey is not open: it has not opened yet, or it has closed.",
}


documents_errors = rest.error_documenter(blp, **ERRORS)


def _listed(survey: Survey, answered: set[int]) -> dict:
    return {
        "id": survey.id, "cohort_id": survey.cohort_id, "module_id": survey.module_id,
        "module_code": survey.module.code if survey.module else None,
        "session_id": survey.session_id, "label": survey_label(survey),
        "template_key": survey.template.key, "opens_at": survey.opens_at,
        "closes_at": survey.closes_at, "status": services.survey_status(survey).value,
        "answered": survey.id in answered,
    }


def _own_response(survey: Survey, response: SurveyResponse | None) -> dict | None:
    if response is None:
        return None
    return {"survey_id": survey.id, "answers": response.answers_by_key(),
            "created_at": response.created_at, "updated_at": response.updated_at,
            "editable_until": survey.closes_at}


def _summary(summary: SurveySummary) -> dict:
    return {
        "survey_id": summary.survey.id, "responses": summary.responses,
        "active_enrolments": summary.active_enrolments, "response_rate": summary.response_rate,
        "average": summary.average,
        "items": [{
            "key": item.item.key, "kind": item.item.kind.value, "prompt": item.item.prompt,
            "active": item.item.active, "answers": item.answers,
            "response_rate": item.response_rate, "average": item.average,
            "distribution": item.distribution, "texts": item.texts,
        } for item in summary.items],
    }


@blp.route("/surveys", methods=["GET"], tags=["Quizzes and surveys"])
@blp.arguments(SurveyQuerySchema, location="query")
@blp.response(200, SurveySchema(many=True))
@blp.paginate()
@documents_errors(401, 403)
@require_role(*READERS)
def list_surveys(args: dict, pagination_parameters):
    """The surveys of the cohorts you may see: yours, the ones you tutor, or all for managers."""
    person = current_person()
    surveys = paginate_api(services.visible_surveys_query(
        visible_to=person, cohort_id=args.get("cohort_id")), pagination_parameters)
    answered = services.responded_survey_ids(person, [survey.id for survey in surveys])
    return [_listed(survey, answered) for survey in surveys]


def _visible_survey(survey_id: int) -> Survey:
    survey = services.get_survey(survey_id)
    if not can_view_cohort(current_person(), survey.cohort):
        raise PermissionDenied(_("Only the cohort's participants, its tutors and the programme "
                                 "managers can see its surveys."))
    return survey


@blp.route("/surveys/<int:survey_id>", methods=["GET"], tags=["Quizzes and surveys"])
@blp.response(200, SurveyDetailSchema)
@documents_errors(401, 403, 404)
@require_role(*READERS)
def get_survey(survey_id: int):
    """One survey with its questions, and your own answers if you gave any."""
    survey = _visible_survey(survey_id)
    person = current_person()
    response = services.response_of(survey, person)
    return {
        **_listed(survey, {survey.id} if response else set()),
        "template": {"key": survey.template.key, "title": survey.template.title,
                     "items": survey.template.active_items},
        "my_response": _own_response(survey, response),
    }


@blp.route("/surveys/<int:survey_id>/response", methods=["PUT"], tags=["Quizzes and surveys"])
@blp.arguments(SurveyResponseInputSchema)
@blp.response(200, SurveyResponseSchema, description="Your earlier answers were replaced.")
@blp.alt_response(201, schema=SurveyResponseSchema, description="Your answers were recorded.")
@documents_errors(401, 403, 404, 409)
@require_role(Role.OFFICIAL)
def put_response(data: dict, survey_id: int):
    """Answer a survey of a cohort you are actively enrolled in, or change your answers.

    Open while the survey is: afterwards 409. Scale items take a whole number from
    1 to 5, text items at most 2,000 characters; required items must be answered.
    A 422 names each wrong answer as ``answers.<item key>``.
    """
    survey = services.get_survey(survey_id)
    try:
        response, created = services.save_response(survey, current_person(), data["answers"])
    except ValidationError as error:
        db.session.rollback()
        raise ValidationError(error.message, errors={
            f"answers.{key}": messages for key, messages in error.errors.items()}) from None
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return _own_response(survey, response), 201 if created else 200


@blp.route("/surveys/<int:survey_id>/summary", methods=["GET"], tags=["Quizzes and surveys"])
@blp.response(200, SurveySummarySchema)
@documents_errors(401, 403, 404)
@require_role(Role.MANAGER, Role.TUTOR)
def get_summary(survey_id: int):
    """The anonymous results of a survey: for managers and the cohort's tutors."""
    survey = services.get_survey(survey_id)
    if not services.can_see_summaries(current_person(), survey.cohort):
        raise PermissionDenied(_("Only the cohort's tutors and the programme managers can see "
                                 "its survey results."))
    return _summary(survey_summary(survey))
