"""Grades reach the platforms' gradebooks: the learning path's signals, heard by the LTI area.

Assessments and submissions know nothing of LTI; they announce a scored quiz attempt and a
released prototype grade, and these handlers queue the scores in the same transaction and
a job to send them once it commits.
"""

from __future__ import annotations

from certify.core.clock import utcnow
from certify.core.signals import attempt_scored, grade_released
from certify.lti import framing, grades  # noqa: F401 - framing lets the platforms embed certify
from certify.lti.jobs import schedule_push


@attempt_scored.connect
def send_quiz_result(attempt, **_details) -> None:
    syncs = grades.record_quiz_result(attempt.quiz, attempt.person,
                                      at=attempt.submitted_at or utcnow())
    schedule_push(sync.id for sync in syncs)


@grade_released.connect
def send_prototype_grade(grade, *, members, **_details) -> None:
    syncs = grades.record_prototype_grade(grade, members)
    schedule_push(sync.id for sync in syncs)
