"""The cohort overview: per person, per module status, as a table or a CSV file."""

from __future__ import annotations

import io

from flask_babel import gettext as _

from certify.cohorts.models import Cohort
from certify.core import audit
from certify.core.csv_export import csv_writer
from certify.programmes.models import Programme
from certify.progress.eligibility import Step
from certify.progress.services import ProgressRow


def _quiz_cell(row: ProgressRow, module_id: int) -> str:
    result = row.facts.quizzes.get(module_id)
    if result is None or result.percent is None:
        return ""
    return f"{result.percent:.0f}"


def export_overview(cohort: Cohort, rows: list[ProgressRow], *, actor: object) -> str:
    """The overview CSV handed to ``actor``, recorded in the audit log: it names people."""
    audit.record("cohort.overview_exported", cohort, actor=actor, rows=len(rows))
    return overview_csv(cohort.programme, rows)


def overview_csv(programme: Programme, rows: list[ProgressRow]) -> str:
    """One line per person: municipality, each quiz's counting score, attendance,
    prototype, final survey, eligibility and what is missing."""
    virtual = [module for module in programme.modules if module.is_virtual]
    out = io.StringIO()
    writer = csv_writer(out)  # names come from people and from Moodle profiles
    writer.writerow(
        [_("Family names"), _("Given names"), _("E-mail"), _("Municipality"), _("Country")]
        + [_("%(code)s quiz (%%)", code=module.code) for module in virtual]
        + [_("In-person attendance"), _("Prototype (%)"), _("Final survey"), _("Eligible"),
           _("Missing")])
    for row in rows:
        person, facts = row.person, row.facts
        municipality = person.municipality
        writer.writerow(
            [person.family_names, person.given_names, person.email,
             municipality.name if municipality else "",
             municipality.region.country.code if municipality else ""]
            + [_quiz_cell(row, module.id) for module in virtual]
            + [facts.attendance or "",
               f"{facts.prototype.percent:.0f}"
               if facts.prototype and facts.prototype.percent is not None else "",
               _("yes") if facts.final_survey_answered else _("no"),
               _("yes") if row.eligibility.eligible else _("no"),
               "; ".join(row.eligibility.reasons)])
    return out.getvalue()


def funnel(rows: list[ProgressRow]) -> dict[str, int]:
    """How many people met each kind of requirement, for the overview's headline figures."""
    counts = {"members": len(rows), "eligible": 0, "quizzes": 0, "in_person": 0, "prototype": 0,
              "final_survey": 0}
    for row in rows:
        counts["eligible"] += row.eligibility.eligible
        by_step: dict[Step, bool] = {}
        for requirement in row.eligibility.requirements:
            by_step[requirement.step] = by_step.get(requirement.step, True) and requirement.met
        counts["quizzes"] += by_step.get(Step.QUIZ, False)
        counts["in_person"] += by_step.get(Step.IN_PERSON, False)
        counts["prototype"] += by_step.get(Step.PROTOTYPE, False)
        counts["final_survey"] += by_step.get(Step.FINAL_SURVEY, False)
    return counts
