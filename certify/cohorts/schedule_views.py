"""Pages for the cohort schedule: when each module opens and is due, and when the group project
is due. Tutors of the cohort and managers see it; managers change it, all in one form.

Registered on the cohorts blueprint (``certify.cohorts.views.blp``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Role
from certify.cohorts import schedule, services
from certify.cohorts.forms import ScheduleForm
from certify.cohorts.models import Cohort
from certify.cohorts.views import blp, viewable_cohort
from certify.core.errors import ValidationError
from certify.core.timezones import from_programme_wall_clock, programme_wall_clock
from certify.core.transactions import attempt


def _local(moment: datetime | None) -> datetime | None:
    """A stored UTC moment as the wall-clock time the form shows (the programme's time zone)."""
    return programme_wall_clock(moment)


def _aware(local: datetime | None) -> datetime | None:
    """The wall-clock time typed in the form as a UTC moment."""
    aware = from_programme_wall_clock(local)
    return aware.astimezone(UTC) if aware else None


def _filled_form(cohort: Cohort, rows: list[schedule.ScheduledModule]) -> ScheduleForm:
    return ScheduleForm(formdata=None, data={
        "modules": [{"module_id": str(row.module.id), "opens_on": row.opens_on,
                     "due_on": row.due_on} for row in rows],
        "project_due_at": _local(cohort.project_due_at),
    })


def _render(cohort: Cohort, rows: list[schedule.ScheduledModule], form: ScheduleForm | None,
            *, status: int = 200):
    can_edit = services.can_manage_cohort(current_person(), cohort)
    if can_edit and form is None:
        form = _filled_form(cohort, rows)
    return render_template(
        "cohorts/schedule.html", cohort=cohort, rows=rows,
        form=form if can_edit else None,
        entries=list(zip(form.modules, rows, strict=True)) if can_edit else [],
    ), status


def _matches(form: ScheduleForm, rows: list[schedule.ScheduledModule]) -> bool:
    """The form lists the programme's modules in order (else the page is out of date)."""
    return [entry.module_id.data for entry in form.modules] == [str(row.module.id)
                                                                 for row in rows]


def _attach_errors(form: ScheduleForm, rows: list[schedule.ScheduledModule],
                   error: ValidationError) -> None:
    by_code = {row.module.code: entry for entry, row in zip(form.modules, rows, strict=True)}
    for key, messages in error.errors.items():
        if key == "project_due_at":
            form.project_due_at.errors = list(form.project_due_at.errors) + messages
            continue
        code, _dot, field = key.partition(".")
        entry = by_code.get(code)
        if entry is None or field not in entry.form._fields:
            form.form_errors.extend(messages)
            continue
        target = entry.form._fields[field]
        target.errors = list(target.errors) + messages


@blp.get("/cohorts/<int:cohort_id>/schedule")
@require_role(Role.TUTOR, Role.MANAGER)
def schedule_page(cohort_id: int):
    cohort = viewable_cohort(cohort_id)
    return _render(cohort, schedule.cohort_schedule(cohort), None)


@blp.post("/cohorts/<int:cohort_id>/schedule")
@require_role(Role.MANAGER)
def save_schedule(cohort_id: int):
    cohort = services.get_cohort(cohort_id)
    rows = schedule.cohort_schedule(cohort)
    form = ScheduleForm()
    if not _matches(form, rows):
        flash(_("The programme's modules changed while you were editing. Enter the dates "
                "again."), "error")
        return _render(cohort, rows, None, status=409)
    if form.validate_on_submit():
        dates = {row.module: (entry.opens_on.data, entry.due_on.data)
                 for entry, row in zip(form.modules, rows, strict=True)}
        with attempt(on_error=lambda error: _attach_errors(form, rows, error),
                     catch=ValidationError) as outcome:
            schedule.set_schedule(cohort, dates,
                                  project_due_at=_aware(form.project_due_at.data))
        if outcome.succeeded:
            flash(_("The schedule was saved."), "success")
            return redirect(url_for("cohorts.schedule_page", cohort_id=cohort.id))
    return _render(cohort, rows, form, status=422)
