"""The pages: the dashboard and its filters, editing the plan, importing it, the baseline."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person, Role, RoleGrant
from certify.certificates.models import Certificate
from certify.cohorts.models import Enrolment
from certify.extensions import db
from certify.reports.baseline import current_baseline
from certify.reports.facts import refresh_programme
from certify.reports.models import Allocation, Milestone, Target
from certify.reports.targets import set_milestone, set_target, target_of
from tests.reports.conftest import certify_person

# Pages render what the services (tested on both databases) return: SQLite only.
pytestmark = pytest.mark.one_database

PAGES = ("/reports", "/reports/places", "/reports/places?level=municipality&sort=percent&desc=1",
         "/reports/funnel", "/reports/attendance", "/reports/equity")


@pytest.fixture
def signed_in(client, login_as, known):
    login_as(known.manager)
    return known


@pytest.fixture
def planned(signed_in):
    target = set_target(signed_in.programme, certified=100, starts_on=date(2026, 1, 1),
                        due_on=date(2029, 12, 31), actor=None)
    set_milestone(target, year=2026, certified=10)
    db.session.commit()
    return signed_in


def test_the_dashboard_shows_the_target_the_pace_and_the_forecast(client, planned):
    page = client.get("/reports?lang=en").text
    assert "certified of a target of 100" in page
    assert "needed per month from now" in page
    assert "per month over the last 3 months" in page
    assert "at this pace, the target is reached on" in page
    assert "Month by month" in page and "Milestones" in page


def test_without_a_target_the_dashboard_says_how_to_set_one(client, signed_in):
    page = client.get("/reports?lang=en").text
    assert "The programme has no target yet" in page and "Set the target" in page


def test_wrong_filters_are_explained_with_a_422(client, signed_in):
    response = client.get("/reports/funnel?lang=en&region_id=abc&kind=rural")
    assert response.status_code == 422 and "&#39;abc&#39; is not a whole number." in response.text
    araucania = signed_in.places.melipeuco.region_id
    response = client.get(f"/reports/equity?lang=en&country=UY&region_id={araucania}")
    assert response.status_code == 422 and "is not in UY" in response.text


def test_the_funnel_shows_the_current_period_unless_told_otherwise(client, signed_in,
                                                                   monkeypatch):
    from tests.reports.conftest import TODAY

    monkeypatch.setattr("certify.reports.views.today", lambda: TODAY)
    page = client.get("/reports/funnel?lang=en").text
    assert "The people of 1 cohort starting in 2026: Cohorte 2026." in page
    assert "This is the current period" in page
    assert '<option value="2026" selected>' in page  # the filter shows it, to change it
    assert 'programme_id=' in page and "year=2026" in page  # links and downloads keep it
    # "Any year" (an empty year) is every cohort; a bookmarked year is kept as it is.
    every = client.get("/reports/funnel?lang=en&year=").text
    assert "The people of all 2 cohorts, every year: Cohorte 2026, Cohorte 2027." in every
    assert "This is the current period" not in every
    later = client.get("/reports/funnel?lang=en&year=2027").text
    assert "starting in 2027: Cohorte 2027." in later
    one = client.get(f"/reports/funnel?lang=en&cohort_id={signed_in.later.id}").text
    assert "The people of the cohort Cohorte 2027." in one


@pytest.mark.parametrize("query, message", [
    ("year=1800", "Give a year from 2000 to 2100."),
    ("year=dos-mil", "&#39;dos-mil&#39; is not a whole number."),
    ("cohort_id=424242", "There is no cohort with id 424242."),
])
def test_a_bad_funnel_filter_is_explained_not_a_500(client, signed_in, query, message):
    response = client.get(f"/reports/funnel?lang=en&{query}")
    assert response.status_code == 422 and message in response.text


def test_each_page_runs_the_same_queries_for_8_or_150_people(client, planned, count_queries):
    def counted() -> dict[str, int]:
        result = {}
        for url in PAGES:
            client.get(url)  # warm caches (templates, translations)
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            result[url] = counter["n"]
        return result

    small = counted()
    municipality = planned.places.tupambae.id
    ids = db.session.execute(sa.insert(Person).returning(Person.id), [
        {"email": f"bulk{n}@example.org", "given_names": "Bulk", "family_names": f"P{n:03}",
         "municipality_id": municipality, "preferred_locale": "es", "gender": "female",
         "birth_year": 1980 + n % 30} for n in range(142)]).scalars().all()
    db.session.execute(sa.insert(RoleGrant), [{"person_id": i, "role": Role.OFFICIAL}
                                              for i in ids])
    db.session.execute(sa.insert(Enrolment), [{"person_id": i, "cohort_id": planned.cohort.id}
                                              for i in ids])
    db.session.commit()
    for person in db.session.scalars(sa.select(Person).where(Person.id.in_(ids[:20]))):
        certify_person(person, planned.cohort, date(2026, 9, 1))
    refresh_programme(planned.programme)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 23
    large = counted()
    assert large == small
    assert max(large.values()) <= 16, large


# --- the target and its milestones -------------------------------------------------------------

def test_setting_the_target(client, signed_in):
    url = f"/reports/targets?programme_id={signed_in.programme.id}&lang=en"
    response = client.post(url, data={"certified": "5000", "starts_on": "2026-01-01",
                                      "due_on": "2029-12-31"})
    assert response.status_code == 302
    assert target_of(signed_in.programme).certified == 5000


def test_a_wrong_target_is_shown_on_its_fields(client, signed_in):
    url = f"/reports/targets?programme_id={signed_in.programme.id}&lang=en"
    response = client.post(url, data={"certified": "0", "starts_on": "2026-01-01",
                                      "due_on": "2025-01-01"})
    assert response.status_code == 422
    assert "The due date must come after the start date." in response.text
    assert target_of(signed_in.programme) is None


def test_milestones_are_added_refused_and_deleted(client, planned):
    programme = planned.programme.id
    added = client.post(f"/reports/targets/milestones?programme_id={programme}&lang=en",
                        data={"year": "2027", "certified": "40"})
    assert added.status_code == 302
    refused = client.post(f"/reports/targets/milestones?programme_id={programme}&lang=en",
                          data={"year": "2028", "certified": "30"})
    assert refused.status_code == 422 and "is less than the 2027 one" in refused.text
    deleted = client.post(f"/reports/targets/milestones/2027/delete?programme_id={programme}")
    assert deleted.status_code == 302
    assert [m.year for m in target_of(planned.programme).milestones] == [2026]
    missing = client.post(f"/reports/targets/milestones/2030/delete?programme_id={programme}")
    assert missing.status_code == 404


def test_the_targets_page_shows_how_the_quotas_add_up(client, planned):
    client.post(f"/reports/targets/distribute?programme_id={planned.programme.id}",
                data={"level": "municipality", "basis": "equal", "rural_weight": "1.5",
                      "urban_weight": "1"})
    page = client.get(f"/reports/targets?programme_id={planned.programme.id}&lang=en").text
    assert "adds up to the target" in page  # the municipalities
    assert "100 short of the target" in page  # the regions: none yet


# --- quotas by hand ----------------------------------------------------------------------------

def test_quotas_are_saved_together_or_not_at_all(client, planned):
    p = planned.places
    url = (f"/reports/targets/allocations?programme_id={planned.programme.id}"
           f"&level=municipality&region_id={p.melipeuco.region_id}&lang=en")
    page = client.get(url)
    assert page.status_code == 200 and 'name="quota-' in page.text
    refused = client.post(url, data={f"quota-{p.melipeuco.id}": "12",
                                     f"quota-{p.curarrehue.id}": "many",
                                     f"weight-{p.curarrehue.id}": "1"})
    assert refused.status_code == 422 and "&#39;many&#39; is not a whole number." in refused.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Allocation)) == 0
    saved = client.post(url, data={f"quota-{p.melipeuco.id}": "12",
                                   f"weight-{p.melipeuco.id}": "1,5",
                                   f"quota-{p.curarrehue.id}": ""})
    assert saved.status_code == 302
    allocation = db.session.scalar(sa.select(Allocation))
    assert (allocation.municipality_id, allocation.certified, str(allocation.weight)) == (
        p.melipeuco.id, 12, "1.50")
    page = client.get(url).text
    assert "The quotas add up to 12 of a target of 100." in page


def test_quotas_need_a_target(client, signed_in):
    url = f"/reports/targets/allocations?programme_id={signed_in.programme.id}"
    assert client.get(url).status_code == 404


# --- import ------------------------------------------------------------------------------------

def upload(client, text: str):
    return client.post("/reports/targets/import?lang=en", data={
        "file": (io.BytesIO(text.encode()), "plan.csv")}, content_type="multipart/form-data")


def test_importing_from_the_page(client, signed_in):
    response = upload(client, "level,programme,certified,starts_on,due_on,year\n"
                              "target,NAT,300,2026-01-01,2029-12-31,\n"
                              "milestone,NAT,50,,,2026\n")
    assert response.status_code == 200 and "Import finished" in response.text
    assert target_of(signed_in.programme).certified == 300


def test_an_import_with_a_wrong_row_saves_nothing_and_lists_the_lines(client, signed_in):
    response = upload(client, "level,programme,certified,starts_on,due_on,year\n"
                              "target,NAT,300,2026-01-01,2029-12-31,\n"
                              "milestone,NAT,50,,,2035\n")
    assert response.status_code == 422 and "Nothing was imported" in response.text
    assert "Line 3" in response.text and "outside the target&#39;s years" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Target)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Milestone)) == 0


def test_the_import_template(client, signed_in):
    response = client.get("/reports/targets/template.csv")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).lstrip("\ufeff").startswith("level,programme,")


# --- the baseline ------------------------------------------------------------------------------

def test_the_baseline_is_illustrative_until_a_manager_sets_it(client, signed_in):
    page = client.get("/reports/baseline?lang=en").text
    assert page.count("Illustrative shares of a national civil service") == 3  # not regions
    response = client.post("/reports/baseline?lang=en", data={
        "dimension": "gender", "share-female": "61.5", "share-male": "38.5",
        "gender-source": "Dirección de Presupuestos, 2025"})
    assert response.status_code == 302
    gender = current_baseline()["gender"]
    assert not gender.illustrative and str(gender.shares["female"]) == "61.5"
    equity = client.get("/reports/equity?lang=en").text
    assert "Dirección de Presupuestos, 2025" in equity
    client.post("/reports/baseline/gender/reset")
    assert current_baseline()["gender"].illustrative


@pytest.mark.parametrize(("data", "message"), [
    ({"share-female": "70", "share-male": "40"}, "The shares add up to 110"),
    ({"share-female": "abc"}, "&#39;abc&#39; is not a number."),
    ({"share-female": "101"}, "Give a percentage from 0 to 100."),
    ({"share-female": "33.33"}, "one decimal at most"),
])
def test_a_wrong_baseline_is_refused(client, signed_in, data, message):
    response = client.post("/reports/baseline?lang=en", data={
        "dimension": "gender", "gender-source": "Censo", **data})
    assert response.status_code == 422 and message in response.text
    assert current_baseline()["gender"].illustrative


def test_the_baseline_needs_its_source(client, signed_in):
    response = client.post("/reports/baseline?lang=en", data={
        "dimension": "area", "share-rural": "30", "area-source": ""})
    assert response.status_code == 422 and "This field is required." in response.text
    assert client.post("/reports/baseline", data={"dimension": "height"}).status_code == 404


def test_recount_now_queues_the_job(client, signed_in):
    from certify.core.jobs import Job

    response = client.post(f"/reports/refresh?programme_id={signed_in.programme.id}")
    assert response.status_code == 302
    job = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    assert job.name == "refresh_report_figures"
    assert job.payload == {"programme_id": signed_in.programme.id}


def test_the_register_downloads_by_a_post_recorded_in_the_audit_log(client, signed_in):
    from certify.core.audit import AuditEvent

    exports = sa.select(AuditEvent).where(AuditEvent.action == "register.exported")
    programme_id = signed_in.programme.id
    url = f"/reports/register.csv?programme_id={programme_id}&country=CL"
    assert f'<form method="post" class="inline" action="/reports/register.csv?programme_id=' \
           f'{programme_id}"' in client.get(f"/reports?programme_id={programme_id}").text
    offer = client.get(url + "&lang=en")
    assert offer.status_code == 200 and offer.mimetype == "text/html"
    assert "recorded in the audit log" in offer.text
    assert client.get("/reports/register.csv?programme_id=x").status_code == 422
    assert db.session.scalars(exports).all() == []  # a GET records nothing

    response = client.post(url)
    assert response.mimetype == "text/csv" and response.is_streamed
    assert signed_in.people.ana.full_name in response.get_data(as_text=True)
    [event] = db.session.scalars(exports).all()
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        signed_in.manager.id, "Programme", programme_id)
    assert event.details == {"filters": {"programme_id": programme_id, "country": "CL"}}
