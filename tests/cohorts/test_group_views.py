"""The project group pages: the cohort's groups, one group, suggestions, an official's group."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from certify.cohorts import enrolments, groups
from certify.cohorts.models import GroupMembership, ProjectGroup
from certify.extensions import db
from tests.factories import enrol, make_municipality, make_person

# Pages render what the services (tested on both databases) return: SQLite only.
pytestmark = pytest.mark.one_database


def make_group(cohort, name, by, members=()):
    group = groups.create_group(cohort, name, by=by)
    for person in members:
        groups.add_member(group, person, by=by)
    db.session.commit()
    return group


def people(cohort, count, municipality=None, **details):
    return [enrol(cohort, make_person(municipality=municipality, **details)).person
            for _ in range(count)]


def group_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(ProjectGroup.id)))


def field_error(page: str, field_id: str) -> str:
    """The first error shown in the form field whose input has ``id=field_id``."""
    not_another_field = r'(?:(?!<div class="field).)*?'
    found = re.search(rf'<div class="field has-error">{not_another_field}id="{field_id}"'
                      rf'{not_another_field}class="field-error"[^>]*>([^<]*)<', page, re.DOTALL)
    assert found, f"no error shown for {field_id}"
    return found.group(1)


@pytest.fixture
def lonquimay():
    return make_municipality("Lonquimay")


@pytest.fixture
def team(cohort, tutor, lonquimay):
    """'Grupo 1' with Ana and Beatriz of Lonquimay; 'Grupo 2' empty; Carla without a group."""
    ana, beatriz = (enrol(cohort, make_person(given_names=name, family_names="Lagos",
                                              municipality=lonquimay)).person
                    for name in ("Ana", "Beatriz"))
    carla = enrol(cohort, make_person(given_names="Carla", family_names="Vera")).person
    first = make_group(cohort, "Grupo 1", tutor, [ana, beatriz])
    second = make_group(cohort, "Grupo 2", tutor)
    return {"ana": ana, "beatriz": beatriz, "carla": carla, "first": first, "second": second}


# --- the cohort's groups -----------------------------------------------------------------------

def test_the_groups_page_lists_groups_members_and_who_has_none(client, in_english, login_as,
                                                               tutor, cohort, team):
    login_as(tutor)
    page = client.get(f"/cohorts/{cohort.id}/groups").text
    assert "Grupo 1" in page and "Grupo 2" in page
    first = page[page.index("Grupo 1"):page.index("Grupo 2")]
    assert "Lagos, Ana" in first and "Lagos, Beatriz" in first and "Lonquimay (CL)" in first
    assert "2 members" in first
    without = page[page.index('id="without-group"'):]
    assert "Vera, Carla" in without and "Lagos, Ana" not in without
    assert f'href="/cohorts/{cohort.id}/groups/suggest"' in page
    assert 'aria-current="page">Project groups' in page


def test_the_groups_page_marks_members_no_longer_active(client, in_english, login_as, tutor,
                                                        cohort, team):
    enrolments.set_enrolment_status(enrolments.find_enrolment(cohort, team["ana"]), "withdrawn")
    db.session.commit()
    login_as(tutor)
    page = client.get(f"/cohorts/{cohort.id}/groups").text
    ana = page[page.index("Lagos, Ana"):page.index("Lagos, Beatriz")]
    assert "Withdrawn" in ana


def test_the_groups_page_costs_the_same_queries_for_many_groups(client, login_as, tutor, cohort,
                                                                lonquimay, count_queries):
    login_as(tutor)

    def add_groups(start, stop):
        for n in range(start, stop):
            make_group(cohort, f"Grupo {n}", tutor, people(cohort, 3, lonquimay))
        people(cohort, 2)

    add_groups(1, 3)
    with count_queries() as few:
        assert client.get(f"/cohorts/{cohort.id}/groups").status_code == 200
    add_groups(3, 12)
    with count_queries() as many:
        assert client.get(f"/cohorts/{cohort.id}/groups").status_code == 200
    assert many["n"] == few["n"]


def test_creating_a_group(client, in_english, login_as, tutor, cohort, team):
    login_as(tutor)
    response = client.post(f"/cohorts/{cohort.id}/groups", data={"name": " Equipo Sur "})
    group = db.session.scalar(sa.select(ProjectGroup).where(ProjectGroup.name == "Equipo Sur"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cohorts/{cohort.id}/groups/{group.id}"
    assert "The group Equipo Sur was created." in client.get(response.headers["Location"]).text


@pytest.mark.parametrize(("name", "message"), [
    ("grupo 1", "This cohort already has a group called grupo 1."),
    ("", "This field is required."),
    ("x" * 81, "Field cannot be longer than 80 characters."),
])
def test_a_bad_group_name_is_explained(client, in_english, login_as, tutor, cohort, team, name,
                                       message):
    login_as(tutor)
    response = client.post(f"/cohorts/{cohort.id}/groups", data={"name": name})
    assert response.status_code == 422
    assert field_error(response.text, "name") == message
    assert group_count() == 2


# --- one group ---------------------------------------------------------------------------------

def test_the_group_page_offers_only_people_without_a_group(client, in_english, login_as, tutor,
                                                           cohort, team, other_cohort):
    enrol(other_cohort, make_person(given_names="Otra", family_names="Cohorte"))
    login_as(tutor)
    page = client.get(f"/cohorts/{cohort.id}/groups/{team['first'].id}").text
    add = page[page.index('id="add-person_id"'):]
    add = add[:add.index("</select>")]
    assert re.findall(r'<option[^>]*value="(\d+)"', add) == [str(team["carla"].id)]
    move = page[page.index('id="move-to_group_id"'):]
    move = move[:move.index("</select>")]
    assert "Grupo 2" in move and "Grupo 1" not in move
    assert "mailto:" in page  # staff may write to the members


def test_adding_a_person(client, in_english, login_as, tutor, cohort, team):
    login_as(tutor)
    url = f"/cohorts/{cohort.id}/groups/{team['second'].id}"
    response = client.post(f"{url}/members", data={"add-person_id": team["carla"].id})
    assert response.status_code == 302 and response.headers["Location"] == url
    assert groups.current_group(team["carla"], cohort) == team["second"]
    page = client.get(url).text
    assert "Carla Vera joined Grupo 2." in page
    assert "Carla Vera joined the group." in page  # the history


def test_only_people_without_a_group_can_be_added(client, in_english, login_as, tutor, cohort,
                                                  team):
    stranger = make_person()
    login_as(tutor)
    url = f"/cohorts/{cohort.id}/groups/{team['second'].id}/members"
    for person in (team["ana"], stranger):
        response = client.post(url, data={"add-person_id": person.id})
        assert response.status_code == 422
        assert field_error(response.text, "add-person_id") == "Not a valid choice."
    assert groups.current_group(team["ana"], cohort) == team["first"]


def test_moving_someone_needs_a_reason_and_shows_in_both_histories(client, in_english, login_as,
                                                                    tutor, cohort, team):
    login_as(tutor)
    first, second = team["first"], team["second"]
    url = f"/cohorts/{cohort.id}/groups/{first.id}"
    data = {"move-person_id": team["ana"].id, "move-to_group_id": second.id, "move-reason": " "}
    response = client.post(f"{url}/move", data=data)
    assert response.status_code == 422
    assert field_error(response.text, "move-reason") == "This field is required."
    assert groups.current_group(team["ana"], cohort) == first

    data["move-reason"] = "Dos personas del mismo municipio"
    response = client.post(f"{url}/move", data=data)
    assert response.status_code == 302
    assert groups.current_group(team["ana"], cohort) == second
    page = client.get(url).text
    assert "Ana Lagos was moved to Grupo 2." in page
    assert "Ana Lagos moved to Grupo 2." in page and "Dos personas del mismo municipio" in page
    assert f"By {tutor.full_name}." in page
    other = client.get(f"/cohorts/{cohort.id}/groups/{second.id}").text
    assert "Ana Lagos came from Grupo 1." in other and "Dos personas del mismo municipio" in other


def test_moving_to_a_group_of_another_cohort_is_refused(client, in_english, login_as, tutor,
                                                        cohort, team, other_cohort):
    elsewhere = make_group(other_cohort, "Grupo ajeno", tutor)
    login_as(tutor)
    response = client.post(f"/cohorts/{cohort.id}/groups/{team['first'].id}/move", data={
        "move-person_id": team["ana"].id, "move-to_group_id": elsewhere.id,
        "move-reason": "Intento"})
    assert response.status_code == 422
    assert field_error(response.text, "move-to_group_id") == "Not a valid choice."
    assert db.session.scalar(sa.select(sa.func.count(GroupMembership.id)).where(
        GroupMembership.group_id == elsewhere.id)) == 0


def test_taking_someone_out(client, in_english, login_as, manager, cohort, team):
    login_as(manager)
    url = f"/cohorts/{cohort.id}/groups/{team['first'].id}"
    response = client.post(f"{url}/remove", data={"remove-person_id": team["beatriz"].id,
                                                  "remove-reason": "Dejó el municipio"})
    assert response.status_code == 302
    assert groups.current_group(team["beatriz"], cohort) is None
    page = client.get(url).text
    assert "Beatriz Lagos was taken out of the group." in page and "Dejó el municipio" in page


def test_a_group_of_another_cohort_is_not_found(client, login_as, manager, cohort, team,
                                                other_cohort):
    elsewhere = make_group(other_cohort, "Grupo ajeno", manager)
    login_as(manager)
    assert client.get(f"/cohorts/{cohort.id}/groups/{elsewhere.id}").status_code == 404
    assert client.get(f"/cohorts/{cohort.id}/groups/999999").status_code == 404


# --- suggestions -------------------------------------------------------------------------------

@pytest.fixture
def twelve(cohort):
    places = [make_municipality(name) for name in ("Melipeuco", "Curarrehue", "Paredones")]
    return [person for place in places for person in people(cohort, 4, place)]


def test_the_suggestion_is_a_preview_until_applied(client, in_english, login_as, tutor, cohort,
                                                   twelve):
    login_as(tutor)
    page = client.get(f"/cohorts/{cohort.id}/groups/suggest").text
    assert page.count('class="card group-card"') == 3  # 12 people: 3 groups of 4
    for name in ("Group 1", "Group 2", "Group 3"):
        assert f"<h2>{name}</h2>" in page
    assert "Create these 3 groups" in page
    assert group_count() == 0
    layout = re.search(r'name="layout" value="([^"]+)"', page).group(1)
    response = client.post(f"/cohorts/{cohort.id}/groups/suggest",
                           data={"min_size": "3", "max_size": "6", "layout": layout})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cohorts/{cohort.id}/groups"
    assert "3 groups were created with 12 people." in client.get(response.headers["Location"]).text
    created = groups.groups_of_cohort(cohort)
    assert [g.name for g in created] == ["Group 1", "Group 2", "Group 3"]
    assert ";".join(",".join(str(p.id) for p in g.members) for g in created) != ""
    assert sorted(p.id for g in created for p in g.members) == sorted(p.id for p in twelve)
    for group in created:
        assert len({p.municipality_id for p in group.members}) == 3


def test_a_stale_suggestion_is_shown_again_not_applied(client, in_english, login_as, tutor,
                                                       cohort, twelve):
    login_as(tutor)
    page = client.get(f"/cohorts/{cohort.id}/groups/suggest").text
    layout = re.search(r'name="layout" value="([^"]+)"', page).group(1)
    people(cohort, 1)  # someone enrolled meanwhile
    response = client.post(f"/cohorts/{cohort.id}/groups/suggest",
                           data={"min_size": "3", "max_size": "6", "layout": layout})
    assert response.status_code == 409
    assert "changed since the preview" in response.text
    assert group_count() == 0
    new_layout = re.search(r'name="layout" value="([^"]+)"', response.text).group(1)
    assert new_layout != layout and len(new_layout.replace(";", ",").split(",")) == 13


def test_other_sizes_can_be_asked_for(client, in_english, login_as, tutor, cohort, twelve):
    login_as(tutor)
    page = client.get(f"/cohorts/{cohort.id}/groups/suggest?min_size=5&max_size=6").text
    assert page.count('class="card group-card"') == 2
    response = client.get(f"/cohorts/{cohort.id}/groups/suggest?min_size=6&max_size=3")
    assert response.status_code == 422
    assert field_error(response.text, "max_size") == \
        "The largest group cannot be smaller than the smallest."
    assert 'name="layout"' not in response.text


def test_too_few_people_are_explained(client, in_english, login_as, tutor, cohort):
    people(cohort, 2)
    login_as(tutor)
    response = client.get(f"/cohorts/{cohort.id}/groups/suggest")
    assert response.status_code == 422
    assert "2 people have no group: they cannot make groups of 3 to 6." in response.text
    assert 'name="layout"' not in response.text


# --- an official's own group -------------------------------------------------------------------

def test_an_official_sees_their_group_and_the_dates(client, in_english, login_as, cohort, team,
                                                    tutor):
    login_as(team["ana"])
    page = client.get(f"/my-programme/{cohort.id}/group").text
    assert "<h1>Grupo 1</h1>" in page
    assert "Lagos, Beatriz" in page and "Vera, Carla" not in page
    assert tutor.full_name in page
    assert "The deadline for the prototypes is not set yet." in page
    assert "M1 · One" in page
    assert "Move" not in page and "<form method=\"post\" action=\"/cohorts" not in page


def test_an_official_without_a_group_is_told_so(client, in_english, login_as, cohort, team):
    login_as(team["carla"])
    page = client.get(f"/my-programme/{cohort.id}/group").text
    assert "You are not in a project group yet." in page


def test_an_official_sees_only_cohorts_they_are_enrolled_in(client, login_as, cohort,
                                                            other_cohort, team):
    login_as(team["ana"])
    assert client.get(f"/my-programme/{other_cohort.id}/group").status_code == 403
    assert client.get("/my-programme/999999/group").status_code == 404
