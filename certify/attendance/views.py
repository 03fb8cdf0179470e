"""Pages: the sessions, registering and tickets (officials), check-in at the door (staff)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Municipality, Person, Role
from certify.accounts.services import municipalities_query
from certify.attendance import services
from certify.attendance.formatting import aware_to_local, local_to_aware, session_when
from certify.attendance.forms import (
    AddWalkInForm,
    AttendanceForm,
    NewSessionForm,
    NewWalkInForm,
    SessionForm,
)
from certify.attendance.models import InPersonSession, Registration, RegistrationStatus
from certify.cohorts.services import cohorts_query, get_cohort
from certify.core.clock import utcnow
from certify.core.errors import Conflict, DomainError, NotFound
from certify.core.forms import attach_domain_error
from certify.core.lookups import get_or_not_found
from certify.core.security_headers import permit_camera
from certify.core.timezones import zone_choices
from certify.core.transactions import attempt
from certify.extensions import db
from certify.programmes.services import get_module

blp = Blueprint("attendance", __name__)

EVERYONE = (Role.OFFICIAL, Role.TUTOR, Role.MANAGER)
STAFF = (Role.TUTOR, Role.MANAGER)
SESSIONS_PER_PAGE = 50
REGISTRATIONS_PER_PAGE = 20  # a short page on a phone; the search finds anyone else

blp.add_app_template_filter(session_when, "session_when")


# --- helpers -----------------------------------------------------------------------------------

def _own_registration(registration_id: int) -> Registration:
    """The signed-in person's registration; anyone else's is "not found", not "forbidden"."""
    return get_or_not_found(
        Registration, registration_id, _("There is no such registration."),
        visible=lambda registration: registration.person_id == current_person().id)


def _flash_registered(registration: Registration) -> None:
    if registration.status is RegistrationStatus.CONFIRMED:
        flash(_("Your seat is confirmed. Your ticket is below and was also sent to %(email)s.",
                email=registration.person.email), "success")
    else:
        flash(_("The session is full: you are number %(position)d on the waitlist. If a seat "
                "comes free, you will get your ticket by e-mail.",
                position=services.waitlist_position(registration)), "warning")


# --- sessions ----------------------------------------------------------------------------------

@blp.get("/sessions")
@require_role(*EVERYONE)
def index():
    person = current_person()
    cohort_id = request.args.get("cohort_id", type=int)
    page = db.paginate(services.sessions_query(visible_to=person, cohort_id=cohort_id),
                       per_page=SESSIONS_PER_PAGE, error_out=False)
    mine = services.registrations_of(person, page.items)
    return render_template(
        "attendance/index.html", page=page, figures=services.session_figures(page.items),
        mine=mine, positions=services.waitlist_positions(mine.values()),
        can_create=person.has_role(Role.MANAGER),
    )


def _cohort_choices() -> list[tuple[int, str]]:
    cohorts = db.session.scalars(cohorts_query(visible_to=current_person())).all()
    return [(0, "—")] + [(c.id, f"{c.name} ({c.programme.code})") for c in cohorts]


def _module_choices() -> list[tuple[int, str]]:
    return [(0, "—")] + [(m.id, f"{m.programme.code} · {m.code} · {m.title_in()}")
                         for m in services.in_person_modules()]


def _offer_places(form: SessionForm, session: InPersonSession | None = None) -> None:
    form.venue_municipality_id.choices = _municipality_choices()
    zones = zone_choices()
    if session is not None and session.time_zone not in dict(zones):  # one set through the API
        zones.append((session.time_zone, session.time_zone))
    form.time_zone.choices = [("", _("The venue municipality's"))] + zones


def _session_values(form: SessionForm) -> dict:
    """The form's details; the times are typed at the venue's clock, so in its zone."""
    municipality = (db.session.get(Municipality, form.venue_municipality_id.data)
                    if form.venue_municipality_id.data else None)
    zone = services.venue_time_zone(form.time_zone.data, municipality)
    return {"title": form.title.data, "starts_at": local_to_aware(form.starts_at.data, zone),
            "ends_at": local_to_aware(form.ends_at.data, zone), "venue": form.venue.data,
            "capacity": form.capacity.data, "registration_open": form.registration_open.data,
            "venue_municipality": municipality, "time_zone": form.time_zone.data or None}


@blp.route("/sessions/new", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def new():
    form = NewSessionForm()
    form.cohort_id.choices = _cohort_choices()
    form.module_id.choices = _module_choices()
    _offer_places(form)
    if request.method == "GET" and len(form.module_id.choices) == 2:
        form.module_id.data = form.module_id.choices[1][0]  # the usual case: one such module
    if form.validate_on_submit():
        with attempt(form) as outcome:
            in_person = services.create_session(
                cohort=get_cohort(form.cohort_id.data),
                module=get_module(form.module_id.data), **_session_values(form))
        if outcome.succeeded:
            flash(_("The session %(title)s was scheduled.", title=in_person.title), "success")
            return redirect(url_for("attendance.detail", session_id=in_person.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("attendance/form.html", form=form, session=None), status


@blp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def edit(session_id: int):
    in_person = services.get_session(session_id)
    form = SessionForm(obj=in_person)
    _offer_places(form, in_person)
    if form.venue_municipality_id.data is None:  # none yet: the select's "—", kept if not sent
        form.venue_municipality_id.data = 0
    if request.method == "GET":
        form.starts_at.data = aware_to_local(in_person.starts_at, in_person.time_zone)
        form.ends_at.data = aware_to_local(in_person.ends_at, in_person.time_zone)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            services.update_session(in_person, **_session_values(form))
        if outcome.succeeded:
            flash(_("The changes were saved."), "success")
            return redirect(url_for("attendance.detail", session_id=in_person.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("attendance/form.html", form=form, session=in_person), status


def _render_detail(in_person: InPersonSession, *, status: int = 200):
    person = current_person()
    can_run = services.can_run_session(person, in_person)
    registration = services.find_registration(in_person, person)
    page = None
    if can_run:
        page = db.paginate(services.registrations_query(
            in_person, statuses=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]),
            per_page=REGISTRATIONS_PER_PAGE, error_out=False)
    return render_template(
        "attendance/detail.html", session=in_person, registration=registration, page=page,
        position=services.waitlist_position(registration) if registration else None,
        figures=services.session_figures([in_person])[in_person.id], can_run=can_run,
        can_edit=person.has_role(Role.MANAGER), has_started=utcnow() >= in_person.starts_at,
        can_register=(person.has_role(Role.OFFICIAL)
                      and services.is_actively_enrolled(person, in_person.cohort)),
    ), status


@blp.get("/sessions/<int:session_id>")
@require_role(*EVERYONE)
def detail(session_id: int):
    return _render_detail(services.get_visible_session(current_person(), session_id))


# --- registering (officials) -------------------------------------------------------------------

@blp.post("/sessions/<int:session_id>/register")
@require_role(Role.OFFICIAL)
def register(session_id: int):
    in_person = services.get_visible_session(current_person(), session_id)
    with attempt(catch=Conflict) as outcome:
        registration = services.register(in_person, current_person())
    if not outcome.succeeded:
        return _render_detail(in_person, status=409)
    _flash_registered(registration)
    if registration.status is RegistrationStatus.CONFIRMED:
        return redirect(url_for("attendance.ticket", registration_id=registration.id))
    return redirect(url_for("attendance.detail", session_id=in_person.id))


@blp.post("/registrations/<int:registration_id>/cancel")
@require_role(Role.OFFICIAL)
def cancel(registration_id: int):
    registration = _own_registration(registration_id)
    in_person = registration.session
    with attempt(catch=Conflict) as outcome:
        services.cancel_registration(registration)
    if not outcome.succeeded:
        return _render_detail(in_person, status=409)
    flash(_("Your registration was cancelled."), "success")
    return redirect(url_for("attendance.detail", session_id=in_person.id))


@blp.get("/registrations/<int:registration_id>/ticket")
@require_role()
def ticket(registration_id: int):
    registration = _own_registration(registration_id)
    if registration.status is not RegistrationStatus.CONFIRMED or not registration.ticket_code:
        if registration.status is RegistrationStatus.WAITLISTED:
            flash(_("You are on the waitlist: the ticket comes when a seat is yours."), "warning")
            return redirect(url_for("attendance.detail", session_id=registration.session_id))
        raise NotFound(_("This registration has no ticket."))
    response = render_template("attendance/ticket.html", registration=registration,
                               session=registration.session,
                               qr=services.ticket_svg(registration),
                               can_cancel=services.can_cancel(registration))
    # A personal ticket: not to be kept by shared caches or the browser's back button.
    return response, 200, {"Cache-Control": "no-store"}


# --- at the door (staff) -----------------------------------------------------------------------

def _municipality_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(municipalities_query()).all()
    return [(0, "—")] + [(m.id, f"{m.name} ({m.region.country.code})") for m in rows]


def _render_check_in(in_person: InPersonSession, *, new_walk_in: NewWalkInForm | None = None,
                     status: int = 200):
    search = (request.values.get("q") or "").strip()
    walk_in_search = (request.values.get("walk_in_q") or "").strip()
    page = db.paginate(services.registrations_query(
        in_person, search=search or None, statuses=[RegistrationStatus.CONFIRMED]),
        per_page=REGISTRATIONS_PER_PAGE, error_out=False)
    new_walk_in = new_walk_in or NewWalkInForm(formdata=None)
    new_walk_in.municipality_id.choices = _municipality_choices()
    permit_camera()  # the ticket scanner
    return render_template(
        "attendance/check_in.html", session=in_person, page=page, search=search,
        walk_in_search=walk_in_search,
        candidates=services.walk_in_candidates(in_person, walk_in_search),
        figures=services.session_figures([in_person])[in_person.id],
        statuses=services.MANUAL_STATUSES, new_walk_in=new_walk_in,
    ), status


@blp.get("/sessions/<int:session_id>/check-in")
@require_role(*STAFF)
def check_in(session_id: int):
    return _render_check_in(services.get_session_to_run(current_person(), session_id))


def _back_to_check_in(in_person: InPersonSession, **search):
    return redirect(url_for("attendance.check_in", session_id=in_person.id,
                            **{key: value for key, value in search.items() if value}))


@blp.post("/sessions/<int:session_id>/check-in/attendance")
@require_role(*STAFF)
def set_attendance(session_id: int):
    in_person = services.get_session_to_run(current_person(), session_id)
    form = AttendanceForm()
    if not form.validate_on_submit():
        flash(_("Choose present, late, absent or excused."), "error")
        return _render_check_in(in_person, status=422)
    registration = get_or_not_found(
        Registration, form.registration_id.data, _("This session has no such registration."),
        visible=lambda registration: registration.session_id == in_person.id)
    with attempt(catch=Conflict) as outcome:
        result = services.set_attendance(registration, form.status.data, by=current_person())
    if not outcome.succeeded:
        return _render_check_in(in_person, status=409)
    flash(result.message(), "success")
    return _back_to_check_in(in_person, q=form.q.data)


@blp.post("/sessions/<int:session_id>/walk-ins")
@require_role(*STAFF)
def add_walk_in(session_id: int):
    in_person = services.get_session_to_run(current_person(), session_id)
    form = AddWalkInForm()
    if not form.validate_on_submit():
        flash(_("Choose the person to add."), "error")
        return _render_check_in(in_person, status=422)
    person = get_or_not_found(
        Person, form.person_id.data, _("There is no such person."),
        visible=lambda person: person.active)
    with attempt(catch=Conflict) as outcome:
        result = services.add_walk_in(in_person, person, by=current_person())
    if not outcome.succeeded:
        return _render_check_in(in_person, status=409)
    flash(result.message(), "success")
    return _back_to_check_in(in_person)


def _attach_walk_in_errors(form: NewWalkInForm, error: DomainError) -> None:
    if "email" in error.errors and isinstance(error, Conflict):
        form.email.errors = [_("Someone is already registered with this e-mail: "
                               "search for them above instead.")]
    else:
        attach_domain_error(form, error)


@blp.post("/sessions/<int:session_id>/walk-ins/new")
@require_role(*STAFF)
def new_walk_in(session_id: int):
    in_person = services.get_session_to_run(current_person(), session_id)
    form = NewWalkInForm()
    form.municipality_id.choices = _municipality_choices()
    if form.validate_on_submit():
        with attempt(on_error=lambda error: _attach_walk_in_errors(form, error)) as outcome:
            result = services.create_walk_in(
                in_person, given_names=form.given_names.data, family_names=form.family_names.data,
                email=form.email.data,
                municipality=db.session.get(Municipality, form.municipality_id.data),
                by=current_person(), namesake_confirmed=form.confirm_namesake.data)
        if outcome.succeeded:
            flash(result.message(), "success")
            return _back_to_check_in(in_person)
    return _render_check_in(in_person, new_walk_in=form, status=422)


@blp.post("/sessions/<int:session_id>/close")
@require_role(*STAFF)
def close(session_id: int):
    in_person = services.get_session_to_run(current_person(), session_id)
    with attempt(catch=Conflict) as outcome:
        no_shows = services.close_session(in_person, by=current_person())
    if not outcome.succeeded:
        return _render_check_in(in_person, status=409)
    flash(ngettext("The session was closed: %(num)d person without a check-in is now a "
                   "no-show.", "The session was closed: %(num)d people without a check-in are "
                   "now no-shows.", no_shows), "success")
    return _back_to_check_in(in_person)
