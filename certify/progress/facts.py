"""What each person of a cohort has done, gathered from every area in a few queries.

One bulk call per area, whatever the cohort's size: the overview of 500 people
and the page of one person read the same facts the same way.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from certify.assessments.results import QuizResult, quiz_results
from certify.attendance.services.figures import attendance_by_person
from certify.cohorts.models import Cohort
from certify.submissions.results import PrototypeResult, prototype_results
from certify.surveys.summaries import final_survey_respondents


@dataclass(frozen=True)
class PersonFacts:
    person_id: int
    quizzes: dict[int, QuizResult] = field(default_factory=dict)  # by module id
    attendance: str | None = None  # best AttendanceStatus value at the in-person sessions
    prototype: PrototypeResult | None = None
    final_survey_answered: bool = False


def cohort_facts(cohort: Cohort, person_ids: Collection[int]) -> dict[int, PersonFacts]:
    """``{person id: PersonFacts}`` for ``person_ids`` in ``cohort``."""
    quizzes = quiz_results(person_ids, cohort.programme)
    attendance = attendance_by_person(cohort)
    prototypes = prototype_results(cohort)
    final_survey = final_survey_respondents(cohort)
    return {
        person_id: PersonFacts(
            person_id=person_id,
            quizzes=quizzes.get(person_id, {}),
            attendance=str(attendance[person_id]) if person_id in attendance else None,
            prototype=prototypes.get(person_id),
            final_survey_answered=person_id in final_survey,
        )
        for person_id in person_ids
    }
