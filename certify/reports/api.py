"""JSON API for the national programme's figures (/api/v1/reports/...), each also as CSV.

Managers (and administrators) only. Read-only: targets and quotas are edited on the
pages and imported with ``certify reports targets import``. Every figure takes the same
filters (programme, country, region, rural or urban, cohort, cohort year); a filter that
names nothing, or does not fit the others, is a 422 naming it.
"""

from __future__ import annotations

from flask import Response, stream_with_context
from flask_smorest import Blueprint

from certify.accounts.access import require_role
from certify.accounts.models import Role
from certify.core import rest
from certify.core.clock import today
from certify.core.errors import ValidationError
from certify.programmes.services import get_programme
from certify.reports.allocations import allocation_totals
from certify.reports.attendance import attendance_report
from certify.reports.baseline import current_baseline
from certify.reports.equity import equity
from certify.reports.exports import (
    attendance_csv,
    equity_csv,
    funnel_csv,
    pace_csv,
    places_csv,
    progress_csv,
    register_csv,
    satisfaction_csv,
    targets_csv,
)
from certify.reports.funnel import funnel
from certify.reports.models import AllocationLevel
from certify.reports.places import places_table
from certify.reports.progress import certified_progress
from certify.reports.register import register_count, register_entries
from certify.reports.schemas import (
    ReportAttendanceSchema,
    ReportBaselineSchema,
    ReportEquitySchema,
    ReportFunnelSchema,
    ReportPlacesQuerySchema,
    ReportPlacesSchema,
    ReportProgressSchema,
    ReportQuerySchema,
    ReportRegisterQuerySchema,
    ReportRegisterSchema,
    ReportTargetSchema,
)
from certify.reports.scope import Scope, make_scope
from certify.reports.targets import get_target

blp = Blueprint("reports_api", __name__, url_prefix="/api/v1")

TAGS = ["Reports"]
FILTERS = ("programme_id", "country", "region_id", "kind", "cohort_id", "year")
CSV = {"description": "The same figures as a CSV file (UTF-8 with a BOM).",
       "content_type": "text/csv"}


def documents_errors(*statuses: int):
    return rest.documents_errors(blp, *statuses, e422="A filter names nothing, or does not "
                                                      "fit the others; `errors` says which.")


def _scope(args: dict) -> Scope:
    try:
        return make_scope(**{name: args.get(name) for name in FILTERS})
    except ValidationError as error:
        # Named like the query-string errors the schema reports: "query.region_id".
        raise ValidationError(error.message, errors={
            f"query.{name}": messages for name, messages in error.errors.items()}) from None


def csv_download(body, scope: Scope, name: str) -> Response:
    filename = f"{scope.programme.code.lower()}-{name}-{today().isoformat()}.csv"
    if isinstance(body, str):
        body = "\ufeff" + body
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


# --- progress and pace -------------------------------------------------------------------------

@blp.route("/reports/progress", methods=["GET"], tags=TAGS)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReportProgressSchema)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def progress(args: dict):
    """Certified agents to date against the target: the month-by-month cumulative line and
    target path, the pace needed from today, and the forecast at the pace of the last 3 and
    12 months."""
    return certified_progress(_scope(args))


@blp.route("/reports/progress.csv", methods=["GET"], tags=TAGS)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, **CSV)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def progress_export(args: dict):
    """Month by month: certified in the month, cumulative, and the target path."""
    scope = _scope(args)
    return csv_download(progress_csv(certified_progress(scope)), scope, "progress")


@blp.route("/reports/pace.csv", methods=["GET"], tags=TAGS)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, **CSV)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def pace_export(args: dict):
    """The headline figures, one per row: target, certified, pace needed, recent pace,
    forecasts."""
    scope = _scope(args)
    return csv_download(pace_csv(certified_progress(scope)), scope, "pace")


# --- regions and municipalities ----------------------------------------------------------------

def _places(args: dict, level: AllocationLevel, *, every_row: bool = False):
    scope = _scope(args)
    table = places_table(scope, level, sort=args["sort"], descending=args["descending"],
                         page=1 if every_row else args["page"],
                         per_page=1_000_000 if every_row else args["per_page"])
    return scope, table


# One pair of endpoints for both levels: /reports/regions and /reports/municipalities.
PLACES = {"regions": AllocationLevel.REGION, "municipalities": AllocationLevel.MUNICIPALITY}
PLACES_RULE = "<any(regions, municipalities):places>"


@blp.route(f"/reports/{PLACES_RULE}", methods=["GET"], tags=TAGS)
@blp.arguments(ReportPlacesQuerySchema, location="query")
@blp.response(200, ReportPlacesSchema)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def places(args: dict, places: str):
    """Per region (`regions`) or per municipality (`municipalities`): quota (a region's own,
    else its municipalities'), certified, percentage of the quota and pipeline; sorted by
    `sort`, one page at a time."""
    return _places(args, PLACES[places])[1]


@blp.route(f"/reports/{PLACES_RULE}.csv", methods=["GET"], tags=TAGS)
@blp.arguments(ReportPlacesQuerySchema, location="query")
@blp.response(200, **CSV)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def places_export(args: dict, places: str):
    """Every region or municipality of the scope (no paging), as sorted."""
    scope, table = _places(args, PLACES[places], every_row=True)
    return csv_download(places_csv(table), scope, places)


# --- funnel, attendance, equity ----------------------------------------------------------------

@blp.route("/reports/funnel", methods=["GET"], tags=TAGS)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReportFunnelSchema)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def funnel_figures(args: dict):
    """Enrolled, passed every virtual module, attended in person, passed the prototype,
    certified: each step counts people who took it and every step before."""
    return {"steps": funnel(_scope(args))}


@blp.route("/reports/funnel.csv", methods=["GET"], tags=TAGS)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, **CSV)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def funnel_export(args: dict):
    """The funnel's steps with their drop-off."""
    scope = _scope(args)
    return csv_download(funnel_csv(funnel(scope)), scope, "funnel")


def _attendance(scope: Scope) -> dict:
    report = attendance_report(scope)
    return {"sessions": report.sessions, "overall": report.overall,
            "satisfaction": {"by_module": report.by_module, "by_question": report.by_question,
                             "overall": report.satisfaction}}


@blp.route("/reports/attendance", methods=["GET"], tags=TAGS)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReportAttendanceSchema)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def attendance(args: dict):
    """Per in-person session and overall: registered, attended, walk-ins, no-shows; and the
    average satisfaction per module, per question and overall (1 to 5)."""
    return _attendance(_scope(args))


@blp.route("/reports/attendance.csv", methods=["GET"], tags=TAGS)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, **CSV)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def attendance_export(args: dict):
    """One row per session, then the total."""
    scope = _scope(args)
    return csv_download(attendance_csv(attendance_report(scope)), scope, "attendance")


@blp.route("/reports/satisfaction.csv", methods=["GET"], tags=TAGS)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, **CSV)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def satisfaction_export(args: dict):
    """Average satisfaction per module, per question and overall."""
    scope = _scope(args)
    return csv_download(satisfaction_csv(attendance_report(scope)), scope, "satisfaction")


@blp.route("/reports/equity", methods=["GET"], tags=TAGS)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReportEquitySchema)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def equity_figures(args: dict):
    """Certified agents by gender, age band, region and rural or urban municipality, with
    the people enrolled and the public-workforce baseline (percent of each)."""
    return {"dimensions": equity(_scope(args))}


@blp.route("/reports/equity.csv", methods=["GET"], tags=TAGS)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, **CSV)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def equity_export(args: dict):
    """One row per group of each dimension."""
    scope = _scope(args)
    return csv_download(equity_csv(equity(scope)), scope, "equity")


# --- the register ------------------------------------------------------------------------------

@blp.route("/reports/register", methods=["GET"], tags=TAGS)
@blp.arguments(ReportRegisterQuerySchema, location="query")
@blp.response(200, ReportRegisterSchema)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def register(args: dict):
    """The register of certified agents (programme certificates, live and revoked), oldest
    first, one page at a time."""
    scope, status = _scope(args), args.get("status")
    page, per_page = args["page"], args["per_page"]
    return {"count": register_count(scope, status=status), "page": page, "per_page": per_page,
            "programme": scope.programme,
            "entries": list(register_entries(scope, status=status,
                                             offset=(page - 1) * per_page, limit=per_page))}


@blp.route("/reports/register.csv", methods=["GET"], tags=TAGS)
@blp.arguments(ReportRegisterQuerySchema, location="query")
@blp.response(200, **CSV)
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def register_export(args: dict):
    """The whole register, streamed: serial, name, municipality, region, country, programme,
    date of issue, status (live or revoked)."""
    scope = _scope(args)
    entries = register_entries(scope, status=args.get("status"))
    body = register_csv(entries, scope.programme.title_in())
    return csv_download(stream_with_context(body), scope, "register")


# --- targets and baseline ----------------------------------------------------------------------

@blp.route("/reports/targets/<int:programme_id>", methods=["GET"], tags=TAGS)
@blp.response(200, ReportTargetSchema)
@documents_errors(401, 403, 404)
@require_role(Role.MANAGER)
def target(programme_id: int):
    """The programme's target, its milestones, and how the quotas add up against it."""
    programme = get_programme(programme_id)
    found = get_target(programme)
    return {"programme": programme, "certified": found.certified,
            "starts_on": found.starts_on, "due_on": found.due_on,
            "milestones": found.milestones, "allocations": allocation_totals(found)}


@blp.route("/reports/targets/<int:programme_id>.csv", methods=["GET"], tags=TAGS)
@blp.response(200, description="The target, milestones and quotas in the format "
                               "`certify reports targets import` reads.", content_type="text/csv")
@documents_errors(401, 403, 404)
@require_role(Role.MANAGER)
def target_export(programme_id: int):
    """The target, its milestones and every quota, ready to edit and import again."""
    programme = get_programme(programme_id)
    return csv_download(targets_csv(get_target(programme)), make_scope(programme_id=programme.id),
                "targets")


@blp.route("/reports/baseline", methods=["GET"], tags=TAGS)
@blp.response(200, ReportBaselineSchema)
@documents_errors(401, 403)
@require_role(Role.MANAGER)
def baseline():
    """The public-workforce shares the equity figures are compared with, per dimension;
    `illustrative` while the seeded placeholder shares are used."""
    return {"dimensions": list(current_baseline().values())}
