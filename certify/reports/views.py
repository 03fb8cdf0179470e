"""The dashboard pages for managers: progress and pace, regions and municipalities, funnel,
attendance, equity. Each chart is drawn here, on the server, and shown with its table.

The pages editing the plan (targets, quotas, baseline) are in ``plan_views``, on the same
blueprint.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask import Blueprint, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import pgettext

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Country, Region, Role
from certify.cohorts.models import Cohort
from certify.core.clock import today
from certify.core.errors import ValidationError
from certify.core.i18n import localized
from certify.extensions import db
from certify.programmes.models import Programme
from certify.reports import charts
from certify.reports.api import csv_download
from certify.reports.attendance import attendance_report
from certify.reports.equity import equity
from certify.reports.exports import register_csv
from certify.reports.facts import last_refresh
from certify.reports.forms import ActionForm
from certify.reports.funnel import cohorts_counted, current_period, funnel
from certify.reports.labels import (
    dimension_label,
    group_label,
    illustrative_source,
    standing_label,
    step_label,
)
from certify.reports.milestones import milestone_rows
from certify.reports.models import AllocationLevel
from certify.reports.places import PlaceSort, places_table
from certify.reports.progress import certified_progress
from certify.reports.register import record_register_export, register_entries
from certify.reports.scope import Scope, make_scope

blp = Blueprint("reports", __name__, url_prefix="/reports")

PER_PAGE = 50
FILTERS = ("programme_id", "country", "region_id", "kind", "cohort_id", "year")
WHOLE_NUMBERS = ("programme_id", "region_id", "cohort_id", "year")


@blp.context_processor
def _labels():
    return {"standing_label": standing_label, "step_label": step_label,
            "dimension_label": dimension_label, "group_label": group_label,
            "illustrative_source": illustrative_source}


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers: programmes, countries, regions, cohorts, years."""

    programmes: list[Programme]
    countries: list[Country]
    regions: list[tuple[int, str, str]]  # id, name, country code
    cohorts: list[Cohort]
    years: list[int]


def _choices(programme_id: int | None, country: str | None) -> FilterChoices:
    """Four queries, whatever the numbers of places and cohorts."""
    programmes = list(db.session.scalars(sa.select(Programme).order_by(Programme.code)))
    countries = list(db.session.scalars(sa.select(Country).order_by(Country.name)))
    regions = sa.select(Region.id, Region.name, Country.code).join(Region.country)
    if country:
        regions = regions.where(Country.code == country)
    cohorts = list(db.session.scalars(
        sa.select(Cohort).where(Cohort.programme_id == programme_id)
        .order_by(Cohort.starts_on.desc().nulls_last(), Cohort.name))) if programme_id else []
    years = sorted({cohort.starts_on.year for cohort in cohorts if cohort.starts_on},
                   reverse=True)
    return FilterChoices(programmes, countries,
                         [tuple(row) for row in db.session.execute(
                             regions.order_by(Country.code, Region.name))],
                         cohorts, years)


def scope_from_request(*, current_period_by_default: bool = False
                       ) -> tuple[Scope | None, dict[str, list[str]], dict[str, str]]:
    """The scope the query string asks for, or the errors that stop it (by filter).

    ``current_period_by_default``: with no cohort filter in the query at all, the cohorts of
    the current period (``funnel.current_period``); an empty ``year=`` means every year.
    """
    raw = {name: (request.args.get(name) or "").strip() for name in FILTERS}
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}
    for name in FILTERS:
        value = raw[name]
        if not value:
            continue
        if name in WHOLE_NUMBERS:
            if not value.isdigit():
                errors[name] = [_("'%(value)s' is not a whole number.", value=value)]
                continue
            values[name] = int(value)
        else:
            values[name] = value
    if errors:
        return None, errors, raw
    try:
        scope = make_scope(**values)
    except ValidationError as error:
        return None, error.errors or {"programme_id": [error.message]}, raw
    if current_period_by_default and not {"year", "cohort_id"} & set(request.args):
        year = current_period(scope.programme, today())
        if year is not None:
            scope, raw["year"] = replace(scope, year=year), str(year)
    return scope, {}, raw


def _page(template: str, figures, *, current_period_by_default: bool = False, **context):
    """Render a dashboard page: 422 with the filters' errors, or the page's figures."""
    scope, errors, raw = scope_from_request(current_period_by_default=current_period_by_default)
    programme_id = scope.programme.id if scope else None
    country = scope.country if scope else None
    choices = _choices(programme_id, country)
    if errors:
        return render_template(template, scope=None, errors=errors, raw=raw, choices=choices,
                               **context), 422
    return render_template(template, scope=scope, errors={}, raw=raw, choices=choices,
                           refresh=last_refresh(scope.programme), refresh_form=ActionForm(),
                           **figures(scope), **context)


@blp.get("")
@require_role(Role.MANAGER)
def dashboard():
    """Certified to date against the target: the cumulative line, pace and forecast."""
    def figures(scope: Scope) -> dict:
        progress = certified_progress(scope)
        return {"progress": progress, "milestones": milestone_rows(progress),
                "chart": charts.cumulative_chart(progress),
                "phone_chart": charts.cumulative_chart(
                    progress, chart_id="cumulative-phone", width=400, date_labels=4,
                    css_class="chart chart-phone")}
    return _page("reports/dashboard.html", figures, tab="progress")


@blp.get("/places")
@require_role(Role.MANAGER)
def places():
    """Regions or municipalities: quota, certified, percentage, pipeline; sorted, paged."""
    level = AllocationLevel.MUNICIPALITY if request.args.get("level") == "municipality" \
        else AllocationLevel.REGION
    sort = request.args.get("sort")
    sort = PlaceSort(sort) if sort in set(PlaceSort) else PlaceSort.NAME
    descending = request.args.get("desc") == "1"
    page = max(1, request.args.get("page", 1, type=int))

    def figures(scope: Scope) -> dict:
        table = places_table(scope, level, sort=sort, descending=descending, page=page,
                             per_page=PER_PAGE)
        percents = [row.percent for row in table.rows if row.percent is not None]
        chart = charts.bar_chart_with_phone_drawing(
            _("Percentage of the quota certified"),
            _("Certified agents as a percentage of each place's quota, this page's places."),
            [(row.name, [row.percent]) for row in table.rows],
            [charts.Series(_("Percentage of the quota"), "solid")], unit="%",
            maximum=max([100.0, *percents]), chart_id="places")
        return {"table": table, "chart": chart}
    return _page("reports/places.html", figures, tab="places", level=level, sort=sort,
                 descending=descending)


@blp.get("/funnel")
@require_role(Role.MANAGER)
def funnel_page():
    """Enrolled, virtual modules passed, attended in person, prototype passed, certified."""
    def figures(scope: Scope) -> dict:
        steps = funnel(scope)
        chart = charts.bar_chart_with_phone_drawing(
            _("From enrolment to certification"),
            _("People at each step of the programme; each step counts people who also took "
              "every step before it."),
            [(step_label(step.step), [step.people]) for step in steps],
            [charts.Series(_("People"), "solid")], chart_id="funnel")
        return {"steps": steps, "chart": chart, "cohorts": cohorts_counted(scope),
                "default_period": not {"year", "cohort_id"} & set(request.args)}
    return _page("reports/funnel.html", figures, tab="funnel", current_period_by_default=True)


@blp.get("/attendance")
@require_role(Role.MANAGER)
def attendance():
    """In-person sessions (registered, attended, walk-ins, no-shows) and satisfaction."""
    def figures(scope: Scope) -> dict:
        report = attendance_report(scope)
        overall = report.overall
        chart = charts.bar_chart_with_phone_drawing(
            _("In-person attendance, all sessions"),
            _("Seats registered, people who attended, walk-ins and no-shows over every "
              "session."),
            [(_("Registered"), [overall.registered]), (_("Attended"), [overall.attended]),
             (_("Walk-ins"), [overall.walk_ins]), (_("No-shows"), [overall.no_shows])],
            [charts.Series(_("People"), "solid")], chart_id="attendance")
        satisfaction_chart = charts.bar_chart_with_phone_drawing(
            _("Average satisfaction by module"),
            _("The average of every answer on the 1 to 5 scale, per module."),
            [(f"{s.key} · {localized(s.label)}", [s.average]) for s in report.by_module],
            [charts.Series(_("Average (1-5)"), "solid")], maximum=5,
            chart_id="satisfaction") if report.by_module else None
        return {"report": report, "chart": chart, "satisfaction_chart": satisfaction_chart}
    return _page("reports/attendance.html", figures, tab="attendance")


@blp.get("/equity")
@require_role(Role.MANAGER)
def equity_page():
    """Certified agents by gender, age band, region and area against the workforce."""
    def figures(scope: Scope) -> dict:
        dimensions = equity(scope)
        series = [charts.Series(_("Certified"), "solid"),
                  charts.Series(pgettext("chart legend", "Enrolled"), "light"),
                  charts.Series(_("Public workforce"), "outline")]
        panels = []
        for dimension in dimensions:
            rows = dimension.rows if dimension.dimension != "region" else dimension.rows[:30]
            chart = charts.bar_chart(
                _("Certified by %(dimension)s", dimension=dimension_label(dimension.dimension)
                  .lower()),
                _("Percentage of the people certified, of the people enrolled and of the public "
                  "workforce in each group."),
                [(group_label(dimension.dimension, row.key, row.name),
                  [row.certified_share, row.enrolled_share, row.baseline]) for row in rows],
                series, unit="%", chart_id=f"equity-{dimension.dimension}")
            panels.append((dimension, chart))
        return {"panels": panels}
    return _page("reports/equity.html", figures, tab="equity")


from certify.reports import plan_views  # noqa: E402,F401 - routes on this blueprint

# --- the register of certified agents, downloaded from the dashboard -----------------------------

def _register_scope() -> Scope:
    scope, errors, _raw = scope_from_request()
    if errors:
        raise ValidationError(_("The filters do not fit together."), errors=errors)
    return scope


@blp.get("/register.csv")
@require_role(Role.MANAGER)
def register_export_offer():
    """An old or shared link lands on a page with the button: a GET never records anything."""
    scope = _register_scope()
    return render_template("export_offer.html", title=_("Register of certified agents (CSV)"),
                           description=_("Every certificate of %(programme)s in these filters, "
                                         "with the holder's name and municipality.",
                                         programme=localized(scope.programme.title)),
                           action=url_for("reports.register_export", **scope.params()),
                           back=url_for("reports.dashboard", **scope.params()))


@blp.post("/register.csv")
@require_role(Role.MANAGER)
def register_export():
    """The register names every holder, so the download is a POST recorded in the audit log
    (committed before the file streams). API clients use GET /api/v1/reports/register.csv."""
    scope = _register_scope()
    record_register_export(scope, actor=current_person())
    body = register_csv(register_entries(scope), scope.programme.title_in())
    return csv_download(stream_with_context(body), scope, "register")
