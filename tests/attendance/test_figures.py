"""session_figures and attendance_by_person: right numbers, a bounded number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from certify.attendance import services
from certify.attendance.models import AttendanceStatus
from certify.attendance.services import SessionFigures
from certify.extensions import db
from tests.attendance.conftest import make_session
from tests.factories import make_person


def seat(session, person):
    registration = services.register(session, person, now=session.starts_at - timedelta(days=1))
    db.session.flush()
    return registration


def test_figures_of_a_session(cohort, tutor, officials):
    session = make_session(cohort, capacity=5, starts_in=-timedelta(minutes=1))
    present, late, excused, absent, missing, waiting = officials(6)
    for person in (present, late, excused, absent, missing, waiting):
        seat(session, person)
    for person, status in ((present, AttendanceStatus.PRESENT), (late, AttendanceStatus.LATE),
                           (excused, AttendanceStatus.EXCUSED), (absent, AttendanceStatus.ABSENT)):
        services.check_in_person(session, person, status, by=tutor)
    services.add_walk_in(session, make_person(), by=tutor)
    services.close_session(session, by=tutor)
    empty = make_session(cohort, title="Vacía")

    figures = services.session_figures([session, empty])

    assert figures[session.id] == SessionFigures(
        registered=5, waitlisted=1, attended=3, attended_registered=2, walk_ins=1, no_shows=1,
        excused=1, absent=1)
    assert figures[session.id].attendance_rate == pytest.approx(2 / 5)
    assert figures[empty.id] == SessionFigures() and figures[empty.id].attendance_rate is None
    assert services.session_figures([]) == {}


def test_cancelled_registrations_count_nowhere(session, enrolled):
    registration = seat(session, enrolled)
    services.cancel_registration(registration)
    assert services.session_figures([session])[session.id] == SessionFigures()


def test_session_figures_cost_one_query_whatever_the_numbers(cohort, tutor, officials,
                                                            count_queries):
    sessions = [make_session(cohort, title=f"Sesión {n}", capacity=3,
                             starts_in=-timedelta(minutes=1)) for n in range(4)]
    for session in sessions:
        for person in officials(4):
            seat(session, person)
            services.add_walk_in(session, make_person(), by=tutor)
    db.session.commit()
    for session in sessions:
        db.session.refresh(session)  # loaded, as a page would have them
    with count_queries() as counter:
        figures = services.session_figures(sessions)
    assert counter["n"] == 1
    assert all(f.registered == 3 and f.waitlisted == 1 and f.walk_ins == 4
               for f in figures.values())


def test_attendance_by_person_keeps_each_person_s_best_status(cohort, other_cohort, tutor,
                                                             officials):
    day1 = make_session(cohort, title="Día 1", starts_in=-timedelta(hours=30))
    day2 = make_session(cohort, title="Día 2", starts_in=-timedelta(hours=5))
    both, only_late, excused, never, not_checked = officials(5)
    for session in (day1, day2):
        for person in (both, only_late, excused, never):
            seat(session, person)
    seat(day2, not_checked)
    services.check_in_person(day1, both, AttendanceStatus.LATE, by=tutor)
    services.check_in_person(day2, both, AttendanceStatus.PRESENT, by=tutor)
    services.check_in_person(day1, only_late, AttendanceStatus.LATE, by=tutor)
    services.check_in_person(day1, excused, AttendanceStatus.ABSENT, by=tutor)
    services.check_in_person(day2, excused, AttendanceStatus.EXCUSED, by=tutor)
    services.close_session(day1, by=tutor)
    elsewhere = make_session(other_cohort, starts_in=-timedelta(hours=1))
    walk_in = make_person()
    services.add_walk_in(elsewhere, walk_in, by=tutor)

    statuses = services.attendance_by_person(cohort)

    assert statuses == {both.id: AttendanceStatus.PRESENT, only_late.id: AttendanceStatus.LATE,
                        excused.id: AttendanceStatus.EXCUSED, never.id: AttendanceStatus.NO_SHOW}
    assert services.attendance_by_person(other_cohort) == {walk_in.id: AttendanceStatus.PRESENT}
    assert services.attendance_by_person(cohort, module=day1.module)[both.id] is \
        AttendanceStatus.PRESENT


def test_attendance_by_person_costs_one_query(cohort, tutor, officials, count_queries):
    session = make_session(cohort, capacity=40, starts_in=-timedelta(minutes=1))
    people = officials(12)
    for person in people:
        seat(session, person)
        services.check_in_person(session, person, AttendanceStatus.PRESENT, by=tutor)
    db.session.commit()
    db.session.refresh(cohort)
    with count_queries() as counter:
        statuses = services.attendance_by_person(cohort)
    assert counter["n"] == 1 and len(statuses) == 12
