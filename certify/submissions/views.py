"""Pages: a group's prototype and its versions, submitting, downloads, the grading queue,
grading with the rubric, member adjustments and reopening."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Person, Role
from certify.cohorts.groups import current_members
from certify.core import audit
from certify.core.confirmation import Confirmation, confirmation_page, is_confirmed
from certify.core.errors import PermissionDenied
from certify.core.lookups import get_or_not_found
from certify.core.transactions import attempt
from certify.extensions import db
from certify.submissions import adjusting, grading
from certify.submissions.downloads import send_submission_file
from certify.submissions.files import ACCEPTED_EXTENSIONS, IncomingFile
from certify.submissions.forms import AdjustmentForm, GradeForm, PrototypeForm, ReopenForm
from certify.submissions.models import PrototypeGrade, PrototypeSubmission
from certify.submissions.permissions import can_grade, can_reopen, can_submit
from certify.submissions.queue import QUEUE_FILTERS, gradable_cohorts, grading_queue
from certify.submissions.results import prototype_pass_mark
from certify.submissions.submitting import (
    TEXT_FIELDS,
    current_groups_of,
    get_file,
    get_submission,
    get_visible_group,
    get_visible_submission,
    latest_version,
    submit_prototype,
    versions_of,
)

blp = Blueprint("submissions", __name__)

QUEUE_PER_PAGE = 50
STAFF = (Role.TUTOR, Role.MANAGER)


# --- helpers -----------------------------------------------------------------------------------

def _gradable_submission(submission_id: int) -> PrototypeSubmission:
    submission = get_submission(submission_id)
    grading.check_can_grade(current_person(), submission)
    return submission


def _gradable_grade(grade_id: int) -> PrototypeGrade:
    grade = grading.get_grade(grade_id)
    grading.check_can_grade(current_person(), grade.submission)
    return grade


def _form_status(form, default: int = 422) -> int:
    return default if form.errors or form.form_errors else 200


# --- officials: their group's prototype --------------------------------------------------------

@blp.get("/my-prototype")
@require_role(Role.OFFICIAL)
def my_prototype():
    groups = current_groups_of(current_person())
    if len(groups) == 1:
        return redirect(url_for("submissions.group", group_id=groups[0].id))
    return render_template("submissions/my_groups.html", groups=groups)


def _render_group(group, *, form: PrototypeForm | None = None, status: int = 200):
    person = current_person()
    versions = versions_of(group)
    if form is None:  # a new version starts from the texts of the last one
        latest = versions[0] if versions else None
        form = PrototypeForm(formdata=None, data={name: getattr(latest, name)
                                                  for name in TEXT_FIELDS} if latest else None)
    return render_template(
        "submissions/group.html", group=group, cohort=group.cohort, versions=versions,
        members=current_members(group), form=form, can_submit=can_submit(person, group),
        can_grade=can_grade(person, group.cohort), accept=",".join(ACCEPTED_EXTENSIONS),
    ), status


@blp.get("/groups/<int:group_id>/prototype")
@require_role()
def group(group_id: int):
    return _render_group(get_visible_group(current_person(), group_id))


@blp.post("/groups/<int:group_id>/prototype")
@require_role(Role.OFFICIAL)
def submit(group_id: int):
    group = get_visible_group(current_person(), group_id)
    if not can_submit(current_person(), group):
        raise PermissionDenied(_("Only the current members of the group can submit its "
                                 "prototype."))
    form = PrototypeForm()
    status = 422
    if form.validate_on_submit():
        files = [IncomingFile(storage.filename, storage.stream)
                 for storage in form.files.data or [] if storage and storage.filename]
        with attempt(form) as outcome:
            submission = submit_prototype(group, by=current_person(), files=files,
                                          **form.texts())
        if outcome.error is not None:
            status = outcome.error.status
        else:
            flash(_("Version %(version)d of the prototype was submitted.",
                    version=submission.version), "success")
            if submission.late:
                flash(_("It was submitted after the deadline and is marked late."), "warning")
            return redirect(url_for("submissions.submission", submission_id=submission.id))
    return _render_group(group, form=form, status=status)


@blp.get("/submissions/<int:submission_id>")
@require_role()
def submission(submission_id: int):
    submission = get_visible_submission(current_person(), submission_id)
    person = current_person()
    grader = can_grade(person, submission.group.cohort)
    grade = submission.grade
    shown = grade if grade is not None and (grade.released or grader) else None
    return render_template(
        "submissions/submission.html", submission=submission, group=submission.group,
        grade=shown, grader=grader,
        rubric=grading.rubric_of(submission.group.cohort.programme) if shown else None,
        own_adjustment=shown.adjustment_for(person) if shown and shown.released else None,
    )


@blp.get("/submissions/<int:submission_id>/files/<int:file_id>")
@require_role()
def download(submission_id: int, file_id: int):
    submission = get_visible_submission(current_person(), submission_id)
    return send_submission_file(get_file(submission, file_id))


# --- tutors and managers: the queue and the grading page ---------------------------------------

@blp.get("/grading")
@require_role(*STAFF)
def queue():
    person = current_person()
    status = request.args.get("status")
    filters = {"status": status if status in QUEUE_FILTERS else None,
               "cohort_id": request.args.get("cohort", type=int) or None}
    page = db.paginate(grading_queue(person, **filters), per_page=QUEUE_PER_PAGE,
                       error_out=False)
    return render_template("submissions/queue.html", page=page, filters=filters,
                           cohorts=gradable_cohorts(person), statuses=QUEUE_FILTERS)


def _posted_scores(rubric) -> dict[str, int | str | None]:
    """The level chosen for each criterion; text that is not a number goes on to be refused."""
    scores: dict[str, int | str | None] = {}
    for criterion in rubric.active_criteria:
        raw = request.form.get(f"score-{criterion.key}", "").strip()
        scores[criterion.key] = int(raw) if raw.isdigit() else (raw or None)
    return scores


def _render_grading(submission: PrototypeSubmission, *, grade_form: GradeForm | None = None,
                    chosen: dict | None = None, score_errors: dict | None = None,
                    adjustment_form: AdjustmentForm | None = None,
                    reopen_form: ReopenForm | None = None, status: int = 200):
    person = current_person()
    rubric = grading.require_rubric(submission.group.cohort.programme)
    grade = submission.grade
    members = grading.members_of_version(submission)
    if chosen is None:
        chosen = {c.key: grade.points_for(c) for c in rubric.criteria} if grade else {}
    if adjustment_form is None:
        adjustment_form = AdjustmentForm(formdata=None)
    adjustment_form.person_id.choices = [(m.id, m.full_name) for m in members]
    return render_template(
        "submissions/grade.html", submission=submission, group=submission.group,
        rubric=rubric, grade=grade, chosen=chosen, score_errors=score_errors or {},
        members=members, latest_version=latest_version(submission.group),
        history=audit.history(grade) if grade else [],
        form=grade_form or GradeForm(formdata=None, obj=grade),
        adjustment_form=adjustment_form,
        reopen_form=reopen_form or ReopenForm(formdata=None),
        can_reopen=can_reopen(person), pass_mark=prototype_pass_mark(submission.group.cohort),
    ), status


@blp.get("/submissions/<int:submission_id>/grade")
@require_role(*STAFF)
def grade(submission_id: int):
    return _render_grading(_gradable_submission(submission_id))


@blp.post("/submissions/<int:submission_id>/grade")
@require_role(*STAFF)
def save_grade(submission_id: int):
    submission = _gradable_submission(submission_id)
    rubric = grading.require_rubric(submission.group.cohort.programme)
    form = GradeForm()
    chosen = _posted_scores(rubric)
    releasing = request.form.get("action") == "release"
    if not form.validate_on_submit():
        return _render_grading(submission, grade_form=form, chosen=chosen, status=422)
    asking = releasing and not is_confirmed()
    with attempt(on_error=lambda error: form.form_errors.append(error.message)) as outcome:
        saved = grading.save_draft(submission, by=current_person(), scores=chosen,
                                   feedback=form.feedback.data or "")
        if asking:
            percent = grading.releasable_percent(saved, by=current_person())
        elif releasing:
            grading.release_grade(saved, by=current_person())
    if not outcome.succeeded:
        return _render_grading(submission, grade_form=form, chosen=chosen,
                               score_errors=outcome.error.errors, status=outcome.error.status)
    if asking:  # the draft is saved; releasing waits for the confirmation
        return _confirm_release(submission, saved, percent, chosen, form.feedback.data or "")
    if releasing:
        flash(_("The grade was released; the group's members can see it now."), "success")
    else:
        flash(_("The draft was saved. The members will see the grade once you release it."),
              "success")
    return redirect(url_for("submissions.grade", submission_id=submission.id))


def _confirm_release(submission: PrototypeSubmission, grade: PrototypeGrade, percent,
                     chosen: dict, feedback: str):
    members = grading.members_of_version(submission)
    pass_mark = prototype_pass_mark(submission.group.cohort)
    passes = percent is not None and percent >= pass_mark
    reopenable = can_reopen(current_person())
    return confirmation_page(Confirmation(
        title=_("Release the grade of %(group)s?", group=submission.group.name),
        consequences=[
            _("Group result: %(percent)s%% (the pass mark is %(mark)s%%): %(verdict)s.",
              percent=format_decimal(percent), mark=format_decimal(pass_mark),
              verdict=_("passed") if passes else _("not passed")),
            ngettext("%(num)d member sees the grade and the feedback from now on: %(names)s.",
                     "%(num)d members see the grade and the feedback from now on: %(names)s.",
                     len(members), names=", ".join(member.full_name for member in members)),
            _("The grade becomes final: its levels can no longer be changed."),
        ],
        quoted=feedback or None, people=len(members), reversible=reopenable,
        undo=_("As a manager you can reopen it, with a reason kept in the audit log; the "
               "members will have seen it.") if reopenable else
        _("Only a manager can reopen it, with a reason."),
        action=url_for("submissions.save_grade", submission_id=submission.id),
        values={"action": "release", "feedback": feedback,
                **{f"score-{key}": "" if points is None else str(points)
                   for key, points in chosen.items()}},
        confirm_label=_("Yes, release the grade"),
        cancel_url=url_for("submissions.grade", submission_id=submission.id)))


@blp.post("/grades/<int:grade_id>/adjustments")
@require_role(*STAFF)
def adjust(grade_id: int):
    grade = _gradable_grade(grade_id)
    form = AdjustmentForm()
    form.person_id.choices = [(m.id, m.full_name)
                              for m in grading.members_of_version(grade.submission)]
    if form.validate_on_submit():
        person = db.session.get(Person, form.person_id.data)
        with attempt(form) as outcome:
            adjusting.adjust_member(grade, person, percent=form.percent.data,
                                    reason=form.reason.data, by=current_person())
        if not outcome.succeeded:
            return _render_grading(grade.submission, adjustment_form=form,
                                   status=outcome.error.status)
        flash(_("The percent of %(name)s was adjusted.", name=person.full_name), "success")
        return redirect(url_for("submissions.grade", submission_id=grade.submission_id))
    return _render_grading(grade.submission, adjustment_form=form, status=_form_status(form))


@blp.post("/grades/<int:grade_id>/adjustments/<int:person_id>/remove")
@require_role(*STAFF)
def remove_adjustment(grade_id: int, person_id: int):
    grade = _gradable_grade(grade_id)
    person = get_or_not_found(Person, person_id, _("There is no such person."))
    adjusting.remove_adjustment(grade, person, by=current_person())
    flash(_("%(name)s has the group's percent again.", name=person.full_name), "success")
    return redirect(url_for("submissions.grade", submission_id=grade.submission_id))


@blp.post("/grades/<int:grade_id>/reopen")
@require_role(Role.MANAGER)
def reopen(grade_id: int):
    grade = grading.get_grade(grade_id)
    form = ReopenForm()
    if form.validate_on_submit() and grade.released and not is_confirmed():
        return _confirm_reopening(grade, form.reason.data.strip())
    if form.validate_on_submit():
        with attempt(form) as outcome:
            grading.reopen_grade(grade, by=current_person(), reason=form.reason.data)
        if not outcome.succeeded:
            return _render_grading(grade.submission, reopen_form=form, status=outcome.error.status)
        flash(_("The grade was reopened as a draft; the reason was recorded."), "success")
        return redirect(url_for("submissions.grade", submission_id=grade.submission_id))
    return _render_grading(grade.submission, reopen_form=form, status=_form_status(form))


def _confirm_reopening(grade: PrototypeGrade, reason: str):
    submission = grade.submission
    members = grading.members_of_version(submission)
    return confirmation_page(Confirmation(
        title=_("Reopen the grade of %(group)s?", group=submission.group.name),
        consequences=[
            _("The released grade turns back into a draft: its levels and feedback can be "
              "changed again."),
            ngettext("%(num)d member no longer sees the grade until it is released again: "
                     "%(names)s.",
                     "%(num)d members no longer see the grade until it is released again: "
                     "%(names)s.", len(members),
                     names=", ".join(member.full_name for member in members)),
            _("Until then the prototype does not count towards certification; certificates "
              "already issued stay valid."),
            _("The reason is kept in the grade's audit log:"),
        ],
        quoted=reason, people=len(members), reversible=True,
        undo=_("Release the grade again, with its own confirmation, once it is corrected."),
        action=url_for("submissions.reopen", grade_id=grade.id), values={"reason": reason},
        confirm_label=_("Yes, reopen the grade"),
        cancel_url=url_for("submissions.grade", submission_id=submission.id)))


@blp.app_context_processor
def _rubric_helpers():
    # The group page lives in cohorts (a lower area): it asks for the rubric through this.
    return {"programme_rubric": grading.rubric_of}
