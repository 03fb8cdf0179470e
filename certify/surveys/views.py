"""Pages: officials answer surveys; managers and tutors read the anonymous aggregates."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import format_percent
from flask_babel import gettext as _

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Role
from certify.cohorts.models import Cohort
from certify.cohorts.services import get_cohort, is_enrolled_in
from certify.core.errors import Conflict, PermissionDenied, ValidationError
from certify.core.timezones import venue_zone
from certify.core.transactions import attempt
from certify.surveys import exports, services
from certify.surveys.forms import WindowForm, answer_form
from certify.surveys.models import Survey
from certify.surveys.services import SurveyStatus
from certify.surveys.summaries import survey_summaries

blp = Blueprint("surveys", __name__)


@blp.app_template_filter("survey_label")
def _survey_label(survey: Survey) -> str:
    return exports.survey_label(survey)


@blp.app_template_filter("survey_percent")
def _survey_percent(value) -> str:
    return format_percent(value) if value is not None else ""


def _local_zone() -> ZoneInfo:
    """Staff type survey windows in the programme's time zone, whatever zone they read in."""
    return venue_zone()


# --- officials ---------------------------------------------------------------------------------

@blp.get("/my-surveys")
@require_role(Role.OFFICIAL)
def my_surveys():
    surveys = services.surveys_of(current_person())
    return render_template("surveys/my_surveys.html", surveys=surveys)


def _answerable(survey_id: int) -> Survey:
    """The survey, if the signed-in official is enrolled in its cohort."""
    survey = services.get_survey(survey_id)
    if not is_enrolled_in(current_person(), survey.cohort):
        raise PermissionDenied(_("Only officials enrolled in this cohort can answer its surveys."))
    return survey


def _render_answer(survey: Survey, form, *, status: int = 200, problem: str | None = None):
    person = current_person()
    response = services.response_of(survey, person)
    return render_template(
        "surveys/answer.html", survey=survey, form=form, response=response,
        status=services.survey_status(survey), SurveyStatus=SurveyStatus,
        active=services.active_enrolment_in(person, survey.cohort_id) is not None,
        problem=problem,
    ), status


@blp.route("/surveys/<int:survey_id>", methods=["GET", "POST"])
@require_role(Role.OFFICIAL)
def answer(survey_id: int):
    survey = _answerable(survey_id)
    person = current_person()
    items = survey.template.active_items
    if request.method == "GET":
        return _render_answer(survey, answer_form(items, services.response_of(survey, person)))
    form = answer_form(items)
    if not form.validate_on_submit():
        return _render_answer(survey, form, status=422)
    with attempt(catch=(ValidationError, Conflict, PermissionDenied),
                 on_error=lambda _error: None) as outcome:
        _response, created = services.save_response(survey, person, form.answers())
    if isinstance(outcome.error, ValidationError):
        unplaced = form.attach_errors(outcome.error.errors)
        return _render_answer(survey, form, status=422, problem=" ".join(unplaced) or None)
    if outcome.error is not None:
        # Nothing was saved: show what is stored, read-only, and say why.
        stored = answer_form(items, services.response_of(survey, person), formdata=None)
        return _render_answer(survey, stored, status=outcome.error.status,
                              problem=outcome.error.message)
    if created:
        flash(_("Thank you! Your answers were saved."), "success")
    else:
        flash(_("Your changes were saved."), "success")
    return redirect(url_for("surveys.my_surveys"))


# --- managers and tutors -----------------------------------------------------------------------

def _summaries_cohort(cohort_id: int) -> Cohort:
    cohort = get_cohort(cohort_id)
    if not services.can_see_summaries(current_person(), cohort):
        raise PermissionDenied(_("Only the cohort's tutors and the programme managers can see "
                                 "its survey results."))
    return cohort


@blp.get("/cohorts/<int:cohort_id>/surveys")
@require_role(Role.MANAGER, Role.TUTOR)
def cohort_summaries(cohort_id: int):
    cohort = _summaries_cohort(cohort_id)
    return render_template("surveys/summaries.html", cohort=cohort,
                           summaries=survey_summaries(cohort),
                           can_manage=current_person().has_role(Role.MANAGER))


def _csv(text: str, name: str) -> Response:
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@blp.get("/cohorts/<int:cohort_id>/surveys/summary.csv")
@require_role(Role.MANAGER, Role.TUTOR)
def summary_csv(cohort_id: int):
    cohort = _summaries_cohort(cohort_id)
    return _csv(exports.summary_csv(survey_summaries(cohort)),
                f"surveys-summary-cohort-{cohort.id}.csv")


@blp.get("/cohorts/<int:cohort_id>/surveys/answers.csv")
@require_role(Role.MANAGER, Role.TUTOR)
def answers_csv(cohort_id: int):
    cohort = _summaries_cohort(cohort_id)
    return _csv(exports.answers_csv(services.cohort_surveys(cohort)),
                f"surveys-answers-cohort-{cohort.id}.csv")


@blp.route("/surveys/<int:survey_id>/window", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def window(survey_id: int):
    survey = services.get_survey(survey_id)
    zone = _local_zone()
    if request.method == "GET":
        form = WindowForm(data={
            "opens_at": survey.opens_at.astimezone(zone).replace(tzinfo=None),
            "closes_at": survey.closes_at.astimezone(zone).replace(tzinfo=None)
            if survey.closes_at else None})
    else:
        form = WindowForm()
    if form.validate_on_submit():
        closes_at = form.closes_at.data
        with attempt(form, catch=ValidationError) as outcome:
            services.set_survey_window(
                survey, opens_at=form.opens_at.data.replace(tzinfo=zone).astimezone(UTC),
                closes_at=closes_at.replace(tzinfo=zone).astimezone(UTC) if closes_at else None)
        if outcome.succeeded:
            flash(_("The answering window was saved."), "success")
            return redirect(url_for("surveys.cohort_summaries", cohort_id=survey.cohort_id))
    status = 422 if form.errors else 200
    return render_template("surveys/window.html", survey=survey, form=form, zone=str(zone)), status
