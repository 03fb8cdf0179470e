"""A group submits its prototype with a PDF; a tutor grades it; another member reads it."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.submissions.samples import PDF

pytestmark = pytest.mark.e2e

TUTOR = "tutora.prototipos@demo.certify.example"
MEMBERS = ("ana.prototipo@demo.certify.example", "beto.prototipo@demo.certify.example")
# The level chosen for each criterion: (3 + 2 + 4 + 2*3 + 1) of 24 points -> 66.67 %.
LEVELS = {"problem_understanding": 3, "people_focus": 2, "feasibility": 4, "public_value": 3,
          "presentation": 1}


@pytest.fixture(scope="module")
def prototype_group(live_app):
    """A cohort of the demo programme with its own tutor and a group of two officials."""
    from certify.accounts import services as accounts
    from certify.accounts.models import Role
    from certify.cohorts.enrolments import enrol_many
    from certify.cohorts.groups import add_member, create_group
    from certify.cohorts.services import create_cohort
    from certify.demo.world import DEMO_PASSWORD
    from certify.extensions import db
    from certify.programmes.models import Programme

    with live_app.app_context():
        programme = db.session.scalar(sa.select(Programme))
        tutor = accounts.create_person(email=TUTOR, given_names="Tamara", family_names="Rúbrica",
                                       preferred_locale="en", password=DEMO_PASSWORD,
                                       roles=[Role.TUTOR])
        members = [accounts.create_person(email=email, given_names=name, family_names="Prototipo",
                                          preferred_locale="en", password=DEMO_PASSWORD,
                                          roles=[Role.OFFICIAL])
                   for email, name in zip(MEMBERS, ("Ana", "Beto"), strict=True)]
        cohort = create_cohort(programme, name="Cohorte de prototipos", starts_on=date(2026, 8, 3),
                               ends_on=date(2026, 12, 11), tutors=[tutor])
        enrol_many(cohort, members)
        group = create_group(cohort, "Equipo Ventanilla Móvil", by=tutor)
        for member in members:
            add_member(group, member, by=tutor)
        db.session.commit()
        return SimpleNamespace(id=group.id, name=group.name)


def signed_in(browser, live_server, email):
    context = browser.new_context(base_url=live_server, locale="es-CL",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, email)
    return page


def test_a_group_submits_a_tutor_grades_and_another_member_reads_the_grade(
        browser, live_server, prototype_group, tmp_path):
    # A member submits the prototype with a small PDF.
    member = signed_in(browser, live_server, MEMBERS[0])
    member.goto("/my-prototype")
    expect(member.locator("h1")).to_contain_text(prototype_group.name)
    member.fill("input[name=title]", "Ventanilla rural móvil")
    for name, text in {
        "problem": "Rural residents travel for hours to do simple municipal paperwork.",
        "audience": "Older people and families in the rural sectors of the municipality.",
        "discover": "We interviewed 14 neighbours and observed the queue at the front desk.",
        "define": "How might we bring paperwork to people who live far from the centre?",
        "develop": "We prototyped a weekly route with a van and a paper form.",
        "deliver": "We piloted the route for two weeks in three sectors: 40 requests solved.",
        "description": "A mobile office that visits rural sectors with the most frequent requests.",
    }.items():
        member.fill(f"textarea[name={name}]", text)
    pdf = tmp_path / "prototipo.pdf"
    pdf.write_bytes(PDF)
    member.set_input_files("input[name=files]", str(pdf))
    member.get_by_role("button", name="Submit version 1").click()
    expect(member.locator(".flash-success")).to_contain_text("Version 1 of the prototype")
    expect(member.locator("h1")).to_have_text("Ventanilla rural móvil")
    expect(member.get_by_role("link", name="prototipo.pdf")).to_be_visible()
    expect(member.locator("body")).to_contain_text("no released grade yet")
    member.screenshot(path="test-results/prototype-submitted.png", full_page=True)
    member.context.close()

    # The tutor grades it with the rubric and releases the grade.
    tutor = signed_in(browser, live_server, TUTOR)
    tutor.goto("/grading")
    card = tutor.locator(".queue-card", has_text=prototype_group.name)
    expect(card).to_contain_text("Ungraded")
    card.get_by_role("link", name=re.compile("^Start grading")).click()
    expect(tutor.locator("h1")).to_contain_text("Ventanilla rural móvil")
    expect(tutor.get_by_role("link", name="prototipo.pdf")).to_be_visible()
    for key, points in LEVELS.items():
        tutor.check(f"#score-{key}-{points}")
    tutor.fill("textarea[name=feedback]", "Strong field work; the pilot needs a baseline.")
    tutor.get_by_role("button", name="Release").click()
    # The confirmation shows the result and who will see it before anything is released.
    expect(tutor.locator("h1")).to_contain_text("Release the grade of")
    expect(tutor.locator("main")).to_contain_text("66.67%")
    tutor.screenshot(path="test-results/prototype-release-confirm.png", full_page=True)
    tutor.locator("#confirm-button").click()
    expect(tutor.locator(".flash-success")).to_contain_text("The grade was released")
    expect(tutor.locator("body")).to_contain_text("66.67")
    tutor.screenshot(path="test-results/prototype-graded.png", full_page=True)
    tutor.context.close()

    # Another member of the group sees the grade, each criterion's level and the feedback.
    other = signed_in(browser, live_server, MEMBERS[1])
    other.goto("/my-prototype")
    other.get_by_role("link", name="Version 1").click()
    grade = other.locator("#grade")
    expect(grade).to_contain_text("66.67")
    expect(grade).to_contain_text("Strong field work; the pilot needs a baseline.")
    expect(grade.locator("tbody tr", has_text="Feasibility")).to_contain_text("Outstanding")
    expect(grade.locator("tbody tr", has_text="Presentation")).to_contain_text("Insufficient")
    other.screenshot(path="test-results/prototype-grade-seen.png", full_page=True)
    other.context.close()
