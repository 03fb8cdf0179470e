"""Pages editing the national plan: the target and its milestones, the quotas of regions
and municipalities (by hand, distributed, or imported from CSV), and the workforce
baseline. Registered on the area's blueprint (``reports.views.blp``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Country, Region, Role
from certify.core.csv_import import import_uploaded_csv
from certify.core.errors import NotFound
from certify.core.jobs import enqueue
from certify.core.transactions import attempt
from certify.extensions import db
from certify.programmes.models import Programme
from certify.programmes.services import get_programme
from certify.reports.allocations import (
    Basis,
    Quota,
    allocation_rows,
    allocation_totals,
    distribute_target,
    set_allocations,
)
from certify.reports.baseline import (
    DIMENSIONS,
    current_baseline,
    dimension_keys,
    reset_baseline,
    set_baseline,
)
from certify.reports.forms import (
    ActionForm,
    BaselineSourceForm,
    DistributeForm,
    ImportForm,
    MilestoneForm,
    TargetForm,
)
from certify.reports.importing import COLUMNS, import_targets
from certify.reports.jobs import REFRESH
from certify.reports.models import AllocationLevel
from certify.reports.scope import default_programme
from certify.reports.targets import remove_milestone, set_milestone, set_target, target_of
from certify.reports.views import blp

TEMPLATE_CSV = ",".join(COLUMNS) + "\n" + "\n".join([
    "target,IHBG,,,,,5000,,2026-01-01,2029-12-31",
    "milestone,IHBG,,,,2026,600,,,",
    "milestone,IHBG,,,,2027,1800,,,",
    "milestone,IHBG,,,,2028,3400,,,",
    "region,IHBG,CL,La Araucanía,,,900,,,",
    "municipality,IHBG,CL,La Araucanía,Melipeuco,,40,1.5,,",
]) + "\n"


def _programme() -> Programme:
    programme_id = request.args.get("programme_id", type=int)
    return get_programme(programme_id) if programme_id else default_programme()


def _target_page(programme: Programme, *, form: TargetForm | None = None,
                 milestone_form: MilestoneForm | None = None,
                 distribute_form: DistributeForm | None = None, status: int = 200):
    target = target_of(programme)
    if form is None:
        form = TargetForm(formdata=None, obj=target)
    return render_template(
        "reports/targets.html", programme=programme, target=target, form=form,
        milestone_form=milestone_form or MilestoneForm(formdata=None),
        distribute_form=distribute_form or DistributeForm(formdata=None, rural_weight=Decimal(
            "1.5"), urban_weight=Decimal("1")),
        action_form=ActionForm(), totals=allocation_totals(target) if target else None,
        programmes=db.session.scalars(sa.select(Programme).order_by(Programme.code)).all(),
        regions=_region_names() if target else {}), status


def _region_names() -> dict[int, str]:
    """``{region id: "Region (CL)"}``, in one query."""
    return {region_id: f"{name} ({code})" for region_id, name, code in db.session.execute(
        sa.select(Region.id, Region.name, Country.code).join(Region.country)
        .order_by(Country.code, Region.name))}


@blp.route("/targets", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def targets():
    """The programme's target and milestones, and how its quotas add up."""
    programme = _programme()
    if request.method == "GET":
        return _target_page(programme)
    form = TargetForm()
    if form.validate_on_submit():
        with attempt(form, flash_other=True) as outcome:
            set_target(programme, certified=form.certified.data, starts_on=form.starts_on.data,
                       due_on=form.due_on.data, actor=current_person())
        if outcome.succeeded:
            flash(_("The target was saved."), "success")
            return redirect(url_for("reports.targets", programme_id=programme.id))
    return _target_page(programme, form=form, status=422)


def _existing_target(programme: Programme):
    target = target_of(programme)
    if target is None:
        raise NotFound(_("The programme %(programme)s has no target yet: set it first.",
                         programme=programme.code))
    return target


@blp.post("/targets/milestones")
@require_role(Role.MANAGER)
def add_milestone():
    programme = _programme()
    target = _existing_target(programme)
    form = MilestoneForm()
    if form.validate_on_submit():
        with attempt(form, flash_other=True) as outcome:
            set_milestone(target, year=form.year.data, certified=form.certified.data)
        if outcome.succeeded:
            flash(_("The %(year)s milestone was saved.", year=form.year.data), "success")
            return redirect(url_for("reports.targets", programme_id=programme.id))
    return _target_page(programme, milestone_form=form, status=422)


@blp.post("/targets/milestones/<int:year>/delete")
@require_role(Role.MANAGER)
def delete_milestone(year: int):
    programme = _programme()
    target = _existing_target(programme)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return _target_page(programme, status=422)
    remove_milestone(target, year)
    flash(_("The %(year)s milestone was deleted.", year=year), "success")
    return redirect(url_for("reports.targets", programme_id=programme.id))


@blp.post("/targets/distribute")
@require_role(Role.MANAGER)
def distribute():
    """Share the whole target among every region or municipality, by weight and basis."""
    programme = _programme()
    target = _existing_target(programme)
    form = DistributeForm()
    if form.validate_on_submit():
        level = AllocationLevel(form.level.data)
        with attempt(form, flash_other=True) as outcome:
            quotas = distribute_target(target, level, basis=Basis(form.basis.data),
                                       rural_weight=form.rural_weight.data,
                                       urban_weight=form.urban_weight.data)
        if outcome.succeeded:
            flash(_("The target of %(target)s was shared among %(count)s places.",
                    target=target.certified, count=len(quotas)), "success")
            return redirect(url_for("reports.allocations", programme_id=programme.id,
                                    level=level.value))
    return _target_page(programme, distribute_form=form, status=422)


@blp.post("/refresh")
@require_role(Role.MANAGER)
def refresh():
    """Rebuild the programme's read model in the background (see ``reports.facts``)."""
    programme = _programme()
    if ActionForm().validate_on_submit():
        enqueue(REFRESH, started_by=current_person(), programme_id=programme.id)
        flash(_("The figures are being gathered again. Reload the page in a minute to see "
                "them."), "success")
    else:
        flash(_("The form expired. Please try again."), "error")
    return redirect(url_for("reports.dashboard", programme_id=programme.id))


# --- quotas by hand ----------------------------------------------------------------------------

def _read_quotas(rows) -> tuple[dict[int, Quota | None], dict[int, list[str]]]:
    """The quotas typed in the table: blank quota removes the place's allocation."""
    quotas: dict[int, Quota | None] = {}
    errors: dict[int, list[str]] = {}
    for row in rows:
        quota = (request.form.get(f"quota-{row.place_id}") or "").strip()
        weight = (request.form.get(f"weight-{row.place_id}") or "").strip().replace(",", ".")
        if f"quota-{row.place_id}" not in request.form:
            continue  # not on the page that was sent
        if not quota:
            quotas[row.place_id] = None
            continue
        if not quota.isdigit():
            errors[row.place_id] = [_("'%(value)s' is not a whole number.", value=quota)]
            continue
        try:
            value = Decimal(weight) if weight else Decimal(1)
        except InvalidOperation:
            errors[row.place_id] = [_("'%(value)s' is not a number.", value=weight)]
            continue
        quotas[row.place_id] = Quota(int(quota), value)
    return quotas, errors


@blp.route("/targets/allocations", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def allocations():
    """The quotas of every region, or of the municipalities of one region, in one table."""
    programme = _programme()
    target = _existing_target(programme)
    level = AllocationLevel.MUNICIPALITY if request.args.get("level") == "municipality" \
        else AllocationLevel.REGION
    region_id = request.args.get("region_id", type=int)
    region = db.session.get(Region, region_id) if region_id else None
    if level is AllocationLevel.MUNICIPALITY and region is None:
        rows = []  # municipalities are edited one region at a time: choose one first
    else:
        rows = allocation_rows(target, level, region_id=region.id if region else None)
    errors: dict[int, list[str]] = {}
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The form expired. Please try again."), "error")
        else:
            quotas, errors = _read_quotas(rows)
            if not errors:
                with attempt(on_error=lambda _error: None) as outcome:
                    set_allocations(target, level, quotas)
                if outcome.error is not None:
                    errors = {int(key): messages for key, messages in outcome.error.errors.items()
                              if key.isdigit()}
                    if not errors:
                        flash(outcome.error.message, "error")
                else:
                    flash(_("The quotas were saved."), "success")
                    return redirect(url_for("reports.allocations", programme_id=programme.id,
                                            level=level.value, region_id=region_id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "reports/allocations.html", programme=programme, target=target, level=level,
        region=region, rows=rows, errors=errors, form=form, totals=allocation_totals(target),
        regions=allocation_rows(target, AllocationLevel.REGION)
        if level is AllocationLevel.MUNICIPALITY else []), status


# --- CSV import --------------------------------------------------------------------------------

@blp.route("/targets/import", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def import_page():
    """Targets, milestones and quotas from a CSV file: every row checked before any is saved."""
    form = ImportForm()
    report, rejected = import_uploaded_csv(
        form, lambda text: import_targets(text, actor=current_person()))
    status = 422 if (form.errors or rejected) else 200
    return render_template("reports/import.html", form=form, report=report,
                           rejected=rejected, columns=COLUMNS), status


@blp.get("/targets/template.csv")
@require_role(Role.MANAGER)
def import_template():
    return Response("\ufeff" + TEMPLATE_CSV, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=targets-template.csv"})


# --- the workforce baseline --------------------------------------------------------------------

def _baseline_page(*, forms: dict | None = None, errors: dict | None = None,
                   values: dict | None = None, status: int = 200):
    baseline = current_baseline()
    forms = forms or {}
    for dimension in DIMENSIONS:
        forms.setdefault(dimension, BaselineSourceForm(
            formdata=None, prefix=dimension, source=baseline[dimension].source))
    regions = {str(region_id): name for region_id, name in _region_names().items()}
    keys = {dimension: list(regions) if dimension == "region" else dimension_keys(dimension)
            for dimension in DIMENSIONS}
    return render_template("reports/baseline.html", baseline=baseline, forms=forms, keys=keys,
                           regions=regions, errors=errors or {}, values=values or {},
                           dimensions=DIMENSIONS), status


@blp.route("/baseline", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def baseline():
    """The public-workforce shares per dimension, and where they come from."""
    if request.method == "GET":
        return _baseline_page()
    dimension = request.form.get("dimension", "")
    if dimension not in DIMENSIONS:
        raise NotFound(_("There is no such dimension."))
    form = BaselineSourceForm(prefix=dimension)
    shares = {key[len("share-"):]: value for key, value in request.form.items()
              if key.startswith("share-")}
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        with attempt(on_error=lambda _error: None) as outcome:
            set_baseline(dimension, shares, source=form.source.data, actor=current_person())
        if outcome.error is not None:
            errors = dict(outcome.error.errors)
            if "source" in errors:
                form.source.errors = list(form.source.errors) + errors.pop("source")
        else:
            flash(_("The baseline was saved."), "success")
            return redirect(url_for("reports.baseline") + f"#{dimension}")
    return _baseline_page(forms={dimension: form}, errors={dimension: errors},
                          values={dimension: shares}, status=422)


@blp.post("/baseline/<dimension>/reset")
@require_role(Role.MANAGER)
def reset_baseline_page(dimension: str):
    if dimension not in DIMENSIONS:
        raise NotFound(_("There is no such dimension."))
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return _baseline_page(status=422)
    reset_baseline(dimension)
    flash(_("The illustrative shares are used again."), "success")
    return redirect(url_for("reports.baseline") + f"#{dimension}")
