"""The anonymous aggregates: known numbers in, known numbers out; bounded SQL; CSV exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from certify.accounts.models import Role
from certify.cohorts import enrolments
from certify.cohorts.models import Cohort, EnrolmentStatus
from certify.extensions import db
from certify.surveys import giving, services
from certify.surveys.exports import answers_csv, summary_csv
from certify.surveys.summaries import final_survey_respondents, survey_summaries, survey_summary
from tests.factories import enrol, make_municipality, make_person
from tests.surveys.conftest import answer, make_cohort, module_survey


def officials(cohort, n: int, municipality=None) -> list:
    people = [make_person(Role.OFFICIAL, municipality=municipality) for _ in range(n)]
    for person in people:
        enrol(cohort, person)
    return people


def by_key(summary):
    return {item.item.key: item for item in summary.items}


def test_known_answers_give_known_numbers(cohort, m1_survey):
    people = officials(cohort, 4)  # four active participants
    answer(m1_survey, people[0], overall=5, content=3, improve="Más ejemplos locales")
    answer(m1_survey, people[1], overall=5, content=4, venue=2)
    answer(m1_survey, people[2], overall=4, content=4, improve="Más tiempo para el prototipo")
    summary = survey_summary(m1_survey)
    assert (summary.responses, summary.active_enrolments) == (3, 4)
    assert summary.response_rate == Decimal("0.75")
    items = by_key(summary)
    overall = items["overall"]
    assert overall.answers == 3 and overall.response_rate == Decimal("0.75")
    assert overall.average == Decimal("4.67")
    assert overall.distribution == {1: 0, 2: 0, 3: 0, 4: 1, 5: 2}
    assert overall.share(5) == Decimal(2) / Decimal(3)
    assert items["content"].average == Decimal("3.67")
    assert items["venue"].answers == 1 and items["venue"].average == Decimal("2.00")
    assert items["venue"].response_rate == Decimal("0.25")
    # Every scale answer counts once: (5+5+4) + (3+4+4) + 2 = 27 over 7 answers.
    assert summary.average == Decimal("3.86")
    improve = items["improve"]
    assert improve.answers == 2 and improve.average is None and improve.distribution == {}
    assert improve.texts == ["Más ejemplos locales", "Más tiempo para el prototipo"]


def test_a_survey_nobody_answered_has_no_average(cohort, m1_survey):
    officials(cohort, 2)
    summary = survey_summary(m1_survey)
    assert (summary.responses, summary.response_rate, summary.average) == (0, Decimal("0.00"), None)
    assert by_key(summary)["overall"].distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert by_key(summary)["overall"].share(5) == 0


def test_the_rate_counts_active_enrolments_only(cohort, m1_survey):
    people = officials(cohort, 4)
    answer(m1_survey, people[0], overall=3, content=3)
    enrolments.set_enrolment_status(enrolments.find_enrolment(cohort, people[3]),
                                    EnrolmentStatus.WITHDRAWN)
    summary = survey_summary(m1_survey)
    assert (summary.responses, summary.active_enrolments, summary.response_rate) == (
        1, 3, Decimal("0.33"))


def test_summaries_cover_every_survey_of_the_cohort_in_order(cohort, surveys, other_cohort):
    people = officials(cohort, 2)
    elsewhere = officials(other_cohort, 1)
    m2 = module_survey(surveys, "M2")
    answer(m2, people[0], overall=1, content=2)
    other_m2 = module_survey(giving.ensure_cohort_surveys(other_cohort), "M2")
    answer(other_m2, elsewhere[0], overall=5, content=5)
    summaries = survey_summaries(cohort)
    assert [s.survey.module.code for s in summaries] == ["M1", "M2"]
    assert [s.responses for s in summaries] == [0, 1]
    assert by_key(summaries[1])["overall"].distribution == {1: 1, 2: 0, 3: 0, 4: 0, 5: 0}


def test_a_retired_question_still_reports_its_answers(cohort, m1_survey):
    person = officials(cohort, 1)[0]
    answer(m1_survey, person, overall=4, content=4, venue=5)
    for item in m1_survey.template.items:
        item.active = item.key != "venue"
    db.session.commit()
    assert [i.item.key for i in survey_summary(m1_survey).items] == [
        "overall", "content", "venue", "improve"]
    other = make_person()
    enrol(cohort, other)
    other_survey = module_survey(giving.ensure_cohort_surveys(cohort), "M2")
    assert "venue" not in by_key(survey_summary(other_survey))  # nobody answered it there


def test_summaries_run_a_fixed_number_of_queries(small_programme, count_queries):
    def cohort_with(name: str, n: int) -> Cohort:
        cohort = make_cohort(small_programme, name)
        people = officials(cohort, n, municipality=make_municipality())
        for survey in giving.ensure_cohort_surveys(cohort):
            for index, person in enumerate(people):
                answer(survey, person, overall=1 + index % 5, content=5, improve=f"Idea {index}")
        return cohort

    small, large = cohort_with("Pequeña", 2), cohort_with("Grande", 12)
    for cohort in (small, large):
        db.session.refresh(cohort)
    with count_queries() as for_small:
        survey_summaries(small)
    with count_queries() as for_large:
        summaries = survey_summaries(large)
    assert for_large["n"] == for_small["n"] <= 12
    assert summaries[0].responses == 12
    with count_queries() as raw_small:
        answers_csv(services.cohort_surveys(small))
    with count_queries() as raw_large:
        answers_csv(services.cohort_surveys(large))
    assert raw_large["n"] == raw_small["n"]
    with count_queries() as final_query:
        assert len(final_survey_respondents(large)) == 12
    assert final_query["n"] == 1


def test_the_final_survey_is_the_last_modules(cohort, surveys, other_cohort):
    people = officials(cohort, 3)
    answer(module_survey(surveys, "M1"), people[0], overall=5, content=5)
    answer(module_survey(surveys, "M2"), people[1], overall=5, content=5)
    answer(module_survey(surveys, "M2"), people[2], overall=4, content=4)
    elsewhere = officials(other_cohort, 1)[0]
    answer(module_survey(giving.ensure_cohort_surveys(other_cohort), "M2"), elsewhere,
           overall=3, content=3)
    assert final_survey_respondents(cohort) == {people[1].id, people[2].id}
    assert final_survey_respondents(other_cohort) == {elsewhere.id}


def test_no_final_survey_means_nobody_answered_it(small_programme):
    assert final_survey_respondents(make_cohort(small_programme, "Sin encuestas aún")) == set()


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_summary_csv_has_a_row_per_survey_and_per_item(cohort, surveys):
    people = officials(cohort, 4)
    m1 = module_survey(surveys, "M1")
    for person, score in zip(people, (5, 5, 4), strict=False):
        answer(m1, person, overall=score, content=3)
    rows = read_csv(summary_csv(survey_summaries(cohort)))
    assert len(rows) == 2 * 5
    head, overall = rows[0], rows[1]
    assert head["survey"] == "M1 · Public innovation" and head["item_key"] == ""
    assert (head["answers"], head["active_enrolments"], head["response_rate"], head["average"]) == (
        "3", "4", "0.75", "3.83")  # (5+5+4 + 3+3+3) / 6
    assert (overall["item_key"], overall["item"], overall["kind"], overall["average"]) == (
        "overall", "Overall", "scale", "4.67")
    assert [overall[f"score_{n}"] for n in range(1, 6)] == ["0", "0", "0", "1", "2"]
    improve = rows[4]
    assert (improve["item_key"], improve["score_5"], improve["average"]) == ("improve", "", "")


def test_the_raw_answers_csv_names_nobody(cohort, surveys):
    town = make_municipality("Curarrehue", country="CL", region="Araucanía")
    person = make_person(Role.OFFICIAL, municipality=town, given_names="Rosa",
                         family_names="Quilaqueo", email="rosa.quilaqueo@example.org")
    enrol(cohort, person)
    nowhere = officials(cohort, 1)[0]
    m1 = module_survey(surveys, "M1")
    answer(m1, person, overall=5, content=4, improve="=HYPERLINK(\"http://x\")")
    answer(m1, nowhere, overall=2, content=2, venue=1)
    text = answers_csv(services.cohort_surveys(cohort))
    assert "Rosa" not in text and "Quilaqueo" not in text and "@" not in text
    rows = read_csv(text)
    assert list(rows[0]) == ["survey_id", "survey", "municipality", "region", "country",
                             "overall", "content", "venue", "improve"]
    assert rows[0] == {"survey_id": str(m1.id), "survey": "M1 · Public innovation",
                       "municipality": "Curarrehue", "region": "Araucanía", "country": "CL",
                       "overall": "5", "content": "4", "venue": "",
                       "improve": "'=HYPERLINK(\"http://x\")"}
    assert rows[1]["municipality"] == "" and rows[1]["venue"] == "1"
