"""The schedule page: tutors read it, managers change every module and the deadline at once."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from certify.cohorts import schedule
from certify.extensions import db
from tests.cohorts.conftest import make_cohort

# Pages render what the services (tested on both databases) return: SQLite only.
pytestmark = pytest.mark.one_database


@pytest.fixture
def real_cohort(programme, tutor):
    """A cohort of the real five-module programme, from 2 March to 31 July 2026."""
    return make_cohort(programme, "Cohorte con calendario", tutors=[tutor])


def form_data(cohort, dates: dict[str, tuple[str, str]], project_due_at: str = "") -> dict:
    data = {"project_due_at": project_due_at}
    for index, module in enumerate(cohort.programme.modules):
        opens_on, due_on = dates.get(module.code, ("", ""))
        data |= {f"modules-{index}-module_id": str(module.id),
                 f"modules-{index}-opens_on": opens_on, f"modules-{index}-due_on": due_on}
    return data


def errors_of(page: str, field_id: str) -> list[str]:
    block = re.search(rf'<div id="{field_id}-errors">(.*?)</div>', page, re.DOTALL)
    return re.findall(r'class="field-error">([^<]*)<', block.group(1)) if block else []


def test_tutors_read_the_schedule(client, in_english, login_as, tutor, real_cohort):
    m2 = real_cohort.programme.modules[1]
    schedule.set_module_dates(real_cohort, m2, opens_on=date(2026, 4, 1),
                              due_on=date(2026, 4, 30))
    db.session.commit()
    login_as(tutor)
    page = client.get(f"/cohorts/{real_cohort.id}/schedule").text
    assert f'action="/cohorts/{real_cohort.id}/schedule"' not in page
    assert 'name="modules-0-due_on"' not in page
    row = page[page.index("M2 ·"):]
    row = row[:row.index("</tr>")]
    assert "Apr 1, 2026" in row and "Apr 30, 2026" in row
    assert "The deadline for the prototypes is not set yet." in page
    assert 'aria-current="page">Schedule' in page


def test_managers_set_every_date_in_one_form(client, in_english, login_as, manager, real_cohort):
    login_as(manager)
    page = client.get(f"/cohorts/{real_cohort.id}/schedule").text
    assert page.count('type="date"') == 10 and 'type="datetime-local"' in page
    response = client.post(f"/cohorts/{real_cohort.id}/schedule", data=form_data(
        real_cohort, {"M1": ("2026-03-02", "2026-03-29"), "M5": ("", "2026-07-20")},
        project_due_at="2026-07-10T18:00"))
    assert response.status_code == 302
    modules = {m.code: m.id for m in real_cohort.programme.modules}
    deadlines = schedule.module_deadlines(real_cohort)
    assert deadlines[modules["M1"]] == date(2026, 3, 29)
    assert deadlines[modules["M5"]] == date(2026, 7, 20)
    assert deadlines[modules["M2"]] is None
    # 18:00 in Santiago (UTC-4 in July) is 22:00 UTC.
    assert real_cohort.project_due_at == datetime(2026, 7, 10, 22, 0, tzinfo=UTC)
    page = client.get(response.headers["Location"]).text
    assert "The schedule was saved." in page
    assert 'value="2026-07-10T18:00"' in page and 'value="2026-03-29"' in page


def test_bad_dates_are_shown_next_to_their_fields_and_nothing_is_saved(client, in_english,
                                                                       login_as, manager,
                                                                       real_cohort):
    login_as(manager)
    response = client.post(f"/cohorts/{real_cohort.id}/schedule", data=form_data(
        real_cohort, {"M1": ("2026-03-02", "2026-03-29"), "M2": ("2026-04-30", "2026-04-01"),
                      "M3": ("2026-05-01", "2026-09-01")},
        project_due_at="2025-01-01T10:00"))
    assert response.status_code == 422
    assert errors_of(response.text, "modules-1-due_on") == [
        "A module cannot be due before it opens."]
    assert response.text.count('class="field-error"') == 1  # the form's own check comes first
    response = client.post(f"/cohorts/{real_cohort.id}/schedule", data=form_data(
        real_cohort, {"M1": ("2026-03-02", "2026-03-29"), "M3": ("2026-05-01", "2026-09-01")},
        project_due_at="2025-01-01T10:00"))
    assert response.status_code == 422
    assert errors_of(response.text, "modules-2-due_on") == [
        "Must not be after the cohort ends (Jul 31, 2026)."]
    assert errors_of(response.text, "project_due_at") == [
        "Must not be before the cohort starts (Mar 2, 2026)."]
    assert set(schedule.module_deadlines(real_cohort).values()) == {None}
    assert real_cohort.project_due_at is None


def test_a_form_for_other_modules_is_refused(client, in_english, login_as, manager,
                                             real_cohort):
    login_as(manager)
    data = form_data(real_cohort, {"M1": ("2026-03-02", "2026-03-29")})
    data["modules-0-module_id"] = "999999"
    response = client.post(f"/cohorts/{real_cohort.id}/schedule", data=data)
    assert response.status_code == 409
    assert "modules changed while you were editing" in response.text
    assert set(schedule.module_deadlines(real_cohort).values()) == {None}


def test_the_deadline_can_be_cleared(client, login_as, manager, real_cohort):
    schedule.set_project_deadline(real_cohort, datetime(2026, 7, 1, tzinfo=UTC))
    db.session.commit()
    login_as(manager)
    response = client.post(f"/cohorts/{real_cohort.id}/schedule", data=form_data(real_cohort, {}))
    assert response.status_code == 302
    assert real_cohort.project_due_at is None


def test_the_cohort_page_links_its_sections(client, in_english, login_as, tutor, real_cohort):
    login_as(tutor)
    page = client.get(f"/cohorts/{real_cohort.id}").text
    assert f'href="/cohorts/{real_cohort.id}/schedule"' in page
    assert f'href="/cohorts/{real_cohort.id}/groups"' in page
