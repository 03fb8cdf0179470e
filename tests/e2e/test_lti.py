"""Moodle's seam, in Chromium: a teacher adds certify activities from the course, a learner
opens one inside the course page's iframe and is signed in, and a broken activity explains
itself. The test platform (certify/bench/lti_platform.py) plays Moodle on a port of its own."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from certify.bench.lti_platform import INSTRUCTOR, LEARNER, TestPlatform

pytestmark = pytest.mark.e2e
COURSE = "moodle-e2e"


@pytest.fixture(scope="module")
def moodle(live_app, live_server):
    """The test platform, registered in the live app, with a course of one teacher and one
    learner. The app's public address is the live server's for the time of these tests."""
    from certify.extensions import db
    from certify.lti.keys import public_key_set
    from certify.lti.platforms import save_platform, tool_url
    from certify.programmes.models import Programme

    platform = TestPlatform().start()
    address = live_app.config["BASE_URL"]
    live_app.config["BASE_URL"] = live_server
    with live_app.app_context():
        save_platform(name="Moodle e2e", issuer=platform.issuer, client_id=platform.client_id,
                      auth_login_url=platform.auth_login_url, auth_token_url=platform.token_url,
                      key_set_url=platform.key_set_url, deployment_ids=[platform.deployment_id],
                      programme=db.session.scalar(sa.select(Programme)),
                      trusted_for_email=False, active=True)
        db.session.commit()
        platform.configure_tool(jwks=public_key_set(), login_url=tool_url("lti.login"),
                                redirect_uri=tool_url("lti.launch"))
    platform.add_user("teacher-e2e", [INSTRUCTOR], given_name="Tomás", family_name="Docente")
    platform.add_user("learner-e2e", [LEARNER], given_name="Lorena", family_name="Moodle",
                      email="lorena.e2e@moodle.example.org")
    platform.add_course(COURSE, "Curso Moodle e2e", members=["teacher-e2e", "learner-e2e"])
    yield platform
    platform.stop()
    live_app.config["BASE_URL"] = address


def test_a_teacher_adds_the_modules_and_the_project_from_moodle(page, moodle):
    page.goto(f"{moodle.url}/deep-link/{COURSE}?user=teacher-e2e")
    expect(page).to_have_url(re.compile(r"/lti/deep-link/"))
    for value in ("module:M1", "module:M2", "module:M3", "module:M4", "project"):
        page.check(f"input[name=targets][value='{value}']")
    page.click("#add-activities")
    expect(page.locator("#added")).to_have_text("Added 5 activities")
    targets = sorted(link["custom"]["certify_target"]
                     for link in moodle.courses[COURSE].links.values())
    assert targets == ["module:M1", "module:M2", "module:M3", "module:M4", "project"]
    assert all(link["line_item"] for link in moodle.courses[COURSE].links.values())


def test_a_learner_opens_a_module_inside_the_course_page_signed_in(page, moodle):
    moodle.add_link(COURSE, "e2e-m3", title="Módulo 3", custom={"certify_target": "module:M3"})
    page.goto(f"{moodle.url}/course/{COURSE}/e2e-m3?user=learner-e2e")
    frame = page.frame_locator("#tool")
    expect(frame.locator("h1")).to_contain_text("Ideación y prototipado")
    expect(frame.locator(".site-nav")).to_contain_text("Lorena")  # signed in, in the iframe


def test_an_activity_pointing_nowhere_says_what_failed(page, moodle):
    moodle.add_link(COURSE, "e2e-broken", custom={"certify_target": "quiz:M9"})
    page.goto(f"{moodle.url}/launch/{COURSE}/e2e-broken?user=learner-e2e")
    expect(page.locator("#refusal-reason")).to_contain_text("M9")
    expect(page.locator(".lti-refused")).to_have_attribute("data-check", "target")
