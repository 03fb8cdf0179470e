"""Bulk issuance from the cohort's page, and the status of background jobs (page and JSON).

Routes on the area's blueprints: the pages on ``certificates.views.blp``, the
JSON on ``certificates.api.blp``. A job's status is for the person who started
it and for managers; anyone else is told there is no such job.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import Schema, fields

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Person, Role
from certify.certificates.api import blp as api_blp
from certify.certificates.api import documents_errors
from certify.certificates.bulk import described_reasons  # importing it registers the job
from certify.certificates.links import ensure_public_base_url
from certify.certificates.register import IssuanceOutlook, cohort_certificates
from certify.certificates.views import blp
from certify.cohorts.services import get_cohort
from certify.core.confirmation import Confirmation, confirmation_page, is_confirmed
from certify.core.errors import NotFound
from certify.core.jobs import Job, JobStatus, enqueue, get_job, job_summary, resume_jobs
from certify.extensions import db


def _visible_job(job_id: int) -> Job:
    try:
        record = get_job(job_id)
    except NotFound:
        record = None
    person = current_person()
    if record is None or not (record.started_by_id == person.id or person.has_role(Role.MANAGER)):
        raise NotFound(_("There is no job with id %(id)s.", id=job_id))
    if record.is_stale():
        # Its process died: hand it to a runner again rather than show it running forever.
        resume_jobs()
        db.session.refresh(record)
    return record


@blp.post("/cohorts/<int:cohort_id>/certificates/issue-all")
@require_role(Role.MANAGER)
def issue_cohort(cohort_id: int):
    """Queue the issuance of everyone eligible in the cohort and show its progress, once the
    manager has confirmed what it will do."""
    cohort = get_cohort(cohort_id)
    ensure_public_base_url()
    back = url_for("certificates.cohort_page", cohort_id=cohort.id)
    outlook = IssuanceOutlook.of(cohort_certificates(cohort))
    if outlook.to_issue == 0:
        flash(_("Nobody in %(cohort)s is waiting for a certificate: everyone eligible holds "
                "one.", cohort=cohort.name), "info")
        return redirect(back)
    if not is_confirmed():
        return _confirm_issuance(cohort, outlook, back)
    person = current_person()
    record = enqueue("issue_cohort_certificates", started_by=person, cohort_id=cohort.id,
                     actor_id=person.id)
    flash(_("The certificates of %(cohort)s are being issued. This page shows how far it got.",
            cohort=cohort.name), "success")
    return redirect(url_for("certificates.job_status", job_id=record.id))


def _confirm_issuance(cohort, outlook: IssuanceOutlook, back: str):
    consequences = [
        ngettext("%(num)d person who meets every requirement receives a signed certificate "
                 "and an e-mail with it.",
                 "%(num)d people who meet every requirement receive a signed certificate and "
                 "an e-mail with it.", outlook.to_issue)]
    if outlook.holding:
        consequences.append(ngettext(
            "%(num)d person already holds a certificate and is left as is.",
            "%(num)d people already hold a certificate and are left as they are.",
            outlook.holding))
    if outlook.not_eligible:
        consequences.append(ngettext(
            "%(num)d person is not eligible yet: nothing is issued to them.",
            "%(num)d people are not eligible yet: nothing is issued to them.",
            outlook.not_eligible))
    return confirmation_page(Confirmation(
        title=_("Issue the certificates of %(cohort)s?", cohort=cohort.name),
        consequences=consequences, people=outlook.to_issue, reversible=False,
        undo=_("Certificates can only be revoked one by one, and the holders will already "
               "have been told by e-mail."),
        action=url_for("certificates.issue_cohort", cohort_id=cohort.id),
        confirm_label=ngettext("Yes, issue %(num)d certificate",
                               "Yes, issue %(num)d certificates", outlook.to_issue),
        cancel_url=back))


@blp.get("/jobs/<int:job_id>")
@require_role()
def job_status(job_id: int):
    """Progress bar, counts and errors; refreshes itself until the job is finished."""
    record = _visible_job(job_id)
    starter = db.session.get(Person, record.started_by_id) if record.started_by_id else None
    cohort = None
    if record.name == "issue_cohort_certificates":
        cohort_id = (record.payload or {}).get("cohort_id")
        cohort = _cohort_or_none(cohort_id)
    summary = job_summary(record)
    return render_template("jobs/status.html", job=record, summary=summary,
                           starter=starter, cohort=cohort, state_labels=_state_labels(),
                           **described_reasons(summary["result"] or {}))



def _state_labels() -> dict[str, str]:
    return {JobStatus.QUEUED: _("Queued"), JobStatus.RUNNING: _("Running"),
            JobStatus.SUCCEEDED: _("Finished"), JobStatus.FAILED: _("Failed")}


def _cohort_or_none(cohort_id):
    try:
        return get_cohort(int(cohort_id)) if cohort_id is not None else None
    except NotFound:
        return None  # deleted since; the job's record outlives it


class JobProgressSchema(Schema):
    done = fields.Integer(metadata={"description": "Units of work done (e.g. certificates)."})
    total = fields.Integer(allow_none=True, metadata={"description": "Units in all, once known."})
    percent = fields.Integer(allow_none=True)


class JobSchema(Schema):
    id = fields.Integer()
    name = fields.String(metadata={"description": "e.g. issue_cohort_certificates"})
    title = fields.String()
    status = fields.String(metadata={"description": "queued, running, succeeded or failed"})
    stale = fields.Boolean(metadata={"description": "Running but silent: its process died; "
                                                    "it is being resumed."})
    progress = fields.Nested(JobProgressSchema)
    result = fields.Dict(metadata={"description": "What the job reports, e.g. the counts of "
                                                  "certificates issued, already held and not "
                                                  "eligible (with reasons)."})
    error = fields.String(allow_none=True)
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    run_after = fields.DateTime()


@api_blp.route("/jobs/<int:job_id>", methods=["GET"], tags=["Certificates"])
@api_blp.response(200, JobSchema)
@documents_errors(401, 404, e404="No such job, or not one you started.")
@require_role()
def job_json(job_id: int):
    """A background job's status and progress (for the person who started it, and managers)."""
    return job_summary(_visible_job(job_id))
