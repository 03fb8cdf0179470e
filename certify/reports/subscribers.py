"""Keeping the read model (``reports.facts``) up to date as things happen.

Lower areas announce what changed with signals; each handler notes which people (or
surveys) of which programme are concerned, in the session that made the change, and just
before that session commits, their rows are recomputed in a few set-based statements:
a cohort enrolled in bulk costs one refresh, not one per person. Notes left by a
transaction that was rolled back only cause a harmless recomputation at the next commit,
since rows are always recomputed from the source tables.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from certify.core.signals import (
    attempt_scored,
    checked_in,
    enrolment_created,
    grade_released,
    survey_answered,
)
from certify.programmes.models import Programme

PEOPLE = "certify.reports.people"  # Session.info: {programme id: {person id, ...}}
SURVEYS = "certify.reports.surveys"  # Session.info: {programme id: {survey id, ...}}


def _note(session: Session, key: str, programme_id: int, ids) -> None:
    session.info.setdefault(key, defaultdict(set))[programme_id].update(ids)


def _session_of(instance) -> Session | None:
    return sa.inspect(instance).session


@attempt_scored.connect
def _attempt_scored(attempt, *, quiz, **_details) -> None:
    if (session := _session_of(attempt)) is not None:
        _note(session, PEOPLE, quiz.module.programme_id, [attempt.person_id])


@checked_in.connect
def _checked_in(check_in, *, session, person, **_details) -> None:
    if (orm_session := _session_of(check_in)) is not None:
        _note(orm_session, PEOPLE, session.cohort.programme_id, [person.id])


@grade_released.connect
def _grade_released(grade, *, members, **_details) -> None:
    if (session := _session_of(grade)) is not None:
        _note(session, PEOPLE, grade.submission.group.cohort.programme_id,
              [person.id for person in members])


@enrolment_created.connect
def _enrolment_created(enrolment, *, cohort, person, **_details) -> None:
    if (session := _session_of(enrolment)) is not None:
        _note(session, PEOPLE, cohort.programme_id, [person.id])


@survey_answered.connect
def _survey_answered(response, **_details) -> None:
    if (session := _session_of(response)) is not None:
        _note(session, SURVEYS, response.survey.cohort.programme_id, [response.survey_id])


@sa.event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    from certify.reports.facts import refresh_facts, refresh_tallies

    people = session.info.pop(PEOPLE, None) or {}
    surveys = session.info.pop(SURVEYS, None) or {}
    for programme_id in set(people) | set(surveys):
        programme = session.get(Programme, programme_id)
        if programme is None:
            continue
        if programme_id in people:
            refresh_facts(programme, people[programme_id], session=session)
        if programme_id in surveys:
            refresh_tallies(programme, surveys[programme_id], session=session)
