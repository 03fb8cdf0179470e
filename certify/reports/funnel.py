"""The funnel: of the people enrolled, how many passed every virtual module's quiz, then also
attended in person, then also passed the group prototype, and how many are certified.

Each step counts people who took it and every step before it, so the drop-off between
two steps is the people lost there. The rules are the programme's (its in-person
statuses and prototype pass mark), as in ``progress.eligibility``. One query, with
every step a semi-join the database evaluates once, whatever the number of people.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from certify.assessments.models import AttemptStatus, CountingAttempt, Quiz, QuizAttempt
from certify.attendance.models import CheckIn, InPersonSession, Registration, RegistrationStatus
from certify.certificates.models import Certificate, CertificateKind
from certify.cohorts.models import Cohort, Enrolment, GroupMembership, ProjectGroup
from certify.extensions import db
from certify.programmes.content import RULE_DEFAULTS
from certify.programmes.models import Module, ModuleKind, Programme
from certify.reports.scope import Scope
from certify.reports.sql import count_if
from certify.submissions.models import (
    GradeStatus,
    MemberAdjustment,
    PrototypeGrade,
    PrototypeSubmission,
    Rubric,
)


class FunnelStep(enum.StrEnum):
    ENROLLED = "enrolled"
    VIRTUAL_MODULES = "virtual_modules"
    IN_PERSON = "in_person"
    PROTOTYPE = "prototype"
    CERTIFIED = "certified"


@dataclass(frozen=True)
class StepFigure:
    step: FunnelStep
    people: int
    previous: int | None  # the step before's people (None for the first)
    enrolled: int

    @property
    def dropped(self) -> int | None:
        """People lost since the step before."""
        return None if self.previous is None else self.previous - self.people

    @property
    def share_of_previous(self) -> Decimal | None:
        if not self.previous:
            return None
        return (Decimal(self.people * 100) / self.previous).quantize(Decimal("0.1"))

    @property
    def share_of_enrolled(self) -> Decimal | None:
        if not self.enrolled:
            return None
        return (Decimal(self.people * 100) / self.enrolled).quantize(Decimal("0.1"))


def enrolled_people(scope: Scope) -> sa.Select:
    """Everyone ever enrolled (whatever the status now) in the scope's cohorts and places."""
    query = (sa.select(Enrolment.person_id.label("person_id")).distinct()
             .join(Cohort, Cohort.id == Enrolment.cohort_id)
             .where(Cohort.programme_id == scope.programme.id))
    if scope.by_cohort:
        query = query.where(Enrolment.cohort_id.in_(scope.cohort_ids()))
    return scope.join_place(query, Enrolment.person_id)


def quiz_passers(programme: Programme) -> sa.Select | None:
    """People who passed the quiz of every virtual module (None: there is nothing to pass).

    A quiz counting the best attempt is passed by any passed attempt; one counting the
    last attempt, by a passed attempt with no later submitted one.
    """
    if (programme.certification_rules or {}).get("virtual_quizzes", "all") != "all":
        return None
    quizzes = db.session.execute(
        sa.select(Quiz.id, Quiz.counting_attempt).join(Quiz.module)
        .where(Module.programme_id == programme.id, Module.kind == ModuleKind.VIRTUAL)).all()
    if not quizzes:
        return None
    later = aliased(QuizAttempt)
    last_counts = [quiz_id for quiz_id, counting in quizzes
                   if CountingAttempt(counting) is CountingAttempt.LAST]
    passed = sa.and_(QuizAttempt.passed.is_(True),
                     QuizAttempt.status == AttemptStatus.SUBMITTED)
    if last_counts:
        superseded = sa.exists(sa.select(later.id).where(
            later.quiz_id == QuizAttempt.quiz_id, later.person_id == QuizAttempt.person_id,
            later.number > QuizAttempt.number, later.status == AttemptStatus.SUBMITTED))
        passed = sa.and_(passed, sa.or_(QuizAttempt.quiz_id.not_in(last_counts), ~superseded))
    return (sa.select(QuizAttempt.person_id)
            .where(QuizAttempt.quiz_id.in_([quiz_id for quiz_id, _ in quizzes]), passed)
            .group_by(QuizAttempt.person_id)
            .having(sa.func.count(sa.distinct(QuizAttempt.quiz_id)) == len(quizzes)))


def in_person_attendees(programme: Programme) -> sa.Select:
    """People checked in with a status the programme accepts at a session of its cohorts."""
    statuses = (programme.certification_rules or {}).get(
        "in_person_statuses") or RULE_DEFAULTS["in_person_statuses"]
    return (sa.select(Registration.person_id)
            .join(CheckIn, CheckIn.registration_id == Registration.id)
            .join(InPersonSession, InPersonSession.id == Registration.session_id)
            .join(Cohort, Cohort.id == InPersonSession.cohort_id)
            .where(Cohort.programme_id == programme.id,
                   Registration.status == RegistrationStatus.CONFIRMED,
                   CheckIn.status.in_(list(statuses))))


def prototype_pass_mark(programme: Programme) -> Decimal:
    """The programme's ``prototype_pass_mark``, else its rubric's, else the default."""
    mark = (programme.certification_rules or {}).get("prototype_pass_mark")
    if mark is None:
        mark = db.session.scalar(sa.select(Rubric.pass_mark)
                                 .where(Rubric.programme_id == programme.id))
    if mark is None:
        mark = RULE_DEFAULTS["prototype_pass_mark"]
    return Decimal(str(mark))


def prototype_passers(programme: Programme) -> sa.Select:
    """People whose group's latest released prototype grade reached the pass mark.

    A member's own adjusted percent replaces the group's; a person counts for a group
    they belonged to when the graded version was submitted, or belong to now.
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
                       Cohort.programme_id == programme.id)
                .subquery())
    percent = sa.func.coalesce(MemberAdjustment.percent, counting.c.percent)
    member_then = sa.and_(GroupMembership.joined_at <= counting.c.submitted_at,
                          sa.or_(GroupMembership.left_at.is_(None),
                                 GroupMembership.left_at > counting.c.submitted_at))
    return (sa.select(GroupMembership.person_id)
            .join(counting, counting.c.group_id == GroupMembership.group_id)
            .outerjoin(MemberAdjustment, sa.and_(
                MemberAdjustment.grade_id == counting.c.grade_id,
                MemberAdjustment.person_id == GroupMembership.person_id))
            .where(counting.c.latest == 1, percent >= prototype_pass_mark(programme),
                   sa.or_(member_then, GroupMembership.left_at.is_(None))))


def certified_people(programme: Programme) -> sa.Select:
    return sa.select(Certificate.person_id).where(
        Certificate.kind == CertificateKind.PROGRAMME, Certificate.programme_id == programme.id,
        Certificate.revoked_at.is_(None), Certificate.person_id.is_not(None))


def funnel(scope: Scope) -> list[StepFigure]:
    """The five steps with their people and drop-off, for the people in the scope."""
    programme = scope.programme
    people = enrolled_people(scope).subquery()
    person = people.c.person_id
    passers = quiz_passers(programme)
    quizzes = person.in_(passers) if passers is not None else sa.true()
    attended = sa.and_(quizzes, person.in_(in_person_attendees(programme)))
    prototype = sa.and_(attended, person.in_(prototype_passers(programme)))
    certified = person.in_(certified_people(programme))
    counts = db.session.execute(sa.select(
        sa.func.count(), count_if(quizzes), count_if(attended), count_if(prototype),
        count_if(certified)).select_from(people)).one()
    enrolled = counts[0]
    figures, previous = [], None
    for step, count in zip(FunnelStep, counts, strict=True):
        figures.append(StepFigure(step, count, previous, enrolled))
        previous = count
    return figures
