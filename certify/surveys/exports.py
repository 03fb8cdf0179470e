"""Survey results as CSV files: the aggregates, and the raw answers without names.

Column names are stable snake_case keys, like the API's, so spreadsheets and
scripts keep working whatever the reader's language; cells a spreadsheet would
run as a formula are neutralised.
"""

from __future__ import annotations

from flask_babel import format_date

from certify.core.csv_export import write_csv
from certify.surveys.models import Survey
from certify.surveys.summaries import SCORES, SurveySummary, export_items, raw_answers


def survey_label(survey: Survey) -> str:
    """"M1 · Title" for a module's survey; "M5 · Session title (date)" for a session's."""
    if survey.module is not None:
        return f"{survey.module.code} · {survey.module.title_in()}"
    session = survey.session
    return f"{session.module.code} · {session.title} ({format_date(session.starts_at, 'medium')})"


SUMMARY_HEADER = ["survey_id", "survey", "item_key", "item", "kind", "answers",
                  "active_enrolments", "response_rate", "average"] + [f"score_{s}" for s in SCORES]


def summary_csv(summaries: list[SurveySummary]) -> str:
    """One row per survey (item_key empty: responses and overall average), then one per item."""
    rows = []
    for summary in summaries:
        label = survey_label(summary.survey)
        rows.append([summary.survey.id, label, "", summary.survey.template.title_in(), "",
                     summary.responses, summary.active_enrolments, summary.response_rate,
                     summary.average] + [""] * len(SCORES))
        for item in summary.items:
            scores = [item.distribution.get(score, 0) for score in SCORES] \
                if item.item.is_scale else [""] * len(SCORES)
            rows.append([summary.survey.id, label, item.item.key, item.item.prompt_in(),
                         item.item.kind.value, item.answers, summary.active_enrolments,
                         item.response_rate, item.average] + scores)
    return write_csv(SUMMARY_HEADER, rows)


def answers_csv(surveys: list[Survey]) -> str:
    """One row per response: the survey, where the person works, and each answer by item key."""
    keys = [item.key for item in export_items(surveys)]
    header = ["survey_id", "survey", "municipality", "region", "country"] + keys
    rows = ([row.survey.id, survey_label(row.survey), row.municipality, row.region, row.country]
            + [row.values.get(key) for key in keys] for row in raw_answers(surveys))
    return write_csv(header, rows)
