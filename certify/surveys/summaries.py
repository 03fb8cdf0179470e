"""What the surveys of a cohort say, for managers and tutors: anonymous aggregates.

Every function here runs a fixed number of queries whatever the number of
people, so dashboards and the eligibility check can call them freely. Nothing
here names a person: open answers are listed without their authors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from certify.accounts.models import Municipality, Person, Region
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.extensions import db
from certify.programmes.models import Module
from certify.surveys.models import (
    SCALE_MAX,
    SCALE_MIN,
    ItemKind,
    Survey,
    SurveyAnswer,
    SurveyItem,
    SurveyResponse,
    SurveyTemplate,
)
from certify.surveys.services import cohort_surveys

SCORES = tuple(range(SCALE_MIN, SCALE_MAX + 1))
TWO_PLACES = Decimal("0.01")


def _average(total: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _rate(count: int, population: int) -> Decimal | None:
    """A share from 0 to 1 (2 decimals); None when nobody is actively enrolled."""
    if not population:
        return None
    return (Decimal(count) / Decimal(population)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class ItemSummary:
    """One question's answers: how many, their average and spread, or the open texts."""

    item: SurveyItem
    answers: int
    response_rate: Decimal | None
    distribution: dict[int, int] = field(default_factory=dict)  # score -> answers
    texts: list[str] = field(default_factory=list)

    @property
    def average(self) -> Decimal | None:
        return _average(sum(score * n for score, n in self.distribution.items()), self.answers) \
            if self.item.kind is ItemKind.SCALE else None

    def share(self, score: int) -> Decimal:
        """The fraction of this item's answers that gave ``score`` (0 when nobody answered)."""
        if not self.answers:
            return Decimal(0)
        return Decimal(self.distribution.get(score, 0)) / Decimal(self.answers)


@dataclass
class SurveySummary:
    """A survey's responses: counts, response rate, the overall average and each item."""

    survey: Survey
    responses: int
    active_enrolments: int
    items: list[ItemSummary]

    @property
    def response_rate(self) -> Decimal | None:
        return _rate(self.responses, self.active_enrolments)

    @property
    def average(self) -> Decimal | None:
        """The mean of every score given to any scale item of the survey."""
        scales = [summary for summary in self.items if summary.item.kind is ItemKind.SCALE]
        total = sum(score * n for summary in scales for score, n in summary.distribution.items())
        return _average(total, sum(summary.answers for summary in scales))


def _active_enrolments(cohort: Cohort) -> int:
    return db.session.scalar(sa.select(sa.func.count(Enrolment.id)).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)) or 0


def _summarise(cohort: Cohort, surveys: list[Survey]) -> list[SurveySummary]:
    if not surveys:
        return []
    ids = [survey.id for survey in surveys]
    template_ids = {survey.template_id for survey in surveys}
    items_by_template: dict[int, list[SurveyItem]] = defaultdict(list)
    for item in db.session.scalars(sa.select(SurveyItem).where(
            SurveyItem.template_id.in_(template_ids)).order_by(SurveyItem.position, SurveyItem.id)):
        items_by_template[item.template_id].append(item)
    population = _active_enrolments(cohort)
    responses = dict(db.session.execute(
        sa.select(SurveyResponse.survey_id, sa.func.count(SurveyResponse.id))
        .where(SurveyResponse.survey_id.in_(ids)).group_by(SurveyResponse.survey_id)).all())
    counts: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for survey_id, item_id, score, n in db.session.execute(
            sa.select(SurveyResponse.survey_id, SurveyAnswer.item_id, SurveyAnswer.score,
                      sa.func.count(SurveyAnswer.id))
            .join(SurveyAnswer.response).where(SurveyResponse.survey_id.in_(ids))
            .group_by(SurveyResponse.survey_id, SurveyAnswer.item_id, SurveyAnswer.score)):
        counts[(survey_id, item_id)][score] = n
    texts: dict[tuple[int, int], list[str]] = defaultdict(list)
    # Sorted by text, not by time, so the order of the list does not hint at who wrote what.
    for survey_id, item_id, text in db.session.execute(
            sa.select(SurveyResponse.survey_id, SurveyAnswer.item_id, SurveyAnswer.text)
            .join(SurveyAnswer.response)
            .where(SurveyResponse.survey_id.in_(ids), SurveyAnswer.text.is_not(None))
            .order_by(SurveyAnswer.text)):
        texts[(survey_id, item_id)].append(text)
    summaries = []
    for survey in surveys:
        item_summaries = []
        for item in items_by_template[survey.template_id]:
            by_score = counts.get((survey.id, item.id), {})
            answered = sum(by_score.values())
            if not item.active and not answered:
                continue  # a retired question nobody answered here says nothing
            item_summaries.append(ItemSummary(
                item=item, answers=answered, response_rate=_rate(answered, population),
                distribution={score: by_score.get(score, 0) for score in SCORES}
                if item.kind is ItemKind.SCALE else {},
                texts=texts.get((survey.id, item.id), []),
            ))
        summaries.append(SurveySummary(survey, responses.get(survey.id, 0), population,
                                       item_summaries))
    return summaries


def survey_summaries(cohort: Cohort) -> list[SurveySummary]:
    """The aggregates of every survey given to ``cohort``, in programme order.

    Per survey: responses, response rate (responses / active enrolments) and the
    average of all scale answers; per item: answers, rate, average (2 decimals),
    the 1-5 distribution and the open answers, anonymous. A fixed number of queries.
    """
    return _summarise(cohort, cohort_surveys(cohort))


def survey_summary(survey: Survey) -> SurveySummary:
    """The aggregates of one survey (see :func:`survey_summaries`)."""
    return _summarise(survey.cohort, [survey])[0]


def final_survey_respondents(cohort: Cohort) -> set[int]:
    """Ids of the people who answered the cohort's final survey, in one query.

    The final survey is the one given for the programme's last module (by
    position); certification requires it. Empty while it has not been given.
    """
    last_position = (sa.select(sa.func.max(Module.position))
                     .where(Module.programme_id == cohort.programme_id).scalar_subquery())
    return set(db.session.scalars(
        sa.select(SurveyResponse.person_id)
        .join(SurveyResponse.survey).join(Module, Survey.module_id == Module.id)
        .where(Survey.cohort_id == cohort.id, Module.programme_id == cohort.programme_id,
               Module.position == last_position)
    ))


# --- CSV exports -------------------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerRow:
    """One response for the raw export: where the person works, never who they are."""

    survey: Survey
    municipality: str
    region: str
    country: str
    values: dict[str, int | str]  # item key -> score or text


def raw_answers(surveys: Iterable[Survey]) -> Iterator[AnswerRow]:
    """Every response to these surveys, anonymous, in a fixed number of queries.

    Ordered by survey and municipality, so the order says nothing about who answered when.
    """
    by_id = {survey.id: survey for survey in surveys}
    if not by_id:
        return
    responses = db.session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.survey_id.in_(by_id))
        .join(SurveyResponse.person).outerjoin(Person.municipality)
        .options(selectinload(SurveyResponse.answers).selectinload(SurveyAnswer.item),
                 selectinload(SurveyResponse.person).selectinload(Person.municipality)
                 .selectinload(Municipality.region).selectinload(Region.country))
        .order_by(SurveyResponse.survey_id, Municipality.name.nulls_last(), SurveyResponse.id)
    )
    for response in responses:
        municipality = response.person.municipality
        yield AnswerRow(
            survey=by_id[response.survey_id],
            municipality=municipality.name if municipality else "",
            region=municipality.region.name if municipality else "",
            country=municipality.region.country.code if municipality else "",
            values={answer.item.key: answer.value for answer in response.answers},
        )


def export_items(surveys: Iterable[Survey]) -> list[SurveyItem]:
    """The items of these surveys' templates, once each, in template order (for CSV columns)."""
    template_ids = list(dict.fromkeys(survey.template_id for survey in surveys))
    if not template_ids:
        return []
    items = db.session.scalars(
        sa.select(SurveyItem).join(SurveyItem.template).where(SurveyItem.template_id.in_(template_ids))
        .order_by(SurveyTemplate.key, SurveyItem.position, SurveyItem.id))
    seen: dict[str, SurveyItem] = {}
    for item in items:
        seen.setdefault(item.key, item)
    return list(seen.values())
