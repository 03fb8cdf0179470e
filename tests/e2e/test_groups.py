"""A tutor organises the project groups of a cohort from a phone."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

TUTOR = "tutora.grupos@demo.certify.example"
OFFICIALS = 10  # from 5 municipalities: suggested as 2 groups of 5
PLACES = [("CL", "Chile", "Los Ríos", "Futrono"), ("CL", "Chile", "Los Ríos", "Lago Ranco"),
          ("UY", "Uruguay", "Rocha", "Castillos"), ("BR", "Brasil", "Paraná", "Guaraqueçaba"),
          ("PY", "Paraguay", "Guairá", "Iturbe")]


@pytest.fixture(scope="module")
def cohort_to_group(live_app):
    """A cohort of the demo programme with its own tutor and ten officials, none in a group."""
    from certify.accounts import services as accounts
    from certify.accounts.models import MunicipalityKind, Role
    from certify.cohorts.enrolments import enrol_many
    from certify.cohorts.services import create_cohort
    from certify.demo.world import DEMO_PASSWORD
    from certify.extensions import db
    from certify.programmes.models import Programme

    with live_app.app_context():
        programme = db.session.scalar(sa.select(Programme))
        # Places of their own, so the demo's people and municipalities stay as other tests see them.
        places = [accounts.ensure_municipality(
            accounts.ensure_region(accounts.ensure_country(country, name), region), place,
            MunicipalityKind.RURAL) for country, name, region, place in PLACES]
        tutor = accounts.create_person(email=TUTOR, given_names="Teresa", family_names="Grupos",
                                       preferred_locale="en", password=DEMO_PASSWORD,
                                       roles=[Role.TUTOR])
        officials = [accounts.create_person(
            email=f"grupos{n}@demo.certify.example", given_names=f"Persona{n}",
            family_names=f"Grupo{n:02d}", municipality=places[n % len(places)])
            for n in range(OFFICIALS)]
        cohort = create_cohort(programme, name="Cohorte para agrupar", starts_on=date(2026, 8, 3),
                               ends_on=date(2026, 12, 11), tutors=[tutor])
        enrol_many(cohort, officials)
        db.session.commit()
        return cohort.id


def test_a_tutor_applies_suggested_groups_and_moves_someone_on_a_phone(phone, live_app,
                                                                       cohort_to_group):
    sign_in(phone, TUTOR)  # the phone fixture is 390 x 844
    expect(phone.locator("h1")).to_contain_text("Cohorts")
    phone.get_by_role("link", name="Cohorte para agrupar").click()
    phone.get_by_role("navigation", name="Sections of the cohort") \
        .get_by_role("link", name="Project groups").click()
    expect(phone.locator("#without-group li")).to_have_count(OFFICIALS)

    phone.get_by_role("link", name="Suggest groups").click()
    expect(phone.locator("h1")).to_have_text("Suggested groups")
    cards = phone.locator(".group-card")
    expect(cards).to_have_count(2)
    for index in range(2):
        expect(cards.nth(index).locator("li")).to_have_count(5)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path="test-results/groups-suggestion-phone.png", full_page=True)
    create = phone.get_by_role("button", name="Create these 2 groups")
    expect(create).to_be_in_viewport()  # kept at the bottom of the screen while scrolling
    create.click()

    expect(phone.locator(".flash-success")).to_have_text("2 groups were created with 10 people.")
    expect(phone.locator("#without-group")).to_contain_text("Every active participant is in")
    phone.get_by_role("link", name="Group 1", exact=True).click()
    expect(phone.locator("h1")).to_have_text("Group 1")
    moving = phone.locator("#move-person_id option").first.inner_text().split(" · ")[0]
    phone.select_option("#move-to_group_id", label="Group 2")
    phone.fill("#move-reason", "Group 2 needs someone who knows rural health posts.")
    phone.get_by_role("button", name="Move", exact=True).click()

    family, given = moving.split(", ")
    expect(phone.locator(".flash-success")).to_have_text(f"{given} {family} was moved to Group 2.")
    history = phone.locator("#history")
    expect(history).to_contain_text(f"{given} {family} moved to Group 2.")
    expect(history).to_contain_text("rural health posts")
    expect(phone.locator("#members li")).to_have_count(4)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path="test-results/groups-after-move-phone.png", full_page=True)

    from certify.cohorts import groups
    from certify.cohorts.models import Cohort
    from certify.extensions import db

    with live_app.app_context():
        first, second = groups.groups_of_cohort(db.session.get(Cohort, cohort_to_group))
        assert (len(first.members), len(second.members)) == (4, 6)
        assert moving in [f"{p.family_names}, {p.given_names}" for p in second.members]
        moved_in = groups.membership_history(second)[0]
        assert moved_in.kind == "moved_in" and moved_in.other_group.id == first.id
        assert "rural health posts" in moved_in.reason and moved_in.by.email == TUTOR
