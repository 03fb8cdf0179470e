"""The pages: my surveys, answering on the phone-sized form, results and CSVs, the window."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from certify.accounts.models import Role
from certify.cohorts import enrolments
from certify.cohorts.models import EnrolmentStatus
from certify.core.clock import utcnow
from certify.extensions import db
from certify.surveys import services
from certify.surveys.models import SurveyResponse
from tests.factories import enrol, make_person
from tests.surveys.conftest import answer, module_survey

# Pages render what the services (tested on both databases) return: SQLite only.
pytestmark = pytest.mark.one_database

FIVES = {"item_overall": "5", "item_content": "5"}


def close(survey) -> None:
    services.set_survey_window(survey, opens_at=utcnow() - timedelta(days=20),
                               closes_at=utcnow() - timedelta(minutes=1))
    db.session.commit()


def responses() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse))


# --- officials ---------------------------------------------------------------------------------

def test_my_surveys_give_and_list_the_cohorts_surveys(client, login_as, cohort, enrolled):
    login_as(enrolled)
    page = client.get("/my-surveys")
    assert page.status_code == 200
    assert "M1 · Public innovation" in page.text and "M2 · In-person encounter" in page.text
    assert page.text.count('data-status="open"') == 2 and "To answer" in page.text
    surveys = services.cohort_surveys(cohort)
    answer(surveys[0], enrolled, overall=5, content=5)
    close(surveys[1])
    page = client.get("/my-surveys")
    assert 'data-status="open-answered"' in page.text and "editable until" in page.text
    assert 'data-status="closed"' in page.text


def test_an_official_with_no_cohort_is_told_so(client, login_as, official):
    login_as(official)
    assert "You have no surveys yet" in client.get("/my-surveys").text


def test_the_form_has_accessible_radios_and_a_limited_text_box(client, login_as, enrolled,
                                                                m1_survey):
    login_as(enrolled)
    page = client.get(f"/surveys/{m1_survey.id}")
    assert page.status_code == 200
    html = page.text
    assert re.search(r'<fieldset class="survey-item scale[^"]*" id="item_overall"', html)
    assert "<legend>Overall" in html
    assert len(re.findall(r'<input type="radio" name="item_overall" value="\d"', html)) == 5
    assert 'name="item_improve" rows="4" maxlength="2000"' in html
    assert "Send my answers" in html and "disabled" not in html


def test_an_official_answers_and_then_edits(client, login_as, enrolled, m1_survey):
    login_as(enrolled)
    sent = client.post(f"/surveys/{m1_survey.id}",
                       data={"item_overall": "4", "item_content": "5", "item_improve": "Más casos"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/my-surveys")
    assert "Thank you! Your answers were saved." in client.get("/my-surveys").text
    page = client.get(f"/surveys/{m1_survey.id}")
    assert re.search(r'name="item_overall" value="4" checked', page.text)
    assert "Más casos</textarea>" in page.text and "Save my changes" in page.text
    assert "You can change your answers until" in page.text
    edited = client.post(f"/surveys/{m1_survey.id}",
                         data={"item_overall": "5", "item_content": "5", "item_improve": ""})
    assert edited.status_code == 302
    assert responses() == 1
    stored = services.response_of(m1_survey, enrolled).answers_by_key()
    assert stored == {"overall": 5, "content": 5}


def test_wrong_answers_come_back_with_a_message_under_each_question(client, login_as, enrolled,
                                                                    m1_survey):
    login_as(enrolled)
    page = client.post(f"/surveys/{m1_survey.id}",
                       data={"item_overall": "7", "item_venue": "abc", "item_improve": "x" * 2001})
    assert page.status_code == 422
    assert 'id="item_overall-error">Choose a whole number from 1 to 5.' in page.text
    assert 'id="item_venue-error">Choose a whole number from 1 to 5.' in page.text
    assert 'id="item_content-error">Please answer this question.' in page.text
    assert ('id="item_improve-error">Write at most 2000 characters (this answer has 2001).'
            in page.text)
    assert 'aria-describedby="item_overall-error"' in page.text
    assert responses() == 0


def test_a_closed_survey_is_read_only_and_refuses_answers(client, login_as, enrolled, m1_survey):
    answer(m1_survey, enrolled, overall=3, content=3)
    close(m1_survey)
    login_as(enrolled)
    page = client.get(f"/surveys/{m1_survey.id}")
    assert "This survey closed on" in page.text and "can no longer be changed" in page.text
    assert page.text.count("disabled") == 15 and "readonly" in page.text
    assert "Save my changes" not in page.text
    refused = client.post(f"/surveys/{m1_survey.id}", data=FIVES)
    assert refused.status_code == 409
    assert 'id="survey-problem">This survey closed on' in refused.text
    assert re.search(r'name="item_overall" value="3" checked\s+disabled', refused.text)
    stored = services.response_of(m1_survey, enrolled).answers_by_key()
    assert stored == {"overall": 3, "content": 3}


def test_a_withdrawn_official_reads_but_cannot_answer(client, login_as, cohort, enrolled,
                                                      m1_survey):
    enrolments.set_enrolment_status(enrolments.find_enrolment(cohort, enrolled),
                                    EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    login_as(enrolled)
    page = client.get(f"/surveys/{m1_survey.id}")
    assert page.status_code == 200 and "Your enrolment in this cohort is not active" in page.text
    refused = client.post(f"/surveys/{m1_survey.id}", data=FIVES)
    assert refused.status_code == 403 and responses() == 0


# --- managers and tutors -----------------------------------------------------------------------

def test_staff_see_the_average_the_distribution_and_the_open_answers(client, login_as, cohort,
                                                                     tutor, m1_survey):
    people = [make_person(Role.OFFICIAL, given_names=f"Nombre{n}") for n in range(4)]
    for person, score in zip(people, (5, 5, 4), strict=False):
        enrol(cohort, person)
        answer(m1_survey, person, overall=score, content=4, improve=f"Idea de {score}")
    enrol(cohort, people[3])
    login_as(tutor)
    page = client.get(f"/cohorts/{cohort.id}/surveys")
    assert page.status_code == 200
    html = page.text
    section = html[html.index(f'id="survey-{m1_survey.id}"'):html.index('data-item="content"')]
    assert '<span class="value" data-stat="responses">3</span>' in section
    assert "Responses of 4 active participants" in section
    assert "75%" in section
    assert "4.67 / 5" in section
    assert re.search(r'data-score="5">\s*<th scope="row">5</th>\s*<td class="bar-cell">'
                     r'<svg class="bar"[^>]*><rect width="66.7%"[^>]*></rect></svg></td>\s*'
                     r'<td class="bar-count">2 <span class="muted">\(67%\)</span>', section)
    assert "Idea de 4" in html and "Idea de 5" in html
    assert not any(person.given_names in html or person.email in html for person in people)
    assert "Change dates" not in html  # tutors do not move the window


def test_averages_follow_the_readers_language(client, login_as, cohort, m1_survey):
    person = make_person()
    enrol(cohort, person)
    answer(m1_survey, person, overall=5, content=4)
    spanish = make_person(Role.MANAGER, preferred_locale="es")
    login_as(spanish)
    html = client.get(f"/cohorts/{cohort.id}/surveys").text
    assert "4,5 / 5" in html and "4.5 / 5" not in html


def test_staff_download_the_results_and_the_answers(client, login_as, cohort, manager, m1_survey):
    person = make_person(Role.OFFICIAL, given_names="Anónima")
    enrol(cohort, person)
    answer(m1_survey, person, overall=5, content=5)
    login_as(manager)
    results = client.get(f"/cohorts/{cohort.id}/surveys/summary.csv")
    assert results.status_code == 200 and results.mimetype == "text/csv"
    assert "attachment" in results.headers["Content-Disposition"]
    assert results.text.splitlines()[0].startswith("survey_id,survey,item_key,item,kind,answers")
    raw = client.get(f"/cohorts/{cohort.id}/surveys/answers.csv")
    assert raw.status_code == 200 and raw.mimetype == "text/csv"
    assert "Anónima" not in raw.text and person.email not in raw.text
    assert raw.text.splitlines()[1].endswith(",5,5,,")


def test_a_manager_moves_the_answering_window(client, login_as, manager, m1_survey):
    login_as(manager)
    page = client.get(f"/surveys/{m1_survey.id}/window")
    assert page.status_code == 200 and "America/Santiago" in page.text
    sent = client.post(f"/surveys/{m1_survey.id}/window",
                       data={"opens_at": "2026-03-01T09:00", "closes_at": "2027-01-15T18:30"})
    assert sent.status_code == 302
    db.session.refresh(m1_survey)
    # Santiago is UTC-3 in summer.
    assert m1_survey.opens_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert m1_survey.closes_at == datetime(2027, 1, 15, 21, 30, tzinfo=UTC)
    kept_open = client.post(f"/surveys/{m1_survey.id}/window",
                            data={"opens_at": "2026-03-01T09:00", "closes_at": ""})
    assert kept_open.status_code == 302
    db.session.refresh(m1_survey)
    assert m1_survey.closes_at is None


def test_a_window_that_closes_before_it_opens_is_refused(client, login_as, manager, m1_survey):
    closes_at = m1_survey.closes_at
    login_as(manager)
    page = client.post(f"/surveys/{m1_survey.id}/window",
                       data={"opens_at": "2026-03-01T09:00", "closes_at": "2026-02-01T09:00"})
    assert page.status_code == 422 and "The survey must close after it opens." in page.text
    page = client.post(f"/surveys/{m1_survey.id}/window",
                       data={"opens_at": "tomorrow", "closes_at": ""})
    assert page.status_code == 422 and "Enter a date and time." in page.text
    db.session.refresh(m1_survey)
    assert m1_survey.closes_at == closes_at


def test_the_results_page_gives_the_cohort_its_surveys_first(client, login_as, small_programme,
                                                            manager):
    from tests.surveys.conftest import make_cohort

    cohort = make_cohort(small_programme, "Recién creada")
    login_as(manager)
    page = client.get(f"/cohorts/{cohort.id}/surveys")
    assert page.status_code == 200
    assert [s.module.code for s in services.cohort_surveys(cohort)] == ["M1", "M2"]
    assert module_survey(services.cohort_surveys(cohort), "M1").id
    assert "Nobody has answered this survey yet." in page.text
