"""Use cases for surveys: giving them to cohorts, their answering window, officials' answers.

Aggregates for staff live in :mod:`certify.surveys.summaries`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from certify.accounts.models import Person, Role
from certify.attendance.models import InPersonSession
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.cohorts.services import cohorts_query, is_tutor_of
from certify.core.clock import utcnow
from certify.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from certify.core.signals import survey_answered
from certify.extensions import db
from certify.surveys.models import (
    SCALE_MAX,
    SCALE_MIN,
    TEXT_MAX_LENGTH,
    ItemKind,
    Survey,
    SurveyAnswer,
    SurveyItem,
    SurveyResponse,
    SurveyTemplate,
)

# The template every module and session survey uses; a programme without it uses its first one.
COHORT_SURVEY_TEMPLATE = "satisfaction"
# Officials may answer until two weeks after the cohort ends.
ANSWERING_GRACE = timedelta(days=14)
END_OF_DAY = time(23, 59, 59, tzinfo=UTC)


class SurveyStatus(enum.StrEnum):
    UPCOMING = "upcoming"  # not open yet
    OPEN = "open"
    CLOSED = "closed"


# --- reading -----------------------------------------------------------------------------------

def get_survey(survey_id: int) -> Survey:
    """The survey with this id, its template, items and cohort loaded; or ``NotFound``."""
    survey = db.session.scalar(
        sa.select(Survey).where(Survey.id == survey_id)
        .options(selectinload(Survey.template).selectinload(SurveyTemplate.items),
                 selectinload(Survey.cohort).selectinload(Cohort.programme),
                 selectinload(Survey.module),
                 selectinload(Survey.session).selectinload(InPersonSession.module))
    )
    if survey is None:
        raise NotFound(_("There is no survey with id %(id)s.", id=survey_id))
    return survey


def survey_status(survey: Survey, now: datetime | None = None) -> SurveyStatus:
    """Whether ``survey`` takes answers at ``now`` (default: the current time)."""
    now = now or utcnow()
    if now < survey.opens_at:
        return SurveyStatus.UPCOMING
    if survey.closes_at is not None and now >= survey.closes_at:
        return SurveyStatus.CLOSED
    return SurveyStatus.OPEN


def default_closes_at(cohort: Cohort) -> datetime | None:
    """The end of the day (UTC) fourteen days after the cohort ends; None without an end date."""
    if cohort.ends_on is None:
        return None
    return datetime.combine(cohort.ends_on + ANSWERING_GRACE, END_OF_DAY)


def default_opens_at(cohort: Cohort, now: datetime | None = None) -> datetime:
    """The start of the cohort's first day (UTC).

    Without a start date: ``now``, or the start of its last day if that is earlier
    (a cohort recorded after it ended still gets a window that makes sense).
    """
    if cohort.starts_on is not None:
        return datetime.combine(cohort.starts_on, time(0, 0, tzinfo=UTC))
    now = now or utcnow()
    if cohort.ends_on is not None:
        return min(now, datetime.combine(cohort.ends_on, time(0, 0, tzinfo=UTC)))
    return now


def in_programme_order(surveys: Iterable[Survey]) -> list[Survey]:
    """In programme order: each module's survey, then those of its sessions by date."""
    def order(survey: Survey):
        if survey.module is not None:
            return (survey.module.position, 0, survey.id)
        session = survey.session
        return (session.module.position, 1, session.starts_at.timestamp(), survey.id)

    return sorted(surveys, key=order)


def _survey_loading() -> list:
    return [selectinload(Survey.template), selectinload(Survey.module),
            selectinload(Survey.session).selectinload(InPersonSession.module),
            selectinload(Survey.cohort)]


def cohort_surveys(cohort: Cohort) -> list[Survey]:
    """The surveys given to ``cohort`` (see ``certify.surveys.giving``), in programme order."""
    return in_programme_order(db.session.scalars(
        sa.select(Survey).where(Survey.cohort_id == cohort.id).options(*_survey_loading())))


def surveys_of_cohorts(cohort_ids: list[int]) -> list[Survey]:
    return list(db.session.scalars(
        sa.select(Survey).where(Survey.cohort_id.in_(cohort_ids)).options(*_survey_loading())))



# --- managing surveys --------------------------------------------------------------------------

def set_survey_window(survey: Survey, *, opens_at: datetime,
                      closes_at: datetime | None) -> Survey:
    """Change when ``survey`` takes answers (managers); ``closes_at`` None keeps it open.

    From then on the window no longer follows the cohort's dates.

    Raises ``ValidationError`` for a time without a time zone or a close not after the opening.
    """
    errors: dict[str, list[str]] = {}
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if value is not None and value.tzinfo is None:
            errors[name] = [_("Give the time with its time zone.")]
    if opens_at is None:
        errors["opens_at"] = [_("Give the opening date and time.")]
    if not errors and closes_at is not None and closes_at <= opens_at:
        errors["closes_at"] = [_("The survey must close after it opens.")]
    if errors:
        raise ValidationError(_("The answering window is not valid."), errors=errors)
    survey.opens_at, survey.closes_at = opens_at, closes_at
    survey.window_customised = True
    db.session.flush()
    return survey


# --- who may do what ---------------------------------------------------------------------------

def active_enrolment_in(person: Person, cohort_id: int) -> Enrolment | None:
    """The person's active enrolment in the cohort, or None."""
    return db.session.scalar(sa.select(Enrolment).where(
        Enrolment.cohort_id == cohort_id, Enrolment.person_id == person.id,
        Enrolment.status == EnrolmentStatus.ACTIVE))


def can_see_summaries(person: Person, cohort: Cohort) -> bool:
    """Managers see every cohort's aggregates; tutors those of the cohorts they tutor."""
    return person.has_role(Role.MANAGER) or is_tutor_of(person, cohort)


def visible_surveys_query(*, visible_to: Person, cohort_id: int | None = None) -> sa.Select:
    """A select of the surveys of the cohorts ``visible_to`` may see, by cohort and id."""
    cohort_ids = cohorts_query(visible_to=visible_to).with_only_columns(Cohort.id).order_by(None)
    query = (sa.select(Survey).where(Survey.cohort_id.in_(cohort_ids))
             .options(*_survey_loading()).order_by(Survey.cohort_id, Survey.id))
    if cohort_id:
        query = query.where(Survey.cohort_id == cohort_id)
    return query


# --- answers -----------------------------------------------------------------------------------

def response_of(survey: Survey, person: Person) -> SurveyResponse | None:
    """``person``'s response to ``survey`` with its answers and their items, or None."""
    return db.session.scalar(
        sa.select(SurveyResponse)
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.person_id == person.id)
        .options(selectinload(SurveyResponse.answers).selectinload(SurveyAnswer.item))
    )


def responded_survey_ids(person: Person, survey_ids: Iterable[int]) -> set[int]:
    """Which of these surveys ``person`` has answered, in one query."""
    ids = list(survey_ids)
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(SurveyResponse.survey_id).where(
        SurveyResponse.person_id == person.id, SurveyResponse.survey_id.in_(ids))))


def _closed_message(survey: Survey) -> str:
    return _("This survey closed on %(date)s; answers can no longer be sent or changed.",
             date=format_datetime(survey.closes_at, "medium"))


def check_can_answer(survey: Survey, person: Person, *, now: datetime | None = None) -> None:
    """``PermissionDenied`` unless actively enrolled; ``Conflict`` unless the survey is open."""
    if active_enrolment_in(person, survey.cohort_id) is None:
        raise PermissionDenied(_("Only officials actively enrolled in this cohort can answer "
                                 "its surveys."))
    status = survey_status(survey, now)
    if status is SurveyStatus.UPCOMING:
        raise Conflict(_("This survey opens on %(date)s.",
                         date=format_datetime(survey.opens_at, "medium")))
    if status is SurveyStatus.CLOSED:
        raise Conflict(_closed_message(survey))


def _clean_answers(items: list[SurveyItem], answers: Mapping[str, object]
                   ) -> dict[int, tuple[int | None, str | None]]:
    """``{item id: (score, text)}`` of the non-empty answers, or a ``ValidationError`` naming
    every problem by item key."""
    by_key = {item.key: item for item in items}
    errors: dict[str, list[str]] = {}
    for key in answers:
        if key not in by_key:
            errors[str(key)] = [_("This survey has no question '%(key)s'.", key=key)]
    cleaned: dict[int, tuple[int | None, str | None]] = {}
    for item in items:
        value = answers.get(item.key)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            if item.required:
                errors[item.key] = [_("Please answer this question.")]
            continue
        if item.kind is ItemKind.SCALE:
            if isinstance(value, bool) or not isinstance(value, int) \
                    or not SCALE_MIN <= value <= SCALE_MAX:
                errors[item.key] = [_("Choose a whole number from %(low)d to %(high)d.",
                                      low=SCALE_MIN, high=SCALE_MAX)]
                continue
            cleaned[item.id] = (value, None)
        else:
            if not isinstance(value, str):
                errors[item.key] = [_("Write the answer as text.")]
            elif len(value) > TEXT_MAX_LENGTH:
                errors[item.key] = [_("Write at most %(max)d characters "
                                      "(this answer has %(length)d).",
                                      max=TEXT_MAX_LENGTH, length=len(value))]
            else:
                cleaned[item.id] = (None, value)
    if errors:
        raise ValidationError(
            _("Some answers need attention: %(keys)s.", keys=", ".join(sorted(errors))),
            errors=errors)
    return cleaned


def save_response(survey: Survey, person: Person, answers: Mapping[str, object], *,
                  now: datetime | None = None) -> tuple[SurveyResponse, bool]:
    """Record ``person``'s answers to ``survey``: ``{item key: score (1-5) or text}``.

    One response per person and survey, replaced on each save while the survey
    is open. Everything is checked before anything is written: ``PermissionDenied``
    unless actively enrolled, ``Conflict`` outside the answering window,
    ``ValidationError`` (by item key) for unknown items, missing required items,
    scores outside 1-5 and texts over 2,000 characters. Sends ``survey_answered``.
    Returns the response and whether it was created (rather than edited).
    """
    check_can_answer(survey, person, now=now)
    cleaned = _clean_answers(survey.template.active_items, answers)
    response = response_of(survey, person)
    created = response is None
    if created:
        response = SurveyResponse(survey=survey, person=person)
    active_ids = {item.id for item in survey.template.active_items}
    current = {answer.item_id: answer for answer in response.answers}
    for item_id, answer in current.items():
        # Answers to retired items stay: they were given to a question that existed then.
        if item_id in active_ids and item_id not in cleaned:
            response.answers.remove(answer)
    for item_id, (score, text) in cleaned.items():
        answer = current.get(item_id)
        if answer is None:
            response.answers.append(SurveyAnswer(item_id=item_id, score=score, text=text))
        elif (answer.score, answer.text) != (score, text):
            answer.score, answer.text = score, text
    response.updated_at = utcnow()  # the response changed even if only its answers did
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        raise Conflict(_("Your answers were just saved from another window. Reload the page "
                         "to see them.")) from None
    survey_answered.send(response)
    return response, created


# --- an official's surveys ---------------------------------------------------------------------

@dataclass(frozen=True)
class PersonalSurvey:
    """A survey as one official sees it in "My surveys"."""

    survey: Survey
    status: SurveyStatus
    answered: bool

    @property
    def can_answer(self) -> bool:
        return self.status is SurveyStatus.OPEN


def surveys_of(person: Person, *, now: datetime | None = None) -> list[PersonalSurvey]:
    """The surveys of every cohort ``person`` is actively enrolled in (read only: cohorts are
    given their surveys when they change, see ``certify.surveys.subscribers``).

    A fixed number of queries whatever the number of cohorts and surveys.
    """
    cohorts = list(db.session.scalars(
        sa.select(Cohort).join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(Enrolment.person_id == person.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .options(selectinload(Cohort.programme))
        .order_by(Cohort.starts_on.desc().nulls_last(), Cohort.id)
    ))
    by_cohort: dict[int, list[Survey]] = {cohort.id: [] for cohort in cohorts}
    for survey in surveys_of_cohorts(list(by_cohort)):
        by_cohort[survey.cohort_id].append(survey)
    surveys = [survey for cohort in cohorts for survey in in_programme_order(by_cohort[cohort.id])]
    answered = responded_survey_ids(person, [survey.id for survey in surveys])
    return [PersonalSurvey(survey, survey_status(survey, now), survey.id in answered)
            for survey in surveys]
