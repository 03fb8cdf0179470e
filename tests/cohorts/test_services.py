"""The cohorts services: creating and editing cohorts, tutors, enrolments, visibility."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from certify.accounts import services as accounts
from certify.accounts.importing import ImportRejected
from certify.accounts.models import Person, Role
from certify.cohorts import enrolments, services
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.core.errors import Conflict, NotFound, ValidationError
from certify.core.signals import enrolment_created
from certify.extensions import db
from tests.cohorts.conftest import make_cohort, make_programme
from tests.factories import enrol, make_municipality, make_person


def visible_names(person, **filters) -> list[str]:
    query = services.cohorts_query(visible_to=person, **filters)
    return [cohort.name for cohort in db.session.scalars(query)]


# --- creating and editing ----------------------------------------------------------------------

def test_create_cohort_stores_details_and_tutors(small_programme, tutor):
    cohort = services.create_cohort(small_programme, name="  Cohorte 1 ",
                                    starts_on=date(2026, 3, 1), ends_on=date(2026, 6, 30),
                                    tutors=[tutor, tutor])
    db.session.commit()
    stored = db.session.get(Cohort, cohort.id)
    assert stored.name == "Cohorte 1"
    assert (stored.starts_on, stored.ends_on) == (date(2026, 3, 1), date(2026, 6, 30))
    assert stored.tutors == [tutor]
    assert stored.programme_id == small_programme.id


def test_a_cohort_may_end_on_the_day_it_starts(small_programme):
    cohort = services.create_cohort(small_programme, name="Un día", starts_on=date(2026, 5, 5),
                                    ends_on=date(2026, 5, 5))
    assert cohort.id is not None


def test_a_cohort_cannot_end_before_it_starts(small_programme):
    with pytest.raises(ValidationError) as raised:
        services.create_cohort(small_programme, name="Al revés", starts_on=date(2026, 6, 1),
                               ends_on=date(2026, 5, 31))
    assert "ends_on" in raised.value.errors
    assert db.session.scalar(sa.select(sa.func.count(Cohort.id))) == 0


@pytest.mark.parametrize("name", ["", "   ", "x" * 161])
def test_a_cohort_needs_a_sensible_name(small_programme, name):
    with pytest.raises(ValidationError) as raised:
        services.create_cohort(small_programme, name=name)
    assert "name" in raised.value.errors


def test_names_are_unique_within_a_programme_ignoring_case(small_programme):
    make_cohort(small_programme, "Cohorte 1")
    with pytest.raises(Conflict) as raised:
        services.create_cohort(small_programme, name="COHORTE 1")
    assert "name" in raised.value.errors
    other = make_programme("OTRO")
    assert services.create_cohort(other, name="Cohorte 1").programme_id == other.id


def test_the_unique_constraint_is_reported_as_a_conflict(small_programme, monkeypatch):
    """A duplicate committed by a concurrent request between the check and the insert."""
    make_cohort(small_programme, "Carrera")
    monkeypatch.setattr(services, "_check_name_free", _check_only_the_second_time())
    with pytest.raises(Conflict):
        services.create_cohort(small_programme, name="Carrera")
    # The savepoint kept the session usable.
    assert services.create_cohort(small_programme, name="Otra").id is not None


def _check_only_the_second_time():
    original = services._check_name_free
    calls = []

    def check(*args, **kwargs):
        calls.append(args)
        if len(calls) > 1:
            original(*args, **kwargs)

    return check


def test_only_tutors_can_be_assigned(small_programme, official, tutor):
    with pytest.raises(ValidationError) as raised:
        services.create_cohort(small_programme, name="C", tutors=[tutor, official])
    assert official.email in raised.value.errors["tutor_ids"][0]
    cohort = make_cohort(small_programme, "C2")
    with pytest.raises(ValidationError):
        services.assign_tutor(cohort, official)
    with pytest.raises(ValidationError):
        services.set_tutors(cohort, [official])
    assert cohort.tutors == []


def test_a_tutor_limited_to_another_programme_cannot_tutor_this_one(small_programme, official):
    other = make_programme("OTRO")
    accounts.grant_role(official, Role.TUTOR, programme_id=other.id)
    with pytest.raises(ValidationError):
        services.create_cohort(small_programme, name="C", tutors=[official])
    assert services.create_cohort(other, name="C", tutors=[official]).tutors == [official]


def test_assign_set_and_remove_tutors(cohort, tutor, other_tutor):
    services.assign_tutor(cohort, tutor)
    services.assign_tutor(cohort, other_tutor)
    assert {t.id for t in cohort.tutors} == {tutor.id, other_tutor.id}
    services.remove_tutor(cohort, tutor)
    services.remove_tutor(cohort, tutor)  # not a tutor any more: nothing happens
    assert cohort.tutors == [other_tutor]
    services.set_tutors(cohort, [tutor])
    db.session.commit()
    assert db.session.get(Cohort, cohort.id).tutors == [tutor]


def test_update_cohort_checks_everything_before_changing_anything(small_programme, cohort):
    make_cohort(small_programme, "Tomado")
    with pytest.raises(Conflict):
        services.update_cohort(cohort, name="tomado", ends_on=date(2026, 12, 31))
    assert cohort.name == "Cohorte Araucanía 2026" and cohort.ends_on == date(2026, 7, 31)
    # The new end is compared with the start already stored.
    with pytest.raises(ValidationError) as raised:
        services.update_cohort(cohort, ends_on=date(2026, 1, 1))
    assert "ends_on" in raised.value.errors
    services.update_cohort(cohort, name="Renombrada", starts_on=None)
    db.session.commit()
    stored = db.session.get(Cohort, cohort.id)
    assert stored.name == "Renombrada"
    assert (stored.starts_on, stored.ends_on) == (None, date(2026, 7, 31))


def test_get_cohort_and_enrolment_raise_not_found():
    with pytest.raises(NotFound):
        services.get_cohort(987654)
    with pytest.raises(NotFound):
        enrolments.get_enrolment(987654)


# --- enrolments --------------------------------------------------------------------------------

@pytest.fixture
def announced():
    sent = []

    def receiver(sender, **details):
        sent.append((sender, details))

    enrolment_created.connect(receiver)
    yield sent
    enrolment_created.disconnect(receiver)


def test_enrol_is_idempotent_and_announces_only_new_enrolments(cohort, official, announced):
    first = enrolments.enrol(cohort, official)
    second = enrolments.enrol(cohort, official)
    db.session.commit()
    assert first is second and first.status is EnrolmentStatus.ACTIVE
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 1
    assert len(announced) == 1
    sender, details = announced[0]
    assert sender is first and details == {"cohort": cohort, "person": official}


@pytest.mark.parametrize("status", [EnrolmentStatus.INACTIVE, EnrolmentStatus.WITHDRAWN])
def test_enrolling_again_reactivates(cohort, official, announced, status):
    enrolment = enrol(cohort, official)
    enrolments.set_enrolment_status(enrolment, status)
    assert enrolments.enrol(cohort, official).id == enrolment.id
    assert enrolment.status is EnrolmentStatus.ACTIVE
    assert len(announced) == 1  # only the first enrolment


def test_set_enrolment_status_rejects_unknown_statuses(enrolled):
    with pytest.raises(ValidationError) as raised:
        enrolments.set_enrolment_status(enrolled, "graduated")
    assert "status" in raised.value.errors
    assert enrolled.status is EnrolmentStatus.ACTIVE


def test_enrol_many_counts_what_it_did(cohort, announced):
    people = [make_person() for _ in range(4)]
    enrol(cohort, people[0])
    enrolments.set_enrolment_status(enrol(cohort, people[1]), EnrolmentStatus.WITHDRAWN)
    announced.clear()
    counts = enrolments.enrol_many(cohort, people + [people[3]])
    assert (counts.created, counts.reactivated, counts.unchanged) == (2, 1, 1)
    assert counts.total == 4
    assert {sender.person_id for sender, _ in announced} == {people[2].id, people[3].id}
    assert enrolments.active_enrolment_counts([cohort]) == {cohort.id: 4}


def test_enrol_by_email_is_all_or_nothing(cohort, official):
    with pytest.raises(enrolments.UnknownEmails) as raised:
        enrolments.enrol_by_email(cohort, [official.email.upper(), "nadie@example.org",
                                           "no-at-sign"])
    assert raised.value.unknown == ["nadie@example.org"]
    assert raised.value.invalid == ["no-at-sign"]
    assert len(raised.value.errors["emails"]) == 2
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 0
    counts = enrolments.enrol_by_email(cohort, [official.email.upper(), official.email])
    assert counts.created == 1 and services.is_enrolled_in(official, cohort)


def test_enrol_by_email_needs_at_least_one_address(cohort):
    with pytest.raises(ValidationError):
        enrolments.enrol_by_email(cohort, enrolments.split_emails(" \n\n "))


def test_split_emails_accepts_lines_commas_and_semicolons():
    assert enrolments.split_emails("a@x.org\r\nb@x.org, c@x.org;d@x.org\n\na@x.org ") == [
        "a@x.org", "b@x.org", "c@x.org", "d@x.org"]


def test_import_into_cohort_creates_updates_and_enrols(cohort, official):
    make_municipality("Melipeuco", country="CL")
    csv_text = ("email,given_names,family_names,municipality,country\n"
                "nueva@example.org,Nueva,Persona,Melipeuco,CL\n"
                f"{official.email},Ya,Registrada,melipeuco,cl\n")
    result = enrolments.import_into_cohort(cohort, csv_text)
    assert len(result.people.created) == 1 and len(result.people.updated) == 1
    assert result.enrolments.created == 2
    assert enrolments.active_enrolment_counts([cohort])[cohort.id] == 2


def test_import_into_cohort_rejects_the_whole_file_for_one_bad_row(cohort):
    make_municipality("Melipeuco", country="CL")
    csv_text = ("email,given_names,family_names,municipality,country\n"
                "nueva@example.org,Nueva,Persona,Melipeuco,CL\n"
                "mala@example.org,Mala,Fila,Atlántida,CL\n")
    with pytest.raises(ImportRejected) as raised:
        enrolments.import_into_cohort(cohort, csv_text)
    assert [error.line for error in raised.value.row_errors] == [3]
    db.session.rollback()
    assert accounts.find_person_by_email("nueva@example.org") is None
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 0
    result = enrolments.import_into_cohort(cohort, csv_text, skip_invalid=True)
    assert result.enrolments.created == 1 and len(result.people.errors) == 1


# --- who sees what -----------------------------------------------------------------------------

def test_visibility_of_cohorts(small_programme, cohort, other_cohort, tutor, other_tutor,
                               official, manager, admin):
    enrol(other_cohort, official)
    nobody = make_person(role=None)
    both = make_person(Role.TUTOR)
    accounts.grant_role(both, Role.OFFICIAL)
    services.assign_tutor(cohort, both)
    enrol(other_cohort, both)
    everything = ["Cohorte Uruguay 2026", "Cohorte Araucanía 2026"]  # newest first
    assert visible_names(manager) == everything
    assert visible_names(admin) == everything
    assert visible_names(tutor) == ["Cohorte Araucanía 2026"]
    assert visible_names(other_tutor) == ["Cohorte Uruguay 2026"]
    assert visible_names(official) == ["Cohorte Uruguay 2026"]
    assert visible_names(both) == everything
    assert visible_names(nobody) == []
    for person, expected in [(manager, True), (admin, True), (tutor, True), (other_tutor, False),
                             (official, False), (nobody, False), (both, True)]:
        assert services.can_view_cohort(person, cohort) is expected, person


def test_a_former_tutor_no_longer_sees_the_cohort(cohort, tutor):
    accounts.revoke_role(tutor, Role.TUTOR)
    assert visible_names(tutor) == []
    assert not services.can_view_cohort(tutor, cohort)


def test_cohorts_query_filters(small_programme, cohort, other_cohort, manager):
    other_programme = make_programme("OTRO")
    make_cohort(other_programme, "Cohorte 100%")
    assert visible_names(manager, programme_id=other_programme.id) == ["Cohorte 100%"]
    assert visible_names(manager, search="uruguay") == ["Cohorte Uruguay 2026"]
    assert visible_names(manager, search="100%") == ["Cohorte 100%"]
    assert visible_names(manager, search="%") == ["Cohorte 100%"]  # % is a literal character


def test_visibility_of_enrolments(cohort, other_cohort, tutor, official, manager):
    mine = enrol(cohort, official)
    other = enrol(other_cohort, make_person())
    theirs = enrol(cohort, make_person())

    def ids(person, **filters):
        query = enrolments.visible_enrolments_query(visible_to=person, **filters)
        return {e.id for e in db.session.scalars(query)}

    assert ids(manager) == {mine.id, other.id, theirs.id}
    assert ids(tutor) == {mine.id, theirs.id}
    assert ids(official) == {mine.id}
    assert ids(tutor, cohort_id=other_cohort.id) == set()
    assert ids(manager, person_id=official.id) == {mine.id}
    enrolments.set_enrolment_status(theirs, EnrolmentStatus.WITHDRAWN)
    assert ids(manager, status="withdrawn") == {theirs.id}


def test_enrolments_query_searches_names_and_email(cohort):
    ana = make_person(given_names="Ana", family_names="Zúñiga", email="ana@muni.cl")
    luis = make_person(given_names="Luis", family_names="Alvarado", email="luis@muni.uy")
    for person in (ana, luis):
        enrol(cohort, person)

    def names(**filters) -> list[str]:
        return [e.person.given_names
                for e in db.session.scalars(enrolments.enrolments_query(cohort, **filters))]

    assert names() == ["Luis", "Ana"]  # by family names
    assert names(search="ana z") == ["Ana"]
    assert names(search="MUNI.UY") == ["Luis"]
    enrolments.set_enrolment_status(enrolments.find_enrolment(cohort, ana), "inactive")
    assert names(status=EnrolmentStatus.INACTIVE) == ["Ana"]
    assert names(status="active") == ["Luis"]


def test_tutor_candidates_lists_only_active_tutors(small_programme, tutor, official):
    gone = make_person(Role.TUTOR)
    accounts.update_person(gone, active=False)
    candidates = services.tutor_candidates(small_programme)
    assert tutor in candidates and official not in candidates and gone not in candidates
    assert all(isinstance(person, Person) for person in candidates)
