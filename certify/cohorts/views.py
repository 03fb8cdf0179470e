"""Pages: the cohorts list, creating and editing cohorts, their tutors and enrolments."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from certify.accounts.access import current_person, require_role
from certify.accounts.forms import ImportForm
from certify.accounts.models import Person, Role
from certify.cohorts import enrolments, services
from certify.cohorts.forms import CohortForm, EnrolByEmailForm, EnrolmentStatusForm, NewCohortForm
from certify.cohorts.models import Cohort, EnrolmentStatus
from certify.core.csv_import import import_uploaded_csv
from certify.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from certify.core.forms import attach_domain_error
from certify.core.transactions import attempt
from certify.extensions import db
from certify.programmes.models import Programme
from certify.programmes.services import get_programme, programmes_query

blp = Blueprint("cohorts", __name__)

COHORTS_PER_PAGE = 50
ENROLMENTS_PER_PAGE = 50


# --- helpers -----------------------------------------------------------------------------------

def viewable_cohort(cohort_id: int) -> Cohort:
    """The cohort, if the signed-in person manages cohorts or tutors this one."""
    cohort = services.get_cohort(cohort_id)
    person = current_person()
    if not (services.can_manage_cohort(person, cohort) or services.is_tutor_of(person, cohort)):
        raise PermissionDenied(_("Only the cohort's tutors and the programme managers can see it."))
    return cohort


def _programme_choices() -> list[tuple[int, str]]:
    return [(p.id, f"{p.title_in()} ({p.code})") for p in db.session.scalars(programmes_query())]


def _tutor_choices(programme: Programme | None = None,
                   current: list[Person] = ()) -> list[tuple[int, str]]:
    people = {person.id: person for person in services.tutor_candidates(programme)}
    for person in current:  # keep showing a tutor whose role was taken away meanwhile
        people.setdefault(person.id, person)
    return [(p.id, f"{p.family_names}, {p.given_names} ({p.email})") for p in people.values()]


def _people(ids: list[int]) -> list[Person]:
    found = {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(ids)))}
    return [found[person_id] for person_id in ids if person_id in found]


def _add_error(field, message: str) -> None:
    field.errors = list(field.errors) + [message]


def _attach_cohort_errors(form: CohortForm, error: DomainError) -> None:
    """Put a service's complaint next to the field it is about, in the reader's language."""
    if isinstance(error, Conflict) and "name" in error.errors:
        _add_error(form.name, _("Another cohort of this programme already has this name."))
    elif "tutor_ids" in error.errors:
        _add_error(form.tutor_ids, _("Only people holding the tutor role for this programme "
                                     "can tutor its cohorts."))
    elif "ends_on" in error.errors:
        _add_error(form.ends_on, _("The cohort cannot end before it starts."))
    else:
        attach_domain_error(form, error)


def _attach_enrolment_errors(form: EnrolByEmailForm, error: DomainError) -> None:
    if isinstance(error, enrolments.UnknownEmails):
        for email in error.invalid:
            _add_error(form.emails, _("%(email)s is not a valid e-mail address.", email=email))
        for email in error.unknown:
            _add_error(form.emails, _("Nobody is registered with %(email)s.", email=email))
        _add_error(form.emails, _("Nobody was enrolled. Correct the list and send it again."))
    else:
        _add_error(form.emails, error.message)


def _enrolment_filters() -> dict:
    status = request.args.get("status")
    return {"search": request.args.get("q") or None,
            "status": status if status in set(EnrolmentStatus) else None}


def _render_detail(cohort: Cohort, *, status: int = 200, enrol_form=None, import_form=None,
                   import_result=None, rejected=None):
    filters = _enrolment_filters()
    page = db.paginate(enrolments.enrolments_query(cohort, **filters),
                       per_page=ENROLMENTS_PER_PAGE, error_out=False)
    return render_template(
        "cohorts/detail.html", cohort=cohort, page=page, filters=filters,
        counts=enrolments.enrolment_status_counts(cohort),
        can_manage=services.can_manage_cohort(current_person(), cohort),
        statuses=list(EnrolmentStatus),
        enrol_form=enrol_form or EnrolByEmailForm(formdata=None),
        import_form=import_form or ImportForm(formdata=None),
        import_result=import_result, rejected=rejected,
    ), status


def _back_to_detail(cohort: Cohort):
    """Back to the cohort page, keeping its search and page if the form says where it was."""
    detail = url_for("cohorts.detail", cohort_id=cohort.id)
    back = request.form.get("back", "")
    if back == detail or back.startswith(detail + "?"):
        return redirect(back)
    return redirect(detail)


# --- cohorts -----------------------------------------------------------------------------------

@blp.get("/cohorts")
@require_role(Role.MANAGER, Role.TUTOR)
def index():
    person = current_person()
    filters = {"search": request.args.get("q") or None,
               "programme_id": request.args.get("programme", type=int) or None}
    page = db.paginate(services.cohorts_query(visible_to=person, **filters),
                       per_page=COHORTS_PER_PAGE, error_out=False)
    return render_template(
        "cohorts/index.html", page=page, filters=filters,
        counts=enrolments.active_enrolment_counts(page.items),
        programmes=db.session.scalars(programmes_query()).all(),
        can_create=person.has_role(Role.MANAGER),
    )


@blp.route("/cohorts/new", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def new():
    form = NewCohortForm()
    form.programme_id.choices = _programme_choices()
    form.tutor_ids.choices = _tutor_choices()
    if form.validate_on_submit():
        with attempt(on_error=lambda error: _attach_cohort_errors(form, error)) as outcome:
            cohort = services.create_cohort(
                get_programme(form.programme_id.data), name=form.name.data,
                starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                tutors=_people(form.tutor_ids.data or []),
            )
        if outcome.succeeded:
            flash(_("The cohort %(name)s was created.", name=cohort.name), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    status = 422 if form.errors else 200
    return render_template("cohorts/form.html", form=form, cohort=None), status


@blp.get("/cohorts/<int:cohort_id>")
@require_role(Role.MANAGER, Role.TUTOR)
def detail(cohort_id: int):
    return _render_detail(viewable_cohort(cohort_id))


@blp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def edit(cohort_id: int):
    cohort = services.get_cohort(cohort_id)
    form = CohortForm(obj=cohort)
    form.tutor_ids.choices = _tutor_choices(cohort.programme, cohort.tutors)
    if request.method == "GET":
        form.tutor_ids.data = [tutor.id for tutor in cohort.tutors]
    if form.validate_on_submit():
        with attempt(on_error=lambda error: _attach_cohort_errors(form, error)) as outcome:
            services.update_cohort(
                cohort, name=form.name.data, starts_on=form.starts_on.data,
                ends_on=form.ends_on.data, tutors=_people(form.tutor_ids.data or []),
            )
        if outcome.succeeded:
            flash(_("The changes were saved."), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    status = 422 if form.errors else 200
    return render_template("cohorts/form.html", form=form, cohort=cohort), status


# --- enrolments --------------------------------------------------------------------------------

@blp.post("/cohorts/<int:cohort_id>/enrol")
@require_role(Role.MANAGER)
def enrol(cohort_id: int):
    cohort = services.get_cohort(cohort_id)
    form = EnrolByEmailForm()
    if form.validate_on_submit():
        with attempt(on_error=lambda error: _attach_enrolment_errors(form, error)) as outcome:
            counts = enrolments.enrol_by_email(cohort, enrolments.split_emails(form.emails.data))
        if outcome.succeeded:
            flash(_("%(created)d enrolled, %(reactivated)d re-activated, "
                    "%(unchanged)d were already enrolled.", created=counts.created,
                    reactivated=counts.reactivated, unchanged=counts.unchanged), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return _render_detail(cohort, enrol_form=form, status=422)


@blp.post("/cohorts/<int:cohort_id>/import")
@require_role(Role.MANAGER)
def import_csv(cohort_id: int):
    cohort = services.get_cohort(cohort_id)
    form = ImportForm()
    result, rejected = import_uploaded_csv(
        form, lambda text: enrolments.import_into_cohort(cohort, text,
                                                         skip_invalid=form.skip_invalid.data))
    status = 422 if (form.errors or rejected) else 200
    return _render_detail(cohort, import_form=form, import_result=result, rejected=rejected,
                          status=status)


@blp.post("/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/status")
@require_role(Role.MANAGER)
def enrolment_status(cohort_id: int, enrolment_id: int):
    cohort = services.get_cohort(cohort_id)
    enrolment = enrolments.get_enrolment(enrolment_id)
    if enrolment.cohort_id != cohort.id:
        raise NotFound(_("This cohort has no such enrolment."))
    form = EnrolmentStatusForm()
    if not form.validate_on_submit():
        flash(_("Choose active, inactive or withdrawn."), "error")
        return _render_detail(cohort, status=422)
    enrolments.set_enrolment_status(enrolment, form.status.data)
    flash(_("The enrolment of %(name)s was updated.", name=enrolment.person.full_name), "success")
    return _back_to_detail(cohort)


# The group and schedule pages live in their own modules, on this blueprint.
from certify.cohorts import group_views, schedule_views  # noqa: E402,F401 - registers them
