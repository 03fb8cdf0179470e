"""Giving surveys to cohorts, the answering window, and officials' answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from certify.attendance.services import create_session
from certify.cohorts import enrolments
from certify.cohorts import services as cohorts
from certify.cohorts.models import Cohort, EnrolmentStatus
from certify.core.clock import today, utcnow
from certify.core.errors import Conflict, PermissionDenied, ValidationError
from certify.core.signals import survey_answered
from certify.extensions import db
from certify.surveys import giving, services
from certify.surveys.models import Survey, SurveyAnswer, SurveyResponse
from certify.surveys.services import SurveyStatus
from tests.factories import enrol, make_person
from tests.surveys.conftest import answer, make_cohort, make_session, module_survey


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- giving surveys ----------------------------------------------------------------------------

def test_a_cohort_gets_one_survey_per_module_and_per_in_person_session(small_programme, cohort):
    m2 = small_programme.modules[1]
    later = make_session(cohort, m2, title="Santiago, día 2", days_ahead=11)
    first = make_session(cohort, m2, title="Santiago, día 1", days_ahead=10)
    surveys = giving.ensure_cohort_surveys(cohort)
    assert [(s.module.code if s.module else s.session.title) for s in surveys] == [
        "M1", "M2", "Santiago, día 1", "Santiago, día 2"]
    assert {s.template.key for s in surveys} == {"satisfaction"}
    assert surveys[2].session_id == first.id and surveys[3].session_id == later.id
    assert giving.ensure_cohort_surveys(cohort) == surveys  # idempotent
    assert count(Survey) == 4


def test_surveys_are_given_when_the_cohort_or_a_session_is_created_not_when_looked_at(
        small_programme, tutor):
    cohort = cohorts.create_cohort(small_programme, name="Recién creada", tutors=[tutor])
    assert [s.module.code for s in services.cohort_surveys(cohort)] == ["M1", "M2"]
    starts_at = utcnow() + timedelta(days=10)
    create_session(cohort=cohort, module=small_programme.modules[1], title="Santiago, día 1",
                   starts_at=starts_at, ends_at=starts_at + timedelta(hours=8),
                   venue="Santiago", capacity=40)
    assert [s.session.title for s in services.cohort_surveys(cohort) if s.session] == [
        "Santiago, día 1"]
    survey = services.cohort_surveys(cohort)[0]
    assert survey.closes_at is None  # the cohort has no end date yet
    cohorts.update_cohort(cohort, ends_on=today() + timedelta(days=3))
    assert survey.closes_at.date() == today() + timedelta(days=17)  # follows the dates


def test_surveys_stay_open_until_two_weeks_after_the_cohort_ends(cohort):
    survey = giving.ensure_cohort_surveys(cohort)[0]
    end_of_day = datetime.max.time().replace(microsecond=0)
    assert survey.closes_at == datetime.combine(cohort.ends_on + timedelta(days=14), end_of_day,
                                                tzinfo=UTC)
    assert survey.opens_at == datetime.combine(cohort.starts_on, datetime.min.time(), tzinfo=UTC)
    assert services.survey_status(survey) is SurveyStatus.OPEN


def test_a_cohort_without_an_end_date_gets_a_closing_time_once_it_has_one(small_programme):
    cohort = cohorts.create_cohort(small_programme, name="Sin fin")
    survey = giving.ensure_cohort_surveys(cohort)[0]
    opened = survey.opens_at
    assert survey.closes_at is None
    assert services.survey_status(survey, utcnow() + timedelta(days=3650)) is SurveyStatus.OPEN
    cohorts.update_cohort(cohort, ends_on=today() + timedelta(days=5))
    giving.ensure_cohort_surveys(cohort)
    assert survey.closes_at.date() == today() + timedelta(days=19)
    assert survey.opens_at == opened  # no start date: it stays open since it was given


def test_a_cohort_recorded_after_it_ended_gets_a_sensible_window(small_programme):
    ended = today() - timedelta(days=100)
    cohort = cohorts.create_cohort(small_programme, name="Histórica", ends_on=ended)
    survey = giving.ensure_cohort_surveys(cohort)[0]
    assert survey.opens_at.date() == ended
    assert services.survey_status(survey) is SurveyStatus.CLOSED
    undated = cohorts.create_cohort(small_programme, name="Fechada después")
    survey = giving.ensure_cohort_surveys(undated)[0]
    cohorts.update_cohort(undated, ends_on=ended)
    giving.ensure_cohort_surveys(undated)
    db.session.flush()
    assert (survey.opens_at.date(), survey.closes_at.date()) == (ended, ended + timedelta(days=14))


def test_default_windows_follow_the_cohort_but_a_managers_window_stays(small_programme, cohort):
    module_1, module_2 = giving.ensure_cohort_surveys(cohort)
    chosen = utcnow() - timedelta(days=1)
    services.set_survey_window(module_2, opens_at=chosen, closes_at=None)
    cohorts.update_cohort(cohort, starts_on=today() - timedelta(days=40),
                          ends_on=today() + timedelta(days=60))
    giving.ensure_cohort_surveys(cohort)
    assert module_1.opens_at.date() == today() - timedelta(days=40)
    assert module_1.closes_at.date() == today() + timedelta(days=74)
    assert (module_2.opens_at, module_2.closes_at) == (chosen, None)


def test_ensure_surveys_runs_a_fixed_number_of_queries(small_programme, count_queries):
    few = [make_cohort(small_programme, f"Pocas {n}") for n in range(2)]
    many = [make_cohort(small_programme, f"Muchas {n}") for n in range(8)]
    for some in (few[0], many[0]):
        make_session(some, small_programme.modules[1])
    reload = sa.select(Cohort).where(Cohort.id.in_([c.id for c in few + many]))
    db.session.scalars(reload).all()  # the commits above expired them
    with count_queries() as for_few:
        giving.ensure_surveys(few)
    with count_queries() as for_many:
        giving.ensure_surveys(many)
    assert for_many["n"] == for_few["n"]
    assert count(Survey) == 22
    with count_queries() as once_given:
        giving.ensure_surveys(many)
    assert once_given["n"] < for_many["n"]


def test_a_programme_without_a_template_gives_no_surveys():
    from tests.cohorts.conftest import make_programme as bare_programme

    cohort = cohorts.create_cohort(bare_programme("NADA"), name="Sin encuestas")
    assert giving.ensure_cohort_surveys(cohort) == []


def test_managers_move_the_answering_window(m1_survey):
    opens = utcnow() - timedelta(days=1)
    services.set_survey_window(m1_survey, opens_at=opens, closes_at=opens + timedelta(days=2))
    assert m1_survey.closes_at == opens + timedelta(days=2)
    with pytest.raises(ValidationError) as error:
        services.set_survey_window(m1_survey, opens_at=opens, closes_at=opens)
    assert error.value.errors == {"closes_at": ["The survey must close after it opens."]}
    with pytest.raises(ValidationError) as error:
        services.set_survey_window(m1_survey, opens_at=datetime(2026, 1, 1), closes_at=None)
    assert set(error.value.errors) == {"opens_at"}
    assert m1_survey.closes_at == opens + timedelta(days=2)  # unchanged by the refusals
    services.set_survey_window(m1_survey, opens_at=opens, closes_at=None)
    assert services.survey_status(m1_survey, utcnow() + timedelta(days=3650)) is SurveyStatus.OPEN


# --- answering ---------------------------------------------------------------------------------

def test_one_response_per_person_edited_in_place(m1_survey, enrolled):
    received = []

    def receive(sender, **_extra):
        received.append(sender)

    with survey_answered.connected_to(receive):
        response, created = services.save_response(
            m1_survey, enrolled, {"overall": 4, "content": 5, "improve": "  Más tiempo  "})
        assert created is True
        first_id = response.id
        response, created = services.save_response(
            m1_survey, enrolled, {"overall": 5, "content": 5, "venue": 3})
    assert created is False and response.id == first_id
    assert received == [response, response]
    assert count(SurveyResponse) == 1
    assert response.answers_by_key() == {"overall": 5, "content": 5, "venue": 3}
    assert count(SurveyAnswer) == 3  # the emptied open answer is gone


def test_an_open_answer_is_kept_as_written(m1_survey, enrolled):
    response = answer(m1_survey, enrolled, overall=3, content=3, improve="  Más práctica.\n")
    assert response.answers_by_key()["improve"] == "Más práctica."


@pytest.mark.parametrize("answers, errors", [
    ({"content": 5}, {"overall": ["Please answer this question."]}),
    ({"overall": 0, "content": 5}, {"overall": ["Choose a whole number from 1 to 5."]}),
    ({"overall": 6, "content": 5}, {"overall": ["Choose a whole number from 1 to 5."]}),
    ({"overall": "5", "content": 5}, {"overall": ["Choose a whole number from 1 to 5."]}),
    ({"overall": 4.5, "content": 5}, {"overall": ["Choose a whole number from 1 to 5."]}),
    ({"overall": True, "content": 5}, {"overall": ["Choose a whole number from 1 to 5."]}),
    ({"overall": 5, "content": 5, "improve": 3}, {"improve": ["Write the answer as text."]}),
    ({"overall": 5, "content": 5, "improve": "x" * 2001},
     {"improve": ["Write at most 2000 characters (this answer has 2001)."]}),
    ({"overall": 5, "content": 5, "colour": "azul"},
     {"colour": ["This survey has no question 'colour'."]}),
    ({}, {"overall": ["Please answer this question."],
          "content": ["Please answer this question."]}),
])
def test_invalid_answers_are_refused_precisely_and_nothing_is_written(m1_survey, enrolled,
                                                                        answers, errors):
    with pytest.raises(ValidationError) as error:
        services.save_response(m1_survey, enrolled, answers)
    assert error.value.errors == errors
    assert ", ".join(sorted(errors)) in error.value.message
    assert count(SurveyResponse) == 0


def test_an_invalid_edit_leaves_the_earlier_answers(m1_survey, enrolled):
    answer(m1_survey, enrolled, overall=4, content=4)
    with pytest.raises(ValidationError):
        services.save_response(m1_survey, enrolled, {"overall": 9, "content": 1})
    db.session.rollback()
    stored = services.response_of(m1_survey, enrolled).answers_by_key()
    assert stored == {"overall": 4, "content": 4}


def test_a_text_of_exactly_two_thousand_characters_is_accepted(m1_survey, enrolled):
    response = answer(m1_survey, enrolled, overall=1, content=1, improve="y" * 2000)
    assert len(response.answers_by_key()["improve"]) == 2000


def test_a_closed_survey_takes_no_answers_and_no_edits(m1_survey, enrolled):
    answer(m1_survey, enrolled, overall=4, content=4)
    services.set_survey_window(m1_survey, opens_at=utcnow() - timedelta(days=10),
                               closes_at=utcnow() - timedelta(seconds=1))
    with pytest.raises(Conflict) as error:
        services.save_response(m1_survey, enrolled, {"overall": 1, "content": 1})
    assert "closed" in error.value.message
    stored = services.response_of(m1_survey, enrolled).answers_by_key()
    assert stored == {"overall": 4, "content": 4}


def test_a_survey_takes_answers_until_its_closing_time(m1_survey, enrolled):
    just_before = m1_survey.closes_at - timedelta(seconds=1)
    services.save_response(m1_survey, enrolled, {"overall": 2, "content": 2}, now=just_before)
    with pytest.raises(Conflict):
        services.save_response(m1_survey, enrolled, {"overall": 3, "content": 3},
                               now=m1_survey.closes_at)


def test_a_survey_that_has_not_opened_takes_no_answers(m1_survey, enrolled):
    with pytest.raises(Conflict) as error:
        services.save_response(m1_survey, enrolled, {"overall": 5, "content": 5},
                               now=m1_survey.opens_at - timedelta(minutes=1))
    assert "opens" in error.value.message


def test_only_officials_actively_enrolled_answer(m1_survey, cohort, enrolled):
    outsider = make_person()
    with pytest.raises(PermissionDenied):
        services.save_response(m1_survey, outsider, {"overall": 5, "content": 5})
    enrolments.set_enrolment_status(enrolments.find_enrolment(cohort, enrolled),
                                    EnrolmentStatus.WITHDRAWN)
    with pytest.raises(PermissionDenied):
        services.save_response(m1_survey, enrolled, {"overall": 5, "content": 5})
    assert count(SurveyResponse) == 0


def test_answers_to_a_retired_item_are_kept_when_the_response_is_edited(m1_survey, enrolled):
    answer(m1_survey, enrolled, overall=4, content=4, venue=2)
    venue = next(item for item in m1_survey.template.items if item.key == "venue")
    venue.active = False
    db.session.commit()
    response = answer(m1_survey, enrolled, overall=5, content=5)
    assert response.answers_by_key() == {"overall": 5, "content": 5, "venue": 2}
    with pytest.raises(ValidationError) as error:
        services.save_response(m1_survey, enrolled, {"overall": 5, "content": 5, "venue": 1})
    assert set(error.value.errors) == {"venue"}


# --- an official's list ------------------------------------------------------------------------

def test_my_surveys_show_what_is_left_to_answer(small_programme, cohort, enrolled):
    other = make_cohort(small_programme, "Segunda cohorte")
    enrol(other, enrolled)
    mine = services.surveys_of(enrolled)
    assert [(entry.survey.cohort_id, entry.survey.module.code) for entry in mine] == [
        (cohort.id, "M1"), (cohort.id, "M2"), (other.id, "M1"), (other.id, "M2")]
    assert all(entry.status is SurveyStatus.OPEN and not entry.answered for entry in mine)
    answer(module_survey([e.survey for e in mine], "M1"), enrolled, overall=5, content=5)
    services.set_survey_window(mine[1].survey, opens_at=utcnow() - timedelta(days=9),
                               closes_at=utcnow() - timedelta(days=1))
    services.set_survey_window(mine[2].survey, opens_at=utcnow() + timedelta(days=1),
                               closes_at=utcnow() + timedelta(days=9))
    db.session.commit()
    assert [(entry.status, entry.answered) for entry in services.surveys_of(enrolled)] == [
        (SurveyStatus.OPEN, True), (SurveyStatus.CLOSED, False),
        (SurveyStatus.UPCOMING, False), (SurveyStatus.OPEN, False)]
    enrolments.set_enrolment_status(enrolments.find_enrolment(other, enrolled),
                                    EnrolmentStatus.INACTIVE)
    assert {entry.survey.cohort_id for entry in services.surveys_of(enrolled)} == {cohort.id}


def test_my_surveys_take_a_fixed_number_of_queries(small_programme, enrolled, count_queries):
    cohorts_ = [make_cohort(small_programme, f"Cohorte {n}") for n in range(4)]
    enrol(cohorts_[0], enrolled)
    services.surveys_of(enrolled)
    db.session.commit()
    with count_queries() as two:  # the enrolled fixture's cohort and the first of these
        services.surveys_of(enrolled)
    for other in cohorts_[1:]:
        enrol(other, enrolled)
    services.surveys_of(enrolled)
    db.session.commit()
    with count_queries() as five:
        assert len(services.surveys_of(enrolled)) == 10
    assert five["n"] == two["n"]
