"""Scheduling sessions, and who sees them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from certify.attendance import services
from certify.cohorts import enrolments
from certify.cohorts.models import EnrolmentStatus
from certify.core.errors import ValidationError
from certify.extensions import db
from tests.attendance.conftest import in_person, make_programme, make_session
from tests.factories import make_cohort, make_person

pytestmark = pytest.mark.usefixtures("english")

START = datetime(2026, 10, 6, 12, 0, tzinfo=UTC)


def details(cohort, **changes):
    values = {"cohort": cohort, "module": in_person(cohort.programme), "title": "Santiago",
              "starts_at": START, "ends_at": START + timedelta(hours=8),
              "venue": "Centro Cultural", "capacity": 40}
    values.update(changes)
    return values


def test_a_manager_schedules_a_session(cohort):
    session = services.create_session(**details(cohort, title="  Santiago,   día 1 "))
    assert session.id and session.title == "Santiago, día 1" and session.registration_open
    assert session.starts_at == START


def test_every_bad_field_is_named_at_once(cohort):
    virtual = next(m for m in cohort.programme.modules if m.is_virtual)
    with pytest.raises(ValidationError) as caught:
        services.create_session(**details(
            cohort, module=virtual, title=" ", venue="", capacity=0,
            ends_at=START - timedelta(hours=1)))
    assert set(caught.value.errors) == {"module_id", "title", "venue", "capacity", "ends_at"}


def test_times_need_a_time_zone(cohort):
    with pytest.raises(ValidationError) as caught:
        services.create_session(**details(cohort, starts_at=datetime(2026, 10, 6, 9)))
    assert set(caught.value.errors) == {"starts_at"}


def test_the_module_must_belong_to_the_cohort_s_programme(cohort):
    elsewhere = make_programme("OTRO")
    with pytest.raises(ValidationError, match="module_id"):
        services.create_session(**details(cohort, module=in_person(elsewhere)))


def test_update_checks_everything_before_changing_anything(session):
    title = session.title
    with pytest.raises(ValidationError):
        services.update_session(session, title="Nuevo", ends_at=session.starts_at)
    db.session.rollback()
    assert session.title == title
    services.update_session(session, title="Nuevo", registration_open=False)
    assert session.title == "Nuevo" and not session.registration_open


def test_who_sees_which_sessions(small_programme, cohort, other_cohort, tutor, other_tutor,
                                 manager, official):
    mine = make_session(cohort)
    theirs = make_session(other_cohort)
    enrolment = enrolments.enrol(cohort, official)
    db.session.commit()

    def visible(person):
        return [s.id for s in db.session.scalars(services.sessions_query(visible_to=person))]

    assert visible(manager) == [mine.id, theirs.id]
    assert visible(tutor) == [mine.id] and visible(other_tutor) == [theirs.id]
    assert visible(official) == [mine.id] and visible(make_person()) == []
    assert services.can_view_session(official, mine)
    assert not services.can_view_session(official, theirs)
    assert services.can_run_session(tutor, mine) and not services.can_run_session(tutor, theirs)
    assert not services.can_run_session(official, mine)
    enrolments.set_enrolment_status(enrolment, EnrolmentStatus.INACTIVE)
    assert visible(official) == [] and not services.can_view_session(official, mine)
    assert [s.id for s in db.session.scalars(
        services.sessions_query(visible_to=manager, cohort_id=other_cohort.id))] == [theirs.id]


def test_in_person_modules(small_programme):
    other = make_programme("ZZZ")
    assert services.in_person_modules() == [in_person(small_programme), in_person(other)]
    assert services.in_person_modules(other) == [in_person(other)]
    make_cohort(other, "Cohorte Z")
