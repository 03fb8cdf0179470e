"""Targets, milestones and quotas as CSV: import (every row checked first) and export.

One file can hold the plan of several programmes. Its ``level`` column says what each
row is::

    level,programme,country,region,municipality,year,certified,weight,starts_on,due_on
    target,IHBG,,,,,5000,,2026-01-01,2029-12-31
    milestone,IHBG,,,,2026,600,,,
    region,IHBG,CL,La Araucanía,,,900,,,
    municipality,IHBG,CL,La Araucanía,Melipeuco,,40,1.5,,

For each programme, each level present in the file replaces that level: a file of
municipality rows replaces the municipalities' quotas and keeps the milestones. If any
row is wrong nothing is written, and every wrong row is reported with its line number.
``reports.exports.targets_csv`` writes the same format, so a plan can be exported, edited
and imported again.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.accounts.models import Country, Municipality, Region
from certify.core.csv_import import ImportRejected, RowError
from certify.extensions import db
from certify.programmes.models import Programme
from certify.reports.allocations import (
    MAX_WEIGHT,
    AllocationTotals,
    Quota,
    allocation_totals,
    clear_allocations,
    set_allocations,
)
from certify.reports.models import AllocationLevel, Target
from certify.reports.targets import (
    MAX_CERTIFIED,
    check_milestones,
    check_target,
    milestone_problems,
    replace_milestones,
    set_target,
    target_of,
)

COLUMNS = ("level", "programme", "country", "region", "municipality", "year", "certified",
           "weight", "starts_on", "due_on")
LEVELS = ("target", "milestone", "region", "municipality")


@dataclass
class _Plan:
    """What the file says about one programme."""

    programme: Programme
    target: tuple[int, int, date, date] | None = None  # line, certified, starts_on, due_on
    milestones: dict[int, tuple[int, int]] = field(default_factory=dict)  # year: (line, n)
    regions: dict[int, tuple[int, Quota]] = field(default_factory=dict)  # id: (line, quota)
    municipalities: dict[int, tuple[int, Quota]] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: int = 0
    targets: int = 0
    milestones: int = 0
    regions: int = 0
    municipalities: int = 0
    totals: dict[str, AllocationTotals] = field(default_factory=dict)  # by programme code


class _Places:
    """Regions and municipalities by name, for matching the file's rows (two queries)."""

    def __init__(self) -> None:
        self.regions: dict[tuple[str, str], int] = {}
        for region_id, name, code in db.session.execute(
                sa.select(Region.id, Region.name, Country.code).join(Region.country)):
            self.regions[(code, name.lower())] = region_id
        self.municipalities: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
        for municipality_id, name, region, code in db.session.execute(
                sa.select(Municipality.id, Municipality.name, Region.name, Country.code)
                .join(Municipality.region).join(Region.country)):
            self.municipalities[(code, name.lower())].append((region.lower(), municipality_id))


def _read(text: str) -> tuple[csv.DictReader, list[RowError]]:
    text = text.lstrip("\ufeff")  # spreadsheets often save a BOM
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    reader.fieldnames = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in ("level", "programme", "certified")
               if name not in reader.fieldnames]
    if missing:
        return reader, [RowError(1, [_("missing column(s): %(columns)s",
                                       columns=", ".join(missing))])]
    unknown = [name for name in reader.fieldnames if name and name not in COLUMNS]
    if unknown:
        return reader, [RowError(1, [_("unknown column(s): %(columns)s (allowed: %(allowed)s)",
                                       columns=", ".join(unknown),
                                       allowed=", ".join(COLUMNS))])]
    return reader, []


def _whole(value: str, name: str, messages: list[str], *, minimum: int, maximum: int
           ) -> int | None:
    if not value:
        messages.append(_("%(column)s: is required", column=name))
        return None
    try:
        number = int(value.replace("_", "").replace(" ", ""))
    except ValueError:
        messages.append(_("%(column)s: '%(value)s' is not a whole number", column=name,
                          value=value))
        return None
    if not minimum <= number <= maximum:
        messages.append(_("%(column)s: %(value)s is not from %(min)s to %(max)s", column=name,
                          value=number, min=minimum, max=maximum))
        return None
    return number


def _date(value: str, name: str, messages: list[str]) -> date | None:
    if not value:
        messages.append(_("%(column)s: is required", column=name))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        messages.append(_("%(column)s: '%(value)s' is not a date written as YYYY-MM-DD",
                          column=name, value=value))
        return None


def _weight(value: str, messages: list[str]) -> Decimal:
    if not value:
        return Decimal(1)
    try:
        weight = Decimal(value.replace(",", "."))
    except InvalidOperation:
        messages.append(_("weight: '%(value)s' is not a number", value=value))
        return Decimal(1)
    if not weight.is_finite() or not Decimal(0) < weight <= MAX_WEIGHT \
            or weight != weight.quantize(Decimal("0.01")):
        messages.append(_("weight: %(value)s must be more than 0 and at most %(max)s, with two "
                          "decimals at most", value=value, max=MAX_WEIGHT))
    return weight


def _place(row: dict, level: str, places: _Places, messages: list[str]) -> int | None:
    country = row["country"].upper()
    region = row["region"]
    if not country:
        messages.append(_("country: is required for a region or municipality row"))
        return None
    if level == "region":
        if not region:
            messages.append(_("region: is required"))
            return None
        region_id = places.regions.get((country, region.lower()))
        if region_id is None:
            messages.append(_("region: '%(region)s' is not a known region of country "
                              "'%(country)s'", region=region, country=country))
        return region_id
    name = row["municipality"]
    if not name:
        messages.append(_("municipality: is required"))
        return None
    candidates = places.municipalities.get((country, name.lower()), [])
    if region:
        candidates = [c for c in candidates if c[0] == region.lower()]
    if not candidates:
        if region:
            messages.append(_("municipality: '%(name)s' is not a known municipality of region "
                              "'%(region)s' of country '%(country)s'", name=name, region=region,
                              country=country))
        else:
            messages.append(_("municipality: '%(name)s' is not a known municipality of country "
                              "'%(country)s'", name=name, country=country))
        return None
    if len(candidates) > 1:
        messages.append(_("municipality: there are several called '%(name)s' in %(country)s; "
                          "give the region too", name=name, country=country))
        return None
    return candidates[0][1]


def _check_row(row: dict, places: _Places, programmes: dict[str, Programme]
               ) -> tuple[str, Programme | None, dict, list[str]]:
    """The row's level, programme and values, and what is wrong with it."""
    messages: list[str] = []
    values: dict = {}
    level = row["level"].lower()
    programme = programmes.get(row["programme"].upper())
    if level not in LEVELS:
        messages.append(_("level: '%(value)s' is not one of %(levels)s", value=row["level"],
                          levels=", ".join(LEVELS)))
    if programme is None:
        messages.append(_("programme: '%(value)s' is not the code of a programme",
                          value=row["programme"]))
    values["certified"] = _whole(row["certified"], "certified", messages,
                                 minimum=1 if level == "target" else 0, maximum=MAX_CERTIFIED)
    if level == "target":
        values["starts_on"] = _date(row["starts_on"], "starts_on", messages)
        values["due_on"] = _date(row["due_on"], "due_on", messages)
        if not messages:
            messages += [message for field_messages in check_target(
                values["certified"], values["starts_on"], values["due_on"]).values()
                for message in field_messages]
    elif level == "milestone":
        values["year"] = _whole(row["year"], "year", messages, minimum=2000, maximum=2100)
    elif level in ("region", "municipality"):
        values["place_id"] = _place(row, level, places, messages)
        values["weight"] = _weight(row["weight"], messages)
    return level, programme, values, messages


def _add(plan: _Plan, level: str, line: int, values: dict) -> list[str]:
    """Put a checked row into its programme's plan; a repeated row is an error."""
    certified = values["certified"]
    if level == "target":
        if plan.target is not None:
            return [_("the target of %(programme)s is already on line %(line)s",
                      programme=plan.programme.code, line=plan.target[0])]
        plan.target = (line, certified, values["starts_on"], values["due_on"])
    elif level == "milestone":
        year = values["year"]
        if year in plan.milestones:
            return [_("the %(year)s milestone is already on line %(line)s", year=year,
                      line=plan.milestones[year][0])]
        plan.milestones[year] = (line, certified)
    else:
        rows = plan.regions if level == "region" else plan.municipalities
        place_id = values["place_id"]
        if place_id in rows:
            return [_("this place is already on line %(line)s", line=rows[place_id][0])]
        rows[place_id] = (line, Quota(certified, values["weight"]))
    return []


def _check_rows(reader: csv.DictReader, places: _Places, programmes: dict[str, Programme],
                progress: Callable[[int], None] | None
                ) -> tuple[dict[int, _Plan], list[RowError], int]:
    plans: dict[int, _Plan] = {}
    errors: list[RowError] = []
    count = 0
    for row in reader:
        count += 1
        line = reader.line_num
        row = {name: (row.get(name) or "").strip() for name in COLUMNS}
        level, programme, values, messages = _check_row(row, places, programmes)
        if not messages:
            plan = plans.setdefault(programme.id, _Plan(programme))
            messages = _add(plan, level, line, values)
        if messages:
            errors.append(RowError(line, messages))
        if progress:
            progress(count)
    if count == 0:
        errors.append(RowError(2, [_("the file has a header but no rows")]))
    return plans, errors, count


def _milestone_errors(plan: _Plan, certified: int, starts_on: date, due_on: date
                      ) -> list[RowError]:
    """Each milestone row that does not fit the target or the milestone before it."""
    errors = []
    previous: tuple[int, int] | None = None
    for year, (line, count) in sorted(plan.milestones.items()):
        problems = milestone_problems(certified, starts_on, due_on, year, count, previous)
        if problems:
            errors.append(RowError(line, problems))
        previous = (year, count)
    return errors


def _check_plan(plan: _Plan, existing: Target | None) -> list[RowError]:
    """The rows of a programme's plan that do not fit its target, as it will be."""
    if plan.target is not None:
        line, certified, starts_on, due_on = plan.target
    elif existing is not None:
        line, certified, starts_on, due_on = (0, existing.certified, existing.starts_on,
                                              existing.due_on)
    else:
        first = min([line for line, _n in plan.milestones.values()]
                    + [line for line, _q in plan.regions.values()]
                    + [line for line, _q in plan.municipalities.values()])
        return [RowError(first, [_("%(programme)s has no target yet: add a 'target' row for "
                                   "it", programme=plan.programme.code)])]
    if plan.milestones:
        return _milestone_errors(plan, certified, starts_on, due_on)
    if existing is not None and line:
        problems = check_milestones(certified, starts_on, due_on,
                                    [(m.year, m.certified) for m in existing.milestones])
        if problems:
            return [RowError(line, problems + [_("change or delete those milestones, or add "
                                                 "milestone rows to replace them")])]
    return []


def import_targets(text: str, *, actor=None,
                   progress: Callable[[int], None] | None = None) -> ImportReport:
    """Check every row of ``text`` (CSV), then write every programme's plan.

    ``ImportRejected`` lists each wrong row with its line number; then nothing is written.
    ``progress(rows)`` is called with the number of rows checked so far.
    """
    reader, header_errors = _read(text)
    if header_errors:
        raise ImportRejected(header_errors)
    places = _Places()
    programmes = {programme.code.upper(): programme
                  for programme in db.session.scalars(sa.select(Programme))}
    plans, errors, count = _check_rows(reader, places, programmes, progress)
    existing = {plan.programme.id: target_of(plan.programme) for plan in plans.values()}
    for plan in plans.values():
        errors += _check_plan(plan, existing[plan.programme.id])
    if errors:
        raise ImportRejected(errors)
    report = ImportReport(rows=count)
    for plan in plans.values():
        _write(plan, existing[plan.programme.id], actor, report)
    return report


def _write(plan: _Plan, target: Target | None, actor, report: ImportReport) -> None:
    if plan.target is not None:
        _line, certified, starts_on, due_on = plan.target
        if plan.milestones and target is not None:
            replace_milestones(target, [])  # the file's milestones replace them below
        target = set_target(plan.programme, certified=certified, starts_on=starts_on,
                            due_on=due_on, actor=actor)
        report.targets += 1
    if plan.milestones:
        replace_milestones(target, [(year, n) for year, (_line, n) in plan.milestones.items()])
        report.milestones += len(plan.milestones)
    for level, rows in ((AllocationLevel.REGION, plan.regions),
                        (AllocationLevel.MUNICIPALITY, plan.municipalities)):
        if rows:
            clear_allocations(target, level)
            set_allocations(target, level, {place_id: quota
                                            for place_id, (_line, quota) in rows.items()})
    report.regions += len(plan.regions)
    report.municipalities += len(plan.municipalities)
    report.totals[plan.programme.code] = allocation_totals(target)
