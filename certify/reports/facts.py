"""Keeping the figures' read model (``ReportFact``, ``SurveyTally``) in step with the sources.

Each refresh recomputes rows from the source tables in set-based SQL (INSERT ... SELECT),
for a whole programme or for a few people or surveys: the rules are the programme's, as in
``progress.eligibility`` (every virtual module's quiz passed, an accepted attendance
status, the group prototype at or above the pass mark).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from certify.accounts.models import Municipality, Person
from certify.assessments.models import AttemptStatus, CountingAttempt, Quiz, QuizAttempt
from certify.attendance.models import CheckIn, InPersonSession, Registration, RegistrationStatus
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus, GroupMembership, ProjectGroup
from certify.core.clock import utcnow
from certify.extensions import db
from certify.programmes.content import RULE_DEFAULTS
from certify.programmes.models import Module, ModuleKind, Programme
from certify.reports.models import ReportFact, ReportRefresh, SurveyTally
from certify.submissions.models import (
    GradeStatus,
    MemberAdjustment,
    PrototypeGrade,
    PrototypeSubmission,
    Rubric,
)
from certify.surveys.models import Survey, SurveyAnswer, SurveyResponse


def _only(column, person_ids: Collection[int] | None) -> list:
    return [] if person_ids is None else [column.in_(list(person_ids))]


def quiz_passers(session: Session, programme: Programme,
                 person_ids: Collection[int] | None = None) -> sa.Select | None:
    """People who passed the quiz of every virtual module (None: there is nothing to pass).

    A quiz counting the best attempt is passed by any passed attempt; one counting the
    last attempt, by a passed attempt with no later submitted one.
    """
    if (programme.certification_rules or {}).get("virtual_quizzes", "all") != "all":
        return None
    quizzes = session.execute(
        sa.select(Quiz.id, Quiz.counting_attempt).join(Quiz.module)
        .where(Module.programme_id == programme.id, Module.kind == ModuleKind.VIRTUAL)).all()
    if not quizzes:
        return None
    passed = sa.and_(QuizAttempt.passed.is_(True), QuizAttempt.status == AttemptStatus.SUBMITTED)
    last_counts = [quiz_id for quiz_id, counting in quizzes
                   if CountingAttempt(counting) is CountingAttempt.LAST]
    if last_counts:
        later = aliased(QuizAttempt)
        superseded = sa.exists(sa.select(later.id).where(
            later.quiz_id == QuizAttempt.quiz_id, later.person_id == QuizAttempt.person_id,
            later.number > QuizAttempt.number, later.status == AttemptStatus.SUBMITTED))
        passed = sa.and_(passed, sa.or_(QuizAttempt.quiz_id.not_in(last_counts), ~superseded))
    return (sa.select(QuizAttempt.person_id)
            .where(QuizAttempt.quiz_id.in_([quiz_id for quiz_id, _ in quizzes]), passed,
                   *_only(QuizAttempt.person_id, person_ids))
            .group_by(QuizAttempt.person_id)
            .having(sa.func.count(sa.distinct(QuizAttempt.quiz_id)) == len(quizzes)))


def in_person_attendees(programme: Programme, person_ids: Collection[int] | None = None
                        ) -> sa.Select:
    """People checked in with a status the programme accepts at a session of its cohorts."""
    statuses = (programme.certification_rules or {}).get(
        "in_person_statuses") or RULE_DEFAULTS["in_person_statuses"]
    return (sa.select(Registration.person_id)
            .join(CheckIn, CheckIn.registration_id == Registration.id)
            .join(InPersonSession, InPersonSession.id == Registration.session_id)
            .join(Cohort, Cohort.id == InPersonSession.cohort_id)
            .where(Cohort.programme_id == programme.id,
                   Registration.status == RegistrationStatus.CONFIRMED,
                   CheckIn.status.in_(list(statuses)),
                   *_only(Registration.person_id, person_ids)))


def prototype_pass_mark(session: Session, programme: Programme) -> Decimal:
    """The programme's ``prototype_pass_mark``, else its rubric's, else the default."""
    mark = (programme.certification_rules or {}).get("prototype_pass_mark")
    if mark is None:
        mark = session.scalar(sa.select(Rubric.pass_mark)
                              .where(Rubric.programme_id == programme.id))
    if mark is None:
        mark = RULE_DEFAULTS["prototype_pass_mark"]
    return Decimal(str(mark))


def prototype_passers(session: Session, programme: Programme,
                      person_ids: Collection[int] | None = None) -> sa.Select:
    """People whose group's latest released prototype grade reached the pass mark.

    A member's own adjusted percent replaces the group's; a person counts for a group they
    belonged to when the graded version was submitted, or belong to now.
    """
    counting = (sa.select(PrototypeSubmission.group_id, PrototypeSubmission.submitted_at,
                          PrototypeGrade.id.label("grade_id"), PrototypeGrade.percent,
                          sa.func.row_number().over(
                              partition_by=PrototypeSubmission.group_id,
                              order_by=PrototypeSubmission.version.desc()).label("latest"))
                .join(PrototypeGrade, PrototypeGrade.submission_id == PrototypeSubmission.id)
                .join(ProjectGroup, ProjectGroup.id == PrototypeSubmission.group_id)
                .join(Cohort, Cohort.id == ProjectGroup.cohort_id)
                .where(PrototypeGrade.status == GradeStatus.RELEASED,
                       Cohort.programme_id == programme.id))
    if person_ids is not None:
        counting = counting.where(PrototypeSubmission.group_id.in_(
            sa.select(GroupMembership.group_id).where(
                GroupMembership.person_id.in_(list(person_ids)))))
    counting = counting.subquery()
    percent = sa.func.coalesce(MemberAdjustment.percent, counting.c.percent)
    member_then = sa.and_(GroupMembership.joined_at <= counting.c.submitted_at,
                          sa.or_(GroupMembership.left_at.is_(None),
                                 GroupMembership.left_at > counting.c.submitted_at))
    return (sa.select(GroupMembership.person_id)
            .join(counting, counting.c.group_id == GroupMembership.group_id)
            .outerjoin(MemberAdjustment, sa.and_(
                MemberAdjustment.grade_id == counting.c.grade_id,
                MemberAdjustment.person_id == GroupMembership.person_id))
            .where(counting.c.latest == 1, percent >= prototype_pass_mark(session, programme),
                   sa.or_(member_then, GroupMembership.left_at.is_(None)),
                   *_only(GroupMembership.person_id, person_ids)))


def _enrolled(programme: Programme, person_ids: Collection[int] | None) -> sa.Subquery:
    """One row per person enrolled: the latest enrolment's cohort, and whether any
    enrolment is not withdrawn."""
    person = Enrolment.person_id
    ranked = (sa.select(
        person.label("person_id"), Enrolment.cohort_id.label("cohort_id"),
        sa.func.row_number().over(partition_by=person, order_by=(
            Enrolment.enrolled_at.desc(), Enrolment.id.desc())).label("rank"),
        sa.func.max(sa.case((Enrolment.status != EnrolmentStatus.WITHDRAWN, 1), else_=0))
        .over(partition_by=person).label("active"))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Cohort.programme_id == programme.id, *_only(person, person_ids))).subquery()
    return sa.select(ranked).where(ranked.c.rank == 1).subquery()


def refresh_facts(programme: Programme, person_ids: Collection[int] | None = None, *,
                  session: Session | None = None) -> int:
    """Recompute the programme's facts (of ``person_ids`` only, if given); returns the rows."""
    session = session or db.session
    if person_ids is not None and not person_ids:
        return 0
    session.execute(sa.delete(ReportFact).where(
        ReportFact.programme_id == programme.id, *_only(ReportFact.person_id, person_ids)))
    people = _enrolled(programme, person_ids)
    person = people.c.person_id
    passers = quiz_passers(session, programme, person_ids)
    columns = {
        "programme_id": sa.literal(programme.id, sa.Integer),
        "person_id": person, "cohort_id": people.c.cohort_id,
        "municipality_id": Person.municipality_id,
        "gender": sa.type_coerce(Person.gender, sa.String),
        "birth_year": Person.birth_year, "active": people.c.active == 1,
        "virtual_modules_passed": person.in_(passers) if passers is not None else sa.true(),
        "attended_in_person": person.in_(in_person_attendees(programme, person_ids)),
        "prototype_passed": person.in_(prototype_passers(session, programme, person_ids)),
        "refreshed_at": sa.literal(utcnow(), ReportFact.refreshed_at.type),
    }
    query = sa.select(*columns.values()).join(Person, Person.id == person)
    result = session.execute(sa.insert(ReportFact).from_select(list(columns), query))
    return result.rowcount


def refresh_tallies(programme: Programme, survey_ids: Collection[int] | None = None, *,
                    session: Session | None = None) -> None:
    """Recompute the survey tallies of the programme (of ``survey_ids`` only, if given)."""
    session = session or db.session
    if survey_ids is not None and not survey_ids:
        return
    surveys = (sa.select(Survey.id).join(Cohort, Cohort.id == Survey.cohort_id)
               .where(Cohort.programme_id == programme.id, *_only(Survey.id, survey_ids)))
    session.execute(sa.delete(SurveyTally).where(SurveyTally.survey_id.in_(surveys)))
    respondents = (sa.select(SurveyResponse.survey_id).select_from(SurveyResponse)
                   .where(SurveyResponse.survey_id.in_(surveys))
                   .outerjoin(Person, Person.id == SurveyResponse.person_id)
                   .outerjoin(Municipality, Municipality.id == Person.municipality_id))
    answered = (respondents.join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
                .where(SurveyAnswer.score.is_not(None)))
    columns = ["survey_id", "by_place", "item_id", "region_id", "kind", "responses", "answers",
               "total"]
    for by_place in (False, True):
        place = ((Municipality.region_id, sa.type_coerce(Municipality.kind, sa.String))
                 if by_place else (sa.null(), sa.null()))
        keys = (SurveyResponse.survey_id, *(place if by_place else ()))
        items = (answered.with_only_columns(
            SurveyResponse.survey_id, sa.literal(by_place), SurveyAnswer.item_id, *place,
            sa.func.count(sa.distinct(SurveyResponse.id)), sa.func.count(SurveyAnswer.score),
            sa.func.sum(SurveyAnswer.score)).group_by(*keys, SurveyAnswer.item_id))
        responses = respondents.with_only_columns(
            SurveyResponse.survey_id, sa.literal(by_place), sa.null(), *place,
            sa.func.count(SurveyResponse.id), sa.literal(0), sa.literal(0)).group_by(*keys)
        for query in (items, responses):
            session.execute(sa.insert(SurveyTally).from_select(columns, query))


def refresh_programme(programme: Programme, *, session: Session | None = None) -> ReportRefresh:
    """Rebuild the whole read model of ``programme`` and record when."""
    session = session or db.session
    started = time.perf_counter()
    refresh_facts(programme, session=session)
    refresh_tallies(programme, session=session)
    record = session.get(ReportRefresh, programme.id)
    if record is None:
        record = ReportRefresh(programme_id=programme.id)
        session.add(record)
    record.refreshed_at = utcnow()
    record.seconds = round(time.perf_counter() - started, 2)
    session.flush()
    return record


def last_refresh(programme: Programme) -> ReportRefresh | None:
    """When the programme's read model was last rebuilt in full (None: never)."""
    return db.session.scalar(sa.select(ReportRefresh)
                             .where(ReportRefresh.programme_id == programme.id))
