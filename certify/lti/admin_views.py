"""Manager pages: platforms (by hand or by registration link), their courses and rosters, and
the grades sent to their gradebooks, with the platform's answer when sending failed.

Registered on the ``lti`` blueprint (``certify.lti.views.blp``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Role
from certify.cohorts.models import Cohort
from certify.cohorts.services import get_cohort
from certify.core.transactions import attempt
from certify.extensions import db
from certify.lti import grades, health, platforms, roster
from certify.lti.errors import PlatformError
from certify.lti.forms import ButtonForm, CohortLinkForm, PlatformForm
from certify.lti.jobs import schedule_push
from certify.lti.models import LtiPlatform, SyncStatus
from certify.lti.views import blp
from certify.programmes.models import Programme

GRADES_PER_PAGE = 50


def _programme_choices() -> list[tuple[int, str]]:
    return [(0, "—")] + [(programme.id, programme.title_in())
                         for programme in platforms.programmes()]


def _render_platforms(*, invite_url: str | None = None):
    rows = db.session.scalars(platforms.platforms_query()).all()
    return render_template("lti/platforms.html", platforms=rows, invite_url=invite_url,
                           counts=grades.grade_sync_counts(),
                           tool=platforms.tool_values(),
                           warnings=platforms.certify_address_warnings(),
                           platform_warnings={platform.id:
                                              platforms.platform_address_warnings(platform)
                                              for platform in rows},
                           health=health.platforms_health(rows))


@blp.get("/platforms")
@require_role(Role.MANAGER)
def platforms_page():
    return _render_platforms()


@blp.post("/platforms/invites")
@require_role(Role.MANAGER)
def create_invite():
    form = ButtonForm()
    if not form.validate_on_submit():
        return _render_platforms(), 422
    _invite, url = platforms.create_invite(by=current_person())
    return _render_platforms(invite_url=url)


def _render_platform(platform: LtiPlatform | None, form: PlatformForm, status: int = 200):
    contexts = platforms.contexts_of(platform) if platform else []
    cohorts = []
    if platform is not None and platform.programme_id:
        cohorts = db.session.scalars(sa.select(Cohort).where(
            Cohort.programme_id == platform.programme_id).order_by(Cohort.name)).all()
    return render_template("lti/platform_form.html", platform=platform, form=form,
                           contexts=contexts, cohorts=cohorts,
                           tool=platforms.tool_values(),
                           warnings=platforms.certify_address_warnings() + (
                               platforms.platform_address_warnings(platform) if platform
                               else [])), status


def _save(platform: LtiPlatform | None, form: PlatformForm):
    values = form.values()
    values["programme"] = db.session.get(Programme, form.programme_id.data or 0)
    with attempt(form, flash_other=True) as outcome:
        saved = platforms.save_platform(platform, actor=current_person(), **values)
    if not outcome.succeeded:
        return None
    return saved


@blp.route("/platforms/new", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def new_platform():
    form = PlatformForm()
    form.programme_id.choices = _programme_choices()
    if form.validate_on_submit() and (saved := _save(None, form)) is not None:
        flash(_("The platform %(name)s was added.", name=saved.name), "success")
        return redirect(url_for("lti.platform", platform_id=saved.id))
    return _render_platform(None, form, 422 if form.errors else 200)


@blp.route("/platforms/<int:platform_id>", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def platform(platform_id: int):
    platform = platforms.get_platform(platform_id)
    form = PlatformForm(obj=platform)
    form.programme_id.choices = _programme_choices()
    if request.method == "GET":
        form.deployment_ids.data = "\n".join(platform.deployment_ids)
        form.programme_id.data = platform.programme_id or 0
        form.auth_audience.data = platform.auth_audience or ""
    if form.validate_on_submit() and _save(platform, form) is not None:
        flash(_("The changes were saved."), "success")
        return redirect(url_for("lti.platform", platform_id=platform.id))
    return _render_platform(platform, form, 422 if form.errors else 200)


@blp.post("/platforms/<int:platform_id>/check")
@require_role(Role.MANAGER)
def check_platform(platform_id: int):
    """"Test this platform": its keys and its token endpoint, said in plain words."""
    platform = platforms.get_platform(platform_id)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("lti.platform", platform_id=platform.id))
    for finding in health.check_platform(platform):
        flash(finding.message, "success" if finding.ok else "error")
    return redirect(url_for("lti.platform", platform_id=platform.id))


@blp.post("/contexts/<int:context_id>/cohort")
@require_role(Role.MANAGER)
def link_cohort(context_id: int):
    context = platforms.get_context(context_id)
    form = CohortLinkForm()
    form.cohort_id.choices = [(cohort.id, cohort.name) for cohort in db.session.scalars(
        sa.select(Cohort).where(Cohort.programme_id == context.cohort.programme_id))]
    if form.validate_on_submit():
        with attempt() as outcome:
            platforms.link_context_to_cohort(context, get_cohort(form.cohort_id.data))
        if outcome.succeeded:
            flash(_("The course %(course)s is now the cohort %(cohort)s.",
                    course=context.title or context.context_id, cohort=context.cohort.name),
                  "success")
    else:
        flash(_("Choose one of the programme's cohorts."), "error")
    return redirect(url_for("lti.platform", platform_id=context.platform_id))


@blp.post("/contexts/<int:context_id>/roster")
@require_role(Role.MANAGER)
def sync_roster(context_id: int):
    context = platforms.get_context(context_id)
    if not ButtonForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
    else:
        with attempt(catch=PlatformError, on_error=lambda error: flash(
                f"{error.message} {error.answer}".strip(), "error")) as outcome:
            report = roster.sync_roster(context)
        if outcome.succeeded:
            flash(report.summary(), "success")
    return redirect(url_for("lti.platform", platform_id=context.platform_id))


# --- grades sent to the platforms --------------------------------------------------------------

@blp.get("/grades")
@require_role(Role.MANAGER)
def grade_syncs():
    status = request.args.get("status")
    status = status if status in {s.value for s in SyncStatus} else None
    page = db.paginate(grades.grade_syncs_query(status), per_page=GRADES_PER_PAGE,
                       error_out=False)
    return render_template("lti/grades.html", page=page, status=status,
                           counts=grades.grade_sync_counts(), statuses=list(SyncStatus))


@blp.post("/grades/<int:sync_id>/retry")
@require_role(Role.MANAGER)
def retry_grade(sync_id: int):
    sync = grades.get_grade_sync(sync_id)
    if ButtonForm().validate_on_submit():
        grades.retry_grade_sync(sync)
        grades.push_score(sync)  # now, so the manager sees the platform's answer at once
        if sync.status is SyncStatus.SENT:
            flash(_("The score of %(name)s was sent.", name=sync.person.full_name), "success")
        else:
            flash(_("Sending failed again: %(answer)s", answer=sync.last_error), "error")
    else:
        flash(_("The form expired. Please try again."), "error")
    shown = request.form.get("status")
    return redirect(url_for("lti.grade_syncs",
                            status=shown if shown in {s.value for s in SyncStatus} else None))


@blp.post("/grades/retry-failed")
@require_role(Role.MANAGER)
def retry_failed_grades():
    if ButtonForm().validate_on_submit():
        ids = grades.retry_failed_grade_syncs()
        schedule_push(ids)
        flash(ngettext("%(num)d score will be sent again.", "%(num)d scores will be sent again.",
                       len(ids)), "success")
    else:
        flash(_("The form expired. Please try again."), "error")
    return redirect(url_for("lti.grade_syncs"))
