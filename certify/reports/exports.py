"""Every figure of the dashboard as CSV, the register of certified agents streamed, and a
programme's plan (target, milestones, quotas) in the format the import reads.

Column names are stable snake_case keys, like the API's, so spreadsheets and scripts keep
working whatever the reader's language; labels in the reader's language sit in their own
columns. Cells a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import sqlalchemy as sa

from certify.accounts.models import Country, Municipality, Region
from certify.core.csv_export import csv_writer, stream_csv, write_csv
from certify.core.i18n import localized
from certify.extensions import db
from certify.reports.attendance import AttendanceReport
from certify.reports.equity import EquityDimension
from certify.reports.funnel import StepFigure
from certify.reports.importing import COLUMNS as TARGET_COLUMNS
from certify.reports.labels import dimension_label, group_label, standing_label, step_label
from certify.reports.models import Allocation, Target
from certify.reports.places import PlaceTable
from certify.reports.progress import Progress
from certify.reports.register import RegisterEntry


def progress_csv(progress: Progress) -> str:
    """One row per month: certified in it, cumulative, and the target path at its end."""
    return write_csv(["month", "certified", "cumulative", "target_path"], (
        [point.month.strftime("%Y-%m"), point.certified, point.cumulative, point.target]
        for point in progress.months))


def pace_csv(progress: Progress) -> str:
    """One row per headline figure: the target, certified to date, pace and forecasts."""
    pace = progress.pace
    rows = [
        ["today", progress.today.isoformat()],
        ["standing", pace.standing.value, standing_label(pace.standing)],
        ["target", pace.target], ["due_on", pace.due_on.isoformat() if pace.due_on else None],
        ["certified", pace.certified], ["expected_today", pace.expected], ["gap", pace.gap],
        ["remaining", pace.remaining], ["months_left", pace.months_left],
        ["needed_per_month", pace.needed_per_month],
    ]
    for recent in pace.recent:
        rows += [[f"certified_last_{recent.months}_months", recent.certified],
                 [f"pace_last_{recent.months}_months", recent.per_month],
                 [f"forecast_last_{recent.months}_months",
                  recent.forecast.isoformat() if recent.forecast else None]]
    return write_csv(["figure", "value", "label"], rows)


def places_csv(table: PlaceTable) -> str:
    return write_csv(
        ["level", "id", "name", "region", "country", "kind", "target", "certified",
         "percent_of_target", "pipeline", "still_to_certify"],
        ([table.level.value, row.id, row.name, row.region, row.country,
          row.kind.value if row.kind else None, row.target, row.certified, row.percent,
          row.pipeline, row.gap] for row in table.rows))


def funnel_csv(steps: list[StepFigure]) -> str:
    return write_csv(
        ["step", "label", "people", "dropped", "percent_of_previous", "percent_of_enrolled"],
        ([step.step.value, step_label(step.step), step.people, step.dropped,
          step.share_of_previous, step.share_of_enrolled] for step in steps))


def attendance_csv(report: AttendanceReport) -> str:
    """One row per session, then the total (``session_id`` empty)."""
    def figures(f) -> list[object]:
        return [f.registered, f.attended, f.attended_registered, f.walk_ins, f.no_shows,
                f.excused, f.absent, f.waitlisted,
                round(f.attendance_rate * 100, 1) if f.attendance_rate is not None else None]

    rows = [[row.id, row.title, row.cohort, row.starts_at.isoformat(), *figures(row.figures)]
            for row in report.sessions]
    rows.append(["", "total", "", "", *figures(report.overall)])
    return write_csv(["session_id", "session", "cohort", "starts_at", "registered", "attended",
                      "attended_registered", "walk_ins", "no_shows", "excused", "absent",
                      "waitlisted", "attendance_rate_percent"], rows)


def satisfaction_csv(report: AttendanceReport) -> str:
    """Averages per module, per question, and over every answer (scale of 1 to 5)."""
    rows = [["module", s.key, localized(s.label), s.responses, s.answers, s.average]
            for s in report.by_module]
    rows += [["question", s.key, localized(s.label), s.responses, s.answers, s.average]
             for s in report.by_question]
    overall = report.satisfaction
    rows.append(["all", "", "", overall.responses, overall.answers, overall.average])
    return write_csv(["by", "key", "label", "responses", "answers", "average"], rows)


def equity_csv(dimensions: list[EquityDimension]) -> str:
    return write_csv(
        ["dimension", "dimension_label", "group", "group_label", "certified",
         "certified_percent", "enrolled", "enrolled_percent", "baseline_percent",
         "gap_points", "certification_rate_percent", "baseline_illustrative"],
        ([dimension.dimension, dimension_label(dimension.dimension), row.key,
          group_label(dimension.dimension, row.key, row.name), row.certified,
          row.certified_share, row.enrolled, row.enrolled_share, row.baseline, row.gap,
          row.certification_rate, "yes" if dimension.illustrative else "no"]
         for dimension in dimensions for row in dimension.rows))


REGISTER_HEADER = ["serial", "name", "municipality", "region", "country", "programme",
                   "programme_title", "issued_on", "status"]


def register_csv(entries: Iterable[RegisterEntry], programme_title: str, *,
                 batch: int = 1000) -> Iterator[str]:
    """The register, ``batch`` lines at a time (a BOM first, so spreadsheets read UTF-8)."""
    return stream_csv(REGISTER_HEADER, (
        [entry.serial, entry.name, entry.municipality, entry.region, entry.country,
         entry.programme_code, programme_title, entry.issued_at.date().isoformat(),
         entry.status.value] for entry in entries), batch=batch, prefix="\ufeff")


def targets_csv(target: Target) -> str:
    """The target, its milestones and its quotas in the import format."""
    code = target.programme.code
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(TARGET_COLUMNS)
    writer.writerow(["target", code, "", "", "", "", target.certified, "",
                     target.starts_on.isoformat(), target.due_on.isoformat()])
    for milestone in target.milestones:
        writer.writerow(["milestone", code, "", "", "", milestone.year, milestone.certified,
                         "", "", ""])
    regional = db.session.execute(
        sa.select(Country.code, Region.name, Allocation.certified, Allocation.weight)
        .join(Region, Region.id == Allocation.region_id).join(Region.country)
        .where(Allocation.target_id == target.id).order_by(Country.code, Region.name))
    for country, region, certified, weight in regional:
        writer.writerow(("region", code, country, region, "", "", certified, weight, "", ""))
    local = db.session.execute(
        sa.select(Country.code, Region.name, Municipality.name, Allocation.certified,
                  Allocation.weight)
        .join(Municipality, Municipality.id == Allocation.municipality_id)
        .join(Municipality.region).join(Region.country)
        .where(Allocation.target_id == target.id)
        .order_by(Country.code, Region.name, Municipality.name))
    for country, region, municipality, certified, weight in local:
        writer.writerow(("municipality", code, country, region, municipality, "", certified,
                         weight, "", ""))
    return out.getvalue()
