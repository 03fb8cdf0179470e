"""Pages: the official's programme with what is still missing; the cohort overview for staff."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for
from flask_babel import gettext as _

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Person, Role
from certify.attendance.models import AttendanceStatus
from certify.attendance.services import session_figures, sessions_of_cohort, status_label
from certify.cohorts.enrolments import find_enrolment
from certify.cohorts.services import can_view_cohort, get_cohort
from certify.core.errors import NotFound, PermissionDenied
from certify.extensions import db
from certify.programmes.services import get_module_by_code
from certify.progress.overview import export_overview, funnel
from certify.progress.services import (
    active_enrolments,
    cohort_progress,
    module_progress,
    person_progress,
)
from certify.progress.status import my_statuses
from certify.surveys.services import cohort_surveys
from certify.surveys.summaries import survey_summaries

blp = Blueprint("progress", __name__)


@blp.get("/my-programme")
@require_role(Role.OFFICIAL)
def my_programme():
    rows = [person_progress(enrolment) for enrolment in active_enrolments(current_person())]
    return render_template("progress/my_programme.html",
                           items=[(row, module_progress(row), status) for row, status
                                  in zip(rows, my_statuses(rows), strict=True)])


@blp.get("/my-programme/<int:cohort_id>/modules/<code>")
@require_role(Role.OFFICIAL)
def module(cohort_id: int, code: str):
    enrolment = next((e for e in active_enrolments(current_person()) if e.cohort_id == cohort_id), None)
    if enrolment is None:
        raise NotFound(_("You are not enrolled in this cohort."))
    programme = enrolment.cohort.programme
    module = get_module_by_code(programme, code)
    survey = next((survey for survey in cohort_surveys(enrolment.cohort)
                   if survey.module_id == module.id), None)
    return render_template("programmes/module.html", programme=programme, cohort=enrolment.cohort,
                           module=module, survey=survey)


def _visible_cohort(cohort_id: int):
    cohort = get_cohort(cohort_id)
    if not can_view_cohort(current_person(), cohort) or not current_person().has_role(
            Role.MANAGER, Role.TUTOR):
        raise PermissionDenied(_("You do not have permission to see this cohort."))
    return cohort


@blp.get("/cohorts/<int:cohort_id>/overview")
@require_role(Role.MANAGER, Role.TUTOR)
def overview(cohort_id: int):
    cohort = _visible_cohort(cohort_id)
    rows = cohort_progress(cohort)
    sessions = sessions_of_cohort(cohort)
    return render_template("progress/overview.html", cohort=cohort, rows=rows, funnel=funnel(rows),
                           sessions=sessions, figures=session_figures(sessions),
                           surveys=survey_summaries(cohort), attendance_label=_attendance_label)


def _attendance_label(status: str | None) -> str:
    return status_label(AttendanceStatus(status)) if status else "—"


@blp.get("/cohorts/<int:cohort_id>/people/<int:person_id>/progress")
@require_role(Role.MANAGER, Role.TUTOR)
def person_page(cohort_id: int, person_id: int):
    """One member's progress, as the overview's row opens it: each module and what is missing."""
    cohort = _visible_cohort(cohort_id)
    person = db.session.get(Person, person_id)
    enrolment = find_enrolment(cohort, person) if person else None
    if enrolment is None:
        raise NotFound(_("This person is not enrolled in this cohort."))
    row = person_progress(enrolment)
    return render_template("progress/person.html", cohort=cohort, row=row,
                           modules=module_progress(row))


@blp.get("/cohorts/<int:cohort_id>/overview.csv")
@require_role(Role.MANAGER, Role.TUTOR)
def overview_export_offer(cohort_id: int):
    """An old or shared link lands on a page with the button: a GET never records anything."""
    cohort = _visible_cohort(cohort_id)
    return render_template("export_offer.html", title=_("Export the cohort overview"),
                           description=_("One line per member of %(cohort)s with their name, "
                                         "e-mail and progress.", cohort=cohort.name),
                           action=url_for("progress.overview_export", cohort_id=cohort.id),
                           back=url_for("progress.overview", cohort_id=cohort.id))


@blp.post("/cohorts/<int:cohort_id>/overview.csv")
@require_role(Role.MANAGER, Role.TUTOR)
def overview_export(cohort_id: int):
    """The CSV names people, so the download is a POST that records it in the audit log."""
    cohort = _visible_cohort(cohort_id)
    body = export_overview(cohort, cohort_progress(cohort), actor=current_person())
    return Response("\ufeff" + body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=cohort-{cohort.id}-overview.csv"})
