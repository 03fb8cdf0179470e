"""Project groups: creating them, adding, moving and removing people, history, suggestions."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from certify.cohorts import enrolments, groups
from certify.cohorts.groups import ChangeKind
from certify.cohorts.models import GroupMembership, ProjectGroup
from certify.core.audit import AuditEvent
from certify.core.errors import Conflict, ValidationError
from certify.extensions import db
from tests.cohorts.conftest import make_cohort
from tests.factories import enrol, make_municipality, make_person


def make_group(cohort, name, by, members=()):
    group = groups.create_group(cohort, name, by=by)
    for person in members:
        groups.add_member(group, person, by=by)
    db.session.commit()
    return group


def enrolled_people(cohort, count, municipality=None):
    return [enrol(cohort, make_person(municipality=municipality)).person for _ in range(count)]


def memberships_of(person) -> list[GroupMembership]:
    return list(db.session.scalars(sa.select(GroupMembership).where(
        GroupMembership.person_id == person.id).order_by(GroupMembership.id)))


# --- creating groups ---------------------------------------------------------------------------

def test_create_group_cleans_the_name_and_records_who(cohort, tutor):
    group = groups.create_group(cohort, "  Equipo   Lonquimay ", by=tutor)
    db.session.commit()
    assert group.name == "Equipo Lonquimay" and group.cohort_id == cohort.id
    assert group.created_at.tzinfo is not None
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.subject_id == group.id, AuditEvent.subject_type == "ProjectGroup"))
    assert event.action == "project_group.created" and event.actor_id == tutor.id


def test_group_names_are_unique_per_cohort_ignoring_case(cohort, other_cohort, tutor):
    make_group(cohort, "Grupo 1", tutor)
    with pytest.raises(Conflict) as raised:
        groups.create_group(cohort, "GRUPO  1", by=tutor)
    assert "name" in raised.value.errors
    assert groups.create_group(other_cohort, "Grupo 1", by=tutor).id is not None


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_group_needs_a_sensible_name(cohort, tutor, name):
    with pytest.raises(ValidationError) as raised:
        groups.create_group(cohort, name, by=tutor)
    assert "name" in raised.value.errors
    assert db.session.scalar(sa.select(sa.func.count(ProjectGroup.id))) == 0


# --- adding, moving, removing ------------------------------------------------------------------

def test_add_member_needs_an_active_enrolment(cohort, tutor, official):
    group = make_group(cohort, "Grupo 1", tutor)
    with pytest.raises(ValidationError) as raised:
        groups.add_member(group, official, by=tutor)
    assert "person_id" in raised.value.errors
    enrolment = enrol(cohort, official)
    enrolments.set_enrolment_status(enrolment, "withdrawn")
    with pytest.raises(ValidationError):
        groups.add_member(group, official, by=tutor)
    enrolments.set_enrolment_status(enrolment, "active")
    membership = groups.add_member(group, official, by=tutor, reason="  Vive cerca  ")
    assert (membership.moved_by, membership.reason, membership.left_at) == (tutor, "Vive cerca",
                                                                             None)
    assert groups.current_group(official, cohort) == group
    assert groups.current_members(group) == [official]


def test_adding_someone_already_in_the_group_changes_nothing(cohort, tutor, enrolled, official):
    group = make_group(cohort, "Grupo 1", tutor, [official])
    first = memberships_of(official)
    assert groups.add_member(group, official, by=tutor) == first[0]
    assert memberships_of(official) == first


def test_moving_keeps_the_history(cohort, tutor, manager, enrolled, official):
    first = make_group(cohort, "Grupo 1", tutor, [official])
    second = make_group(cohort, "Grupo 2", tutor)
    moved = groups.move_member(official, second, by=manager, reason="Mismo municipio que Ana")
    db.session.commit()
    old, new = memberships_of(official)
    assert old.group == first and new == moved and new.group == second
    assert old.left_at is not None and old.left_at == new.joined_at
    assert (old.left_by, old.left_reason) == (manager, "Mismo municipio que Ana")
    assert (new.moved_by, new.reason, new.cohort_id) == (manager, "Mismo municipio que Ana",
                                                         cohort.id)
    assert groups.current_group(official, cohort) == second
    assert groups.current_members(first) == [] and groups.current_members(second) == [official]


def test_add_member_moves_someone_from_another_group_only_with_a_reason(cohort, tutor, enrolled,
                                                                         official):
    make_group(cohort, "Grupo 1", tutor, [official])
    second = make_group(cohort, "Grupo 2", tutor)
    with pytest.raises(ValidationError) as raised:
        groups.add_member(second, official, by=tutor)
    assert "reason" in raised.value.errors
    groups.add_member(second, official, by=tutor, reason="Pidió cambiarse")
    assert groups.current_group(official, cohort) == second
    assert len(memberships_of(official)) == 2


def test_move_member_refuses_what_is_not_a_move(cohort, tutor, enrolled, official):
    first = make_group(cohort, "Grupo 1", tutor)
    with pytest.raises(ValidationError) as raised:
        groups.move_member(official, first, by=tutor, reason="Porque sí")
    assert "person_id" in raised.value.errors  # in no group yet
    groups.add_member(first, official, by=tutor)
    with pytest.raises(ValidationError) as raised:
        groups.move_member(official, first, by=tutor, reason="Porque sí")
    assert "group_id" in raised.value.errors  # already there
    second = make_group(cohort, "Grupo 2", tutor)
    for reason in ("", "   ", "x" * 1001):
        with pytest.raises(ValidationError) as raised:
            groups.move_member(official, second, by=tutor, reason=reason)
        assert "reason" in raised.value.errors
    assert groups.current_group(official, cohort) == first


def test_remove_member_closes_the_membership_with_a_reason(cohort, tutor, enrolled, official):
    group = make_group(cohort, "Grupo 1", tutor, [official])
    with pytest.raises(ValidationError):
        groups.remove_member(official, cohort, by=tutor, reason=" ")
    closed = groups.remove_member(official, cohort, by=tutor, reason="Se retiró del programa")
    db.session.commit()
    assert closed.left_at is not None and closed.left_reason == "Se retiró del programa"
    assert groups.current_group(official, cohort) is None
    assert groups.current_members(group) == []
    with pytest.raises(ValidationError) as raised:
        groups.remove_member(official, cohort, by=tutor, reason="Otra vez")
    assert "person_id" in raised.value.errors


def test_people_without_group_are_the_active_ones_not_in_a_group(cohort, tutor):
    grouped, free, withdrawn = enrolled_people(cohort, 3)
    enrolments.set_enrolment_status(enrolments.find_enrolment(cohort, withdrawn), "withdrawn")
    make_group(cohort, "Grupo 1", tutor, [grouped])
    assert groups.people_without_group(cohort) == [free]


# --- what the database guarantees --------------------------------------------------------------

def test_the_database_refuses_two_current_memberships(cohort, tutor, enrolled, official):
    first = make_group(cohort, "Grupo 1", tutor, [official])
    second = make_group(cohort, "Grupo 2", tutor)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(GroupMembership(group=second, cohort_id=cohort.id, person=official))
    # Closed memberships are history, and any number of them is fine.
    groups.move_member(official, second, by=tutor, reason="Uno")
    groups.move_member(official, first, by=tutor, reason="Dos")
    db.session.commit()
    assert len(memberships_of(official)) == 3


def test_the_database_keeps_a_membership_in_its_groups_cohort(cohort, other_cohort, tutor,
                                                              enrolled, official):
    group = make_group(cohort, "Grupo 1", tutor)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(GroupMembership(group=group, cohort_id=other_cohort.id, person=official))


def test_a_concurrent_add_becomes_a_conflict(cohort, tutor, enrolled, official, monkeypatch):
    """Another request put the person in a group after this one looked."""
    make_group(cohort, "Grupo 1", tutor, [official])
    second = make_group(cohort, "Grupo 2", tutor)
    monkeypatch.setattr(groups, "_current_membership", lambda person, cohort: None)
    with pytest.raises(Conflict) as raised:
        groups.add_member(second, official, by=tutor)
    assert official.full_name in raised.value.message
    monkeypatch.undo()
    assert groups.current_group(official, cohort).name == "Grupo 1"  # the session still works


# --- reading -----------------------------------------------------------------------------------

def test_membership_history_tells_the_story(cohort, tutor, manager, enrolled, official):
    ana = enrol(cohort, make_person(given_names="Ana")).person
    first = make_group(cohort, "Grupo 1", tutor, [official, ana])
    second = make_group(cohort, "Grupo 2", tutor)
    groups.move_member(official, second, by=manager, reason="Equilibrar municipios")
    groups.remove_member(ana, cohort, by=tutor, reason="Se retiró")
    db.session.commit()

    story = [(c.kind, c.person, c.by, c.reason, c.other_group)
             for c in groups.membership_history(first)]
    assert story[:2] == [
        (ChangeKind.REMOVED, ana, tutor, "Se retiró", None),
        (ChangeKind.MOVED_OUT, official, manager, "Equilibrar municipios", second),
    ]
    assert sorted((kind, person.id) for kind, person, *_rest in story[2:]) == sorted(
        [(ChangeKind.JOINED, official.id), (ChangeKind.JOINED, ana.id)])
    assert [(c.kind, c.person, c.other_group) for c in groups.membership_history(second)] == [
        (ChangeKind.MOVED_IN, official, first)]


def test_groups_of_cohort_loads_members_in_a_fixed_number_of_queries(cohort, tutor,
                                                                     count_queries):
    place = make_municipality("Curarrehue")

    def add_groups(start, stop):
        for n in range(start, stop):
            make_group(cohort, f"Grupo {n}", tutor, enrolled_people(cohort, 3, place))

    def read():
        result = groups.groups_of_cohort(cohort)
        return [(g.name, [(p.full_name, p.municipality.region.country.code) for p in g.members])
                for g in result]

    add_groups(1, 3)
    db.session.expire_all()
    with count_queries() as few:
        assert len(read()) == 2
    add_groups(3, 9)
    db.session.expire_all()
    with count_queries() as many:
        listed = read()
    assert len(listed) == 8 and all(len(members) == 3 for _name, members in listed)
    assert many["n"] == few["n"]
    assert [name for name, _m in listed] == [f"Grupo {n}" for n in range(1, 9)]


# --- suggestions -------------------------------------------------------------------------------

@pytest.fixture
def seventeen(cohort):
    """17 people from 5 municipalities (4, 4, 3, 3, 3) of two countries."""
    places = [make_municipality("Melipeuco"), make_municipality("Lonquimay"),
              make_municipality("Río Branco", country="UY", region="Cerro Largo"),
              make_municipality("Herval", country="BR", region="Rio Grande do Sul"),
              make_municipality("Yuty", country="PY", region="Caazapá")]
    people = []
    for place, count in zip(places, (4, 4, 3, 3, 3), strict=True):
        people += enrolled_people(cohort, count, place)
    return people


def test_suggestions_have_sizes_in_range_and_mix_municipalities(cohort, seventeen):
    suggestion = groups.suggest_groups(cohort)
    sizes = sorted(len(group) for group in suggestion)
    assert sizes == [4, 4, 4, 5]
    assert sorted(p.id for group in suggestion for p in group) == sorted(p.id for p in seventeen)
    for group in suggestion:
        municipalities = Counter(person.municipality_id for person in group)
        assert max(municipalities.values()) == 1, municipalities
    assert [[p.id for p in g] for g in groups.suggest_groups(cohort)] == [
        [p.id for p in g] for g in suggestion]


def test_suggestions_respect_other_bounds(cohort, seventeen):
    for min_size, max_size in ((3, 6), (2, 3), (5, 6), (4, 9), (17, 20)):
        sizes = [len(g) for g in groups.suggest_groups(cohort, min_size=min_size,
                                                       max_size=max_size)]
        assert sum(sizes) == 17 and all(min_size <= size <= max_size for size in sizes)
        assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("people", [3, 4, 7, 11, 13, 26, 41])
def test_every_number_of_people_from_three_up_is_grouped_within_bounds(cohort, people):
    place = make_municipality("Tupambaé", country="UY", region="Cerro Largo")
    enrolled_people(cohort, people, place)
    sizes = [len(g) for g in groups.suggest_groups(cohort)]
    assert sum(sizes) == people and all(3 <= size <= 6 for size in sizes)


def test_a_big_municipality_is_spread_as_evenly_as_possible(cohort):
    big, small = make_municipality("Calama", kind="urban"), make_municipality("Empedrado")
    enrolled_people(cohort, 9, big)
    enrolled_people(cohort, 3, small)
    suggestion = groups.suggest_groups(cohort)  # 12 people: 3 groups of 4
    assert len(suggestion) == 3
    assert [sum(p.municipality_id == big.id for p in g) for g in suggestion] == [3, 3, 3]


def test_suggestions_leave_out_people_already_grouped_or_inactive(cohort, tutor):
    grouped = enrolled_people(cohort, 3)
    make_group(cohort, "Grupo 1", tutor, grouped)
    free = enrolled_people(cohort, 4)
    enrolments.set_enrolment_status(enrolments.find_enrolment(cohort, free[0]), "inactive")
    suggestion = groups.suggest_groups(cohort)
    assert sorted(p.id for g in suggestion for p in g) == sorted(p.id for p in free[1:])


def test_suggestions_explain_impossible_requests(cohort):
    assert groups.suggest_groups(cohort) == []
    enrolled_people(cohort, 2)
    with pytest.raises(ValidationError) as raised:
        groups.suggest_groups(cohort)
    assert "2" in raised.value.message
    with pytest.raises(ValidationError):
        groups.suggest_groups(cohort, min_size=4, max_size=3)
    with pytest.raises(ValidationError):
        groups.suggest_groups(cohort, min_size=0, max_size=3)


def test_apply_suggestion_creates_the_groups(cohort, tutor, seventeen):
    make_group(cohort, "Grupo 2", tutor)
    suggestion = groups.suggest_groups(cohort)
    created = groups.apply_suggestion(cohort, suggestion, by=tutor, name_prefix="Equipo")
    db.session.commit()
    assert [g.name for g in created] == ["Equipo 1", "Equipo 2", "Equipo 3", "Equipo 4"]
    for group, people in zip(created, suggestion, strict=True):
        assert {p.id for p in groups.current_members(group)} == {p.id for p in people}
    assert groups.people_without_group(cohort) == []
    again = groups.apply_suggestion(cohort, [enrolled_people(cohort, 1)], by=tutor)
    assert [g.name for g in again] == ["Grupo 1"]  # "Grupo 2" is taken, "Grupo 1" is not


def test_apply_suggestion_is_all_or_nothing(cohort, tutor, seventeen):
    suggestion = groups.suggest_groups(cohort)
    make_group(cohort, "Ya armado", tutor, [suggestion[-1][-1]])
    with pytest.raises(Conflict) as raised:
        groups.apply_suggestion(cohort, suggestion, by=tutor)
    assert suggestion[-1][-1].full_name in raised.value.message
    assert db.session.scalar(sa.select(sa.func.count(ProjectGroup.id))) == 1
    with pytest.raises(ValidationError):
        groups.apply_suggestion(cohort, [suggestion[0], suggestion[0][:1]], by=tutor)
    with pytest.raises(ValidationError):
        groups.apply_suggestion(cohort, [suggestion[0], []], by=tutor)
    with pytest.raises(ValidationError):
        groups.apply_suggestion(cohort, [], by=tutor)


def test_only_managers_and_the_cohorts_tutors_manage_groups(cohort, tutor, other_tutor, manager,
                                                            admin, enrolled, official):
    assert groups.can_manage_groups(tutor, cohort) and groups.can_manage_groups(manager, cohort)
    assert groups.can_manage_groups(admin, cohort)
    assert not groups.can_manage_groups(other_tutor, cohort)
    assert not groups.can_manage_groups(official, cohort)


def test_a_cohort_of_its_own_does_not_share_groups(small_programme, cohort, tutor):
    elsewhere = make_cohort(small_programme, "Otra cohorte", tutors=[tutor])
    person = make_person()
    enrol(cohort, person)
    enrol(elsewhere, person)
    make_group(cohort, "Grupo 1", tutor, [person])
    make_group(elsewhere, "Grupo 1", tutor, [person])  # one current group per cohort
    assert groups.current_group(person, cohort).cohort_id == cohort.id
    assert groups.current_group(person, elsewhere).cohort_id == elsewhere.id
