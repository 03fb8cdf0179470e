"""The cohort schedule: module dates, their checks, and the group project deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from certify.cohorts import schedule
from certify.cohorts.models import Cohort, CohortModule
from certify.core.errors import ValidationError
from certify.extensions import db
from tests.cohorts.conftest import make_cohort, make_programme


@pytest.fixture
def real_cohort(programme, tutor):
    """A cohort of the real five-module programme, from 2 March to 31 July 2026."""
    return make_cohort(programme, "Cohorte con calendario", tutors=[tutor])


def modules(cohort):
    return {module.code: module for module in cohort.programme.modules}


def test_module_deadlines_list_every_module(real_cohort):
    m = modules(real_cohort)
    assert schedule.module_deadlines(real_cohort) == {module.id: None for module in m.values()}
    schedule.set_module_dates(real_cohort, m["M2"], opens_on=date(2026, 4, 1),
                              due_on=date(2026, 4, 30))
    deadlines = schedule.module_deadlines(real_cohort)
    assert deadlines[m["M2"].id] == date(2026, 4, 30)
    assert list(deadlines) == [module.id for module in real_cohort.programme.modules]
    assert sum(due is not None for due in deadlines.values()) == 1


def test_set_module_dates_updates_in_place_and_clears(real_cohort):
    m1 = modules(real_cohort)["M1"]
    first = schedule.set_module_dates(real_cohort, m1, opens_on=date(2026, 3, 2),
                                      due_on=date(2026, 3, 31))
    again = schedule.set_module_dates(real_cohort, m1, opens_on=None, due_on=date(2026, 4, 5))
    assert again.id == first.id and (again.opens_on, again.due_on) == (None, date(2026, 4, 5))
    assert schedule.set_module_dates(real_cohort, m1, opens_on=None, due_on=None) is None
    assert db.session.scalar(sa.select(sa.func.count(CohortModule.id))) == 0
    first = schedule.cohort_schedule(real_cohort)[0]
    assert (first.module.code, first.opens_on, first.due_on) == ("M1", None, None)


@pytest.mark.parametrize(("opens_on", "due_on", "field"), [
    (date(2026, 4, 30), date(2026, 4, 1), "due_on"),     # due before it opens
    (date(2026, 2, 1), date(2026, 3, 15), "opens_on"),   # before the cohort starts
    (date(2026, 7, 1), date(2026, 8, 15), "due_on"),     # after the cohort ends
    (date(1926, 4, 1), None, "opens_on"),                # a typing slip
])
def test_module_dates_are_checked(real_cohort, opens_on, due_on, field):
    with pytest.raises(ValidationError) as raised:
        schedule.set_module_dates(real_cohort, modules(real_cohort)["M3"], opens_on=opens_on,
                                  due_on=due_on)
    assert field in raised.value.errors
    assert db.session.scalar(sa.select(sa.func.count(CohortModule.id))) == 0


def test_a_module_lasts_a_year_at_most(small_programme):
    open_ended = make_cohort(small_programme, "Sin fechas", starts_on=None, ends_on=None)
    module = small_programme.modules[0]
    with pytest.raises(ValidationError) as raised:
        schedule.set_module_dates(open_ended, module, opens_on=date(2026, 1, 1),
                                  due_on=date(2027, 1, 3))
    assert "due_on" in raised.value.errors
    row = schedule.set_module_dates(open_ended, module, opens_on=date(2026, 1, 1),
                                    due_on=date(2027, 1, 1))
    assert row.due_on == date(2027, 1, 1)


def test_a_module_of_another_programme_is_refused(real_cohort):
    other = make_programme("OTRO")
    with pytest.raises(ValidationError) as raised:
        schedule.set_module_dates(real_cohort, other.modules[0], opens_on=None,
                                  due_on=date(2026, 4, 1))
    assert "module_id" in raised.value.errors


def test_the_database_keeps_module_dates_in_order(real_cohort):
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(CohortModule(cohort=real_cohort, module=modules(real_cohort)["M1"],
                                    opens_on=date(2026, 5, 1), due_on=date(2026, 4, 1)))


def test_set_schedule_is_all_or_nothing(real_cohort):
    m = modules(real_cohort)
    good = {m["M1"]: (date(2026, 3, 2), date(2026, 3, 29)),
            m["M2"]: (date(2026, 3, 30), date(2026, 4, 26))}
    bad = dict(good) | {m["M3"]: (date(2026, 5, 10), date(2026, 5, 1))}
    with pytest.raises(ValidationError) as raised:
        schedule.set_schedule(real_cohort, bad, project_due_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert set(raised.value.errors) == {"M3.due_on", "project_due_at"}
    assert db.session.scalar(sa.select(sa.func.count(CohortModule.id))) == 0
    assert real_cohort.project_due_at is None

    due = datetime(2026, 7, 10, 23, 59, tzinfo=timezone(timedelta(hours=-4)))
    schedule.set_schedule(real_cohort, good, project_due_at=due)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Cohort, real_cohort.id)
    assert stored.project_due_at == due and stored.project_due_at.tzinfo is not None
    assert [(s.module.code, s.due_on) for s in schedule.cohort_schedule(stored)][:3] == [
        ("M1", date(2026, 3, 29)), ("M2", date(2026, 4, 26)), ("M3", None)]
    schedule.set_schedule(stored, {m["M1"]: (None, None)})  # the deadline is left alone
    assert stored.project_due_at == due
    assert schedule.module_deadlines(stored)[m["M1"].id] is None


@pytest.mark.parametrize("due_at", [
    datetime(2026, 7, 10, 12, 0),                       # no time zone
    datetime(2026, 2, 27, 12, 0, tzinfo=UTC),           # before the cohort starts
    datetime(2026, 8, 2, 12, 0, tzinfo=UTC),            # after the cohort ends
])
def test_the_project_deadline_is_checked(real_cohort, due_at):
    with pytest.raises(ValidationError) as raised:
        schedule.set_project_deadline(real_cohort, due_at)
    assert "project_due_at" in raised.value.errors
    assert real_cohort.project_due_at is None


def test_the_project_deadline_allows_for_time_zones_and_can_be_cleared(real_cohort):
    # 31 July, 23:59 in Santiago is already 1 August in UTC.
    late_evening = datetime(2026, 8, 1, 3, 59, tzinfo=UTC)
    assert schedule.set_project_deadline(real_cohort, late_evening).project_due_at == late_evening
    assert schedule.set_project_deadline(real_cohort, None).project_due_at is None
