"""The official's programme page, the cohort overview and its CSV, on the demo cohort."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person, Role, RoleGrant
from certify.cohorts.models import Enrolment
from certify.core.audit import AuditEvent
from certify.extensions import db
from certify.progress.services import cohort_progress
from tests.factories import make_person

pytestmark = pytest.mark.demo_world


@pytest.fixture
def app(demo_world):
    return demo_world.app


def person(email: str) -> Person:
    return db.session.scalar(sa.select(Person).where(Person.email == email))


def test_about_half_of_the_demo_cohort_is_eligible_and_the_rest_is_spread(demo):
    rows = cohort_progress(demo.cohort)
    eligible = [row for row in rows if row.eligibility.eligible]
    assert 25 <= len(eligible) <= 35
    missing_kinds = {requirement.step for row in rows for requirement in row.eligibility.missing}
    assert missing_kinds == {"quiz", "in_person", "prototype", "final_survey"}


def test_an_official_sees_what_is_missing_in_plain_words(client, login_as, demo):
    starting = next(person(email) for email, label in demo.logins if label == "official (stalled)")
    login_as(starting)
    page = client.get("/my-programme?lang=en").text
    assert "Module 1 quiz not taken yet" in page
    assert "Group prototype not graded yet" in page
    eligible = next(person(email) for email, label in demo.logins if label == "official (eligible)")
    login_as(eligible)
    page = client.get("/my-programme?lang=en").text
    assert "awaiting issuance" in page or "Certified:" in page


def test_the_overview_and_its_csv(client, login_as, demo):
    login_as(person("gestora@demo.certify.example"))
    page = client.get(f"/cohorts/{demo.cohort.id}/overview")
    assert page.status_code == 200 and "Encuentro presencial en Santiago" in page.text
    export = client.post(f"/cohorts/{demo.cohort.id}/overview.csv?lang=en")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Family names", "Given names", "E-mail"]
    assert len(rows) == 61
    assert sum(row[-2] == "yes" for row in rows[1:]) == sum(
        row.eligibility.eligible for row in cohort_progress(demo.cohort))


def test_the_overview_runs_the_same_queries_for_60_or_500_people(client, login_as, demo, count_queries):
    login_as(person("gestora@demo.certify.example"))
    url = f"/cohorts/{demo.cohort.id}/overview"
    client.get(url)  # warm caches (translations, templates)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    municipality_id = person(demo.logins[-1][0]).municipality_id
    people = db.session.execute(sa.insert(Person).returning(Person.id), [
        {"email": f"bulk{n}@example.org", "given_names": "Bulk", "family_names": f"Person {n:03}",
         "municipality_id": municipality_id, "preferred_locale": "es"} for n in range(440)]).scalars().all()
    db.session.execute(sa.insert(RoleGrant), [{"person_id": pid, "role": Role.OFFICIAL} for pid in people])
    db.session.execute(sa.insert(Enrolment), [{"person_id": pid, "cohort_id": demo.cohort.id}
                                              for pid in people])
    db.session.commit()
    assert len(cohort_progress(demo.cohort)) == 500
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large["n"] == small["n"], (small["n"], large["n"])
    assert large["n"] < 40


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 302), ("official", 403), ("other_tutor", 403), ("tutor", 200), ("manager", 200)])
def test_overview_access(client, login_as, demo, role, status):
    if role == "tutor":
        login_as(person("tutora@demo.certify.example"))
    elif role != "anonymous":
        login_as(make_person({"official": Role.OFFICIAL, "other_tutor": Role.TUTOR,
                              "manager": Role.MANAGER}[role]))
    for suffix in ("overview", "overview.csv"):
        assert client.get(f"/cohorts/{demo.cohort.id}/{suffix}").status_code == status
    assert client.post(f"/cohorts/{demo.cohort.id}/overview.csv").status_code == status


def test_the_overview_export_is_a_post_recorded_in_the_audit_log(client, login_as, demo):
    tutor = login_as(person("tutora@demo.certify.example"))
    exports = sa.select(AuditEvent).where(AuditEvent.action == "cohort.overview_exported")
    offer = client.get(f"/cohorts/{demo.cohort.id}/overview.csv?lang=en")
    assert offer.status_code == 200 and offer.mimetype == "text/html"
    assert f'<form method="post" action="/cohorts/{demo.cohort.id}/overview.csv"' in offer.text
    assert "recorded in the audit log" in offer.text
    assert db.session.scalars(exports).all() == []  # a GET records nothing
    assert client.post(f"/cohorts/{demo.cohort.id}/overview.csv").mimetype == "text/csv"
    [event] = db.session.scalars(exports).all()
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        tutor.id, "Cohort", demo.cohort.id)
    assert event.details == {"rows": 60}


def test_overview_names_open_the_persons_progress_and_missing_says_what(client, login_as, demo):
    starting = next(person(email) for email, label in demo.logins if label == "official (stalled)")
    login_as(person("tutora@demo.certify.example"))
    overview = client.get(f"/cohorts/{demo.cohort.id}/overview?lang=en").text
    url = f"/cohorts/{demo.cohort.id}/people/{starting.id}/progress"
    assert f'href="{url}"' in overview
    # "N missing" opens the list of what is missing, for everyone not eligible.
    assert "Module 1 quiz not taken yet" in overview
    assert '<details class="not-eligible">' in overview
    page = client.get(url + "?lang=en")
    assert page.status_code == 200 and starting.full_name in page.text
    assert "Still missing for the certificate:" in page.text
    assert "Module 1 quiz not taken yet" in page.text and "M1 · " in page.text

    login_as(make_person(Role.TUTOR))  # not a tutor of this cohort
    assert client.get(url).status_code == 403
    login_as(starting)
    assert client.get(url).status_code == 403
    login_as(person("gestora@demo.certify.example"))
    outsider = make_person(Role.OFFICIAL)
    assert client.get(f"/cohorts/{demo.cohort.id}/people/{outsider.id}/progress").status_code == 404
    assert client.get(f"/cohorts/{demo.cohort.id}/people/987654/progress").status_code == 404
