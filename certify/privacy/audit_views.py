"""The audit log page (managers): browse, filter, export as CSV."""

from __future__ import annotations

from flask import Response, render_template, request

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Role
from certify.core.clock import utcnow
from certify.extensions import db
from certify.privacy.audit_log import (
    PER_PAGE,
    action_label,
    events_csv,
    filter_choices,
    filtered_events,
    parse_filters,
    people_named_in,
)
from certify.privacy.views import blp


@blp.get("/audit")
@require_role(Role.MANAGER)
def audit_log():
    filters = parse_filters(request.args)
    page = db.paginate(filtered_events(filters), per_page=PER_PAGE, error_out=False)
    return render_template("privacy/audit_log.html", page=page, filters=filters,
                           people=people_named_in(page.items), action_label=action_label,
                           **filter_choices())


@blp.post("/audit/export.csv")
@require_role(Role.MANAGER)
def audit_log_export():
    """The filtered log as CSV; a POST because the export is itself recorded in the log."""
    body = events_csv(parse_filters(request.form), actor=current_person())
    return Response("\ufeff" + body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=audit-log-{utcnow():%Y%m%d}.csv",
        "Cache-Control": "no-store"})
