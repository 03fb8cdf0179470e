"""Pages for project groups: the cohort's groups, one group and its history, suggested groups
(tutors of the cohort and managers), and an official's own group.

Registered on the cohorts blueprint (``certify.cohorts.views.blp``).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Person, Role
from certify.cohorts import groups, schedule, services
from certify.cohorts.forms import (
    AddMemberForm,
    GroupForm,
    MoveMemberForm,
    RemoveMemberForm,
    SuggestionForm,
)
from certify.cohorts.models import Cohort, ProjectGroup
from certify.cohorts.views import blp
from certify.core.errors import DomainError, PermissionDenied
from certify.core.lookups import get_or_not_found
from certify.core.transactions import attempt
from certify.extensions import db

STAFF = (Role.TUTOR, Role.MANAGER)


# --- helpers -----------------------------------------------------------------------------------

def _staff_cohort(cohort_id: int) -> Cohort:
    """The cohort, if the signed-in person may manage its groups."""
    cohort = services.get_cohort(cohort_id)
    if not groups.can_manage_groups(current_person(), cohort):
        raise PermissionDenied(_("Only the cohort's tutors and the programme managers can "
                                 "organise its groups."))
    return cohort


def _group_of(cohort: Cohort, group_id: int) -> ProjectGroup:
    return get_or_not_found(
        ProjectGroup, group_id, _("This cohort has no such group."),
        visible=lambda group: group.cohort_id == cohort.id)


def _person_label(person: Person) -> str:
    place = person.municipality
    return f"{person.family_names}, {person.given_names}" + (f" · {place.name}" if place else "")


def _choices(people: list[Person]) -> list[tuple[int, str]]:
    return [(person.id, _person_label(person)) for person in people]


def _chosen(people: list[Person], person_id: int) -> Person:
    """The person picked in a select whose choices were ``people`` (already validated)."""
    return next(person for person in people if person.id == person_id)


# --- the cohort's groups -----------------------------------------------------------------------

def _render_groups(cohort: Cohort, *, group_form: GroupForm | None = None, status: int = 200):
    return render_template(
        "cohorts/groups.html", cohort=cohort, groups=groups.groups_of_cohort(cohort),
        without_group=groups.people_without_group(cohort),
        statuses=groups.enrolment_statuses(cohort),
        group_form=group_form or GroupForm(formdata=None),
    ), status


@blp.get("/cohorts/<int:cohort_id>/groups")
@require_role(*STAFF)
def groups_index(cohort_id: int):
    return _render_groups(_staff_cohort(cohort_id))


@blp.post("/cohorts/<int:cohort_id>/groups")
@require_role(*STAFF)
def create_group(cohort_id: int):
    cohort = _staff_cohort(cohort_id)
    form = GroupForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            group = groups.create_group(cohort, form.name.data, by=current_person())
        if outcome.succeeded:
            flash(_("The group %(name)s was created.", name=group.name), "success")
            return redirect(url_for("cohorts.group", cohort_id=cohort.id, group_id=group.id))
    return _render_groups(cohort, group_form=form, status=422)


# --- one group ---------------------------------------------------------------------------------

def _add_form(without_group: list[Person], form: AddMemberForm | None = None) -> AddMemberForm:
    form = form or AddMemberForm(prefix="add", formdata=None)
    form.person_id.choices = _choices(without_group)
    return form


def _move_form(cohort: Cohort, group: ProjectGroup, members: list[Person],
               form: MoveMemberForm | None = None) -> MoveMemberForm:
    form = form or MoveMemberForm(prefix="move", formdata=None)
    form.person_id.choices = _choices(members)
    form.to_group_id.choices = [(other.id, other.name) for other in db.session.scalars(
        sa.select(ProjectGroup).where(ProjectGroup.cohort_id == cohort.id,
                                      ProjectGroup.id != group.id)
        .order_by(ProjectGroup.created_at, ProjectGroup.id))]
    return form


def _remove_form(members: list[Person],
                 form: RemoveMemberForm | None = None) -> RemoveMemberForm:
    form = form or RemoveMemberForm(prefix="remove", formdata=None)
    form.person_id.choices = _choices(members)
    return form


def _render_group(cohort: Cohort, group: ProjectGroup, *, status: int = 200, add=None, move=None,
                  remove=None):
    members = groups.current_members(group)
    return render_template(
        "cohorts/group.html", cohort=cohort, group=group, members=members,
        statuses=groups.enrolment_statuses(cohort), history=groups.membership_history(group),
        add_form=_add_form(groups.people_without_group(cohort), add),
        move_form=_move_form(cohort, group, members, move),
        remove_form=_remove_form(members, remove),
    ), status


@blp.get("/cohorts/<int:cohort_id>/groups/<int:group_id>")
@require_role(*STAFF)
def group(cohort_id: int, group_id: int):
    cohort = _staff_cohort(cohort_id)
    return _render_group(cohort, _group_of(cohort, group_id))


def _change_membership(cohort: Cohort, group: ProjectGroup, form: FlaskForm, form_name: str,
                       change: Callable[[], str]):
    """Validate ``form``, make the ``change`` (which returns what to tell) and commit;
    or show the group page again with the errors."""
    if form.validate_on_submit():
        with attempt(form) as outcome:
            done = change()
        if outcome.succeeded:
            flash(done, "success")
            return redirect(url_for("cohorts.group", cohort_id=cohort.id, group_id=group.id))
    return _render_group(cohort, group, status=422, **{form_name: form})


@blp.post("/cohorts/<int:cohort_id>/groups/<int:group_id>/members")
@require_role(*STAFF)
def add_member(cohort_id: int, group_id: int):
    cohort = _staff_cohort(cohort_id)
    group = _group_of(cohort, group_id)
    without_group = groups.people_without_group(cohort)
    form = _add_form(without_group, AddMemberForm(prefix="add"))

    def change() -> str:
        person = _chosen(without_group, form.person_id.data)
        groups.add_member(group, person, by=current_person())
        return _("%(name)s joined %(group)s.", name=person.full_name, group=group.name)

    return _change_membership(cohort, group, form, "add", change)


@blp.post("/cohorts/<int:cohort_id>/groups/<int:group_id>/move")
@require_role(*STAFF)
def move_member(cohort_id: int, group_id: int):
    cohort = _staff_cohort(cohort_id)
    group = _group_of(cohort, group_id)
    members = groups.current_members(group)
    form = _move_form(cohort, group, members, MoveMemberForm(prefix="move"))

    def change() -> str:
        person = _chosen(members, form.person_id.data)
        to_group = _group_of(cohort, form.to_group_id.data)
        groups.move_member(person, to_group, by=current_person(), reason=form.reason.data)
        return _("%(name)s was moved to %(group)s.", name=person.full_name, group=to_group.name)

    return _change_membership(cohort, group, form, "move", change)


@blp.post("/cohorts/<int:cohort_id>/groups/<int:group_id>/remove")
@require_role(*STAFF)
def remove_member(cohort_id: int, group_id: int):
    cohort = _staff_cohort(cohort_id)
    group = _group_of(cohort, group_id)
    members = groups.current_members(group)
    form = _remove_form(members, RemoveMemberForm(prefix="remove"))

    def change() -> str:
        person = _chosen(members, form.person_id.data)
        groups.remove_member(person, cohort, by=current_person(), reason=form.reason.data)
        return _("%(name)s left %(group)s.", name=person.full_name, group=group.name)

    return _change_membership(cohort, group, form, "remove", change)


# --- suggested groups --------------------------------------------------------------------------

def _layout(suggestion: list[list[Person]]) -> str:
    """The preview as text ("3,8,12;5,9,14"), so that applying it can check nothing changed."""
    return ";".join(",".join(str(person.id) for person in group) for group in suggestion)


def _render_suggestion(cohort: Cohort, form: SuggestionForm, *, status: int = 200):
    suggestion, problem = [], None
    if not form.errors:
        try:
            suggestion = groups.suggest_groups(cohort, min_size=form.min_size.data,
                                               max_size=form.max_size.data)
        except DomainError as error:
            problem, status = error.message, 422
    form.layout.data = _layout(suggestion)
    names = groups.next_group_names(cohort, _("Group"), len(suggestion))
    return render_template(
        "cohorts/suggest.html", cohort=cohort, form=form, problem=problem,
        suggestion=list(zip(names, suggestion, strict=True)),
    ), status


@blp.get("/cohorts/<int:cohort_id>/groups/suggest")
@require_role(*STAFF)
def suggest_groups(cohort_id: int):
    cohort = _staff_cohort(cohort_id)
    # Other sizes come as a GET query, so the preview can be bookmarked and reloaded.
    form = SuggestionForm(request.args or None, meta={"csrf": False})
    if request.args:
        form.validate()
    return _render_suggestion(cohort, form, status=422 if form.errors else 200)


@blp.post("/cohorts/<int:cohort_id>/groups/suggest")
@require_role(*STAFF)
def apply_suggestion(cohort_id: int):
    cohort = _staff_cohort(cohort_id)
    form = SuggestionForm()
    if not form.validate_on_submit():
        return _render_suggestion(cohort, form, status=422)
    try:
        suggestion = groups.suggest_groups(cohort, min_size=form.min_size.data,
                                           max_size=form.max_size.data)
    except DomainError:
        return _render_suggestion(cohort, form, status=422)
    if not suggestion or _layout(suggestion) != form.layout.data:
        flash(_("The people without a group changed since the preview. Check this new "
                "suggestion and apply it again."), "warning")
        return _render_suggestion(cohort, form, status=409)
    with attempt() as outcome:
        created = groups.apply_suggestion(cohort, suggestion, by=current_person(),
                                          name_prefix=_("Group"))
    if not outcome.succeeded:
        return _render_suggestion(cohort, form, status=outcome.error.status)
    flash(ngettext("%(num)d group was created with %(people)d people.",
                   "%(num)d groups were created with %(people)d people.", len(created),
                   people=sum(len(people) for people in suggestion)), "success")
    return redirect(url_for("cohorts.groups_index", cohort_id=cohort.id))


# --- an official's own group -------------------------------------------------------------------

@blp.get("/my-programme/<int:cohort_id>/group")
@require_role(Role.OFFICIAL)
def my_group(cohort_id: int):
    cohort = services.get_cohort(cohort_id)
    person = current_person()
    if not services.is_enrolled_in(person, cohort):
        raise PermissionDenied(_("You are not enrolled in this cohort."))
    group = groups.current_group(person, cohort)
    return render_template(
        "cohorts/my_group.html", cohort=cohort, group=group,
        members=groups.current_members(group) if group else [],
        schedule=schedule.cohort_schedule(cohort),
    )
