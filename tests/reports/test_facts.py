"""The read model: kept up to date by the signals as people work, and rebuilt in full."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.cohorts.enrolments import find_enrolment, set_enrolment_status
from certify.core.jobs import JobStatus, enqueue, run_job
from certify.demo.national import PILOT_SIZE
from certify.demo.world import NEXT_COHORT_OFFICIALS
from certify.extensions import db
from certify.progress.services import cohort_progress
from certify.reports.facts import last_refresh, refresh_programme
from certify.reports.funnel import funnel
from certify.reports.jobs import REFRESH
from certify.reports.models import ReportFact, SurveyTally
from certify.reports.scope import make_scope

FACT_COLUMNS = (ReportFact.person_id, ReportFact.cohort_id, ReportFact.municipality_id,
                ReportFact.gender, ReportFact.birth_year, ReportFact.active,
                ReportFact.virtual_modules_passed, ReportFact.attended_in_person,
                ReportFact.prototype_passed)
TALLY_COLUMNS = (SurveyTally.survey_id, SurveyTally.by_place, SurveyTally.item_id,
                 SurveyTally.region_id, SurveyTally.kind, SurveyTally.responses,
                 SurveyTally.answers, SurveyTally.total)


def snapshot():
    facts = db.session.execute(sa.select(*FACT_COLUMNS).order_by(ReportFact.person_id)).all()
    tallies = sorted(db.session.execute(sa.select(*TALLY_COLUMNS)).all(),
                     key=lambda row: tuple(-1 if v is None else v for v in row[:3])
                     + tuple(str(v) for v in row[3:]))
    return facts, tallies


pytestmark = pytest.mark.demo_world


@pytest.fixture
def app(demo_world):
    return demo_world.app


def test_the_signals_keep_the_read_model_equal_to_a_full_rebuild(demo):
    kept = snapshot()
    # The demo cohort's 60 officials, the certified pilot's and the next cohort's.
    assert len(kept[0]) == 60 + PILOT_SIZE + NEXT_COHORT_OFFICIALS and kept[1], \
        "the steps were recorded as they happened"
    refresh_programme(demo.cohort.programme)
    db.session.commit()
    assert snapshot() == kept
    # ... and the funnel agrees with the eligibility shown on the cohort overview.
    rows = cohort_progress(demo.cohort)
    steps = {step.step.value: step.people for step in funnel(make_scope(
        programme_id=demo.cohort.programme_id, cohort_id=demo.cohort.id))}

    def met(row, step) -> bool:
        return all(r.met for r in row.eligibility.requirements if r.step == step)

    quizzes = [row for row in rows if met(row, "quiz")]
    attended = [row for row in quizzes if met(row, "in_person")]
    prototype = [row for row in attended if met(row, "prototype")]
    assert (steps["enrolled"], steps["virtual_modules"], steps["in_person"],
            steps["prototype"]) == (60, len(quizzes), len(attended), len(prototype))


def test_what_sends_no_signal_is_caught_by_the_refresh(app, demo):
    person = demo.cohort.enrolments[0].person
    set_enrolment_status(find_enrolment(demo.cohort, person), "withdrawn")
    db.session.commit()

    def active() -> bool:
        return db.session.scalar(sa.select(ReportFact.active).where(
            ReportFact.person_id == person.id))

    assert active() is True  # a withdrawal sends no signal
    refresh_programme(demo.cohort.programme)
    db.session.commit()
    assert active() is False
    assert last_refresh(demo.cohort.programme).seconds >= 0
    # The job behind the dashboard's "Recount now", and ``certify reports refresh``.
    programme = demo.cohort.programme
    job = enqueue(REFRESH, hand_over=False, programme_id=programme.id)
    db.session.commit()
    assert run_job(job.id).status is JobStatus.SUCCEEDED
    assert last_refresh(programme) is not None
    result = app.test_cli_runner().invoke(args=["reports", "refresh", "--programme",
                                                programme.code])
    assert result.exit_code == 0 and f"{programme.code}: refreshed in" in result.output


def test_the_funnel_never_has_more_people_at_a_later_step(app, client, login_as, demo):
    """The pilot's historical certificates are counted apart, not after this year's steps."""
    from certify.accounts.models import Person, Role
    from certify.reports.funnel import FunnelStep

    steps = funnel(make_scope(programme_id=demo.cohort.programme_id))
    people = [step.people for step in steps]
    assert people == sorted(people, reverse=True)
    certified = steps[-1]
    assert certified.step is FunnelStep.CERTIFIED and certified.apart == PILOT_SIZE
    manager = db.session.scalar(sa.select(Person).where(Person.role_grants.any(role=Role.MANAGER)))
    login_as(manager)
    every_year = f"/reports/funnel?programme_id={demo.cohort.programme_id}&year=&lang=en"
    assert f"Not counted above: {PILOT_SIZE} certified" in client.get(every_year).text
    # By default the page follows the cohorts of the current period: the pilot's are not
    # among them, so its certificates are not counted at all.
    page = client.get(f"/reports/funnel?programme_id={demo.cohort.programme_id}&lang=en").text
    assert "This is the current period" in page and "Not counted above" not in page
