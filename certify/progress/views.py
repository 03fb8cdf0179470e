"""Pages for officials: their programme and its modules."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Role
from certify.progress.services import active_enrolments
from certify.core.errors import NotFound
from certify.programmes.services import get_module_by_code

blp = Blueprint("progress", __name__)


@blp.get("/my-programme")
@require_role(Role.OFFICIAL)
def my_programme():
    enrolments = active_enrolments(current_person())
    return render_template("progress/my_programme.html", enrolments=enrolments)


@blp.get("/my-programme/<int:cohort_id>/modules/<code>")
@require_role(Role.OFFICIAL)
def module(cohort_id: int, code: str):
    enrolment = next((e for e in active_enrolments(current_person()) if e.cohort_id == cohort_id), None)
    if enrolment is None:
        raise NotFound(_("You are not enrolled in this cohort."))
    programme = enrolment.cohort.programme
    return render_template("programmes/module.html", programme=programme, cohort=enrolment.cohort,
                           module=get_module_by_code(programme, code))
