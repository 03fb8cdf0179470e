"""Every page of each role, in Spanish, at 390x844 and 1280x800: axe finds no serious or critical
WCAG 2.2 AA violation and nothing scrolls sideways.

The pages come from the application's URL map: ``test_every_html_page_is_walked`` fails when a
GET page is neither in ``PAGES`` nor in ``NOT_PAGES``, and ``test_every_menu_link_is_walked``
when a role's menu links a page that role does not walk. One browser context per role, signed
in once, visits its pages in turn.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import url_for

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
ROLES = ("public", "official", "tutor", "manager")


@dataclass(frozen=True)
class Page:
    role: str
    endpoint: str
    values: str = ""  # the name of a function below giving the URL's values from the demo world
    menu: bool = False  # a main page (in a menu, or the first a role sees): axe at both widths


PAGES = [
    Page("public", "home.index", menu=True),
    Page("public", "accounts.login", menu=True),
    Page("public", "certificates.verify_form", menu=True),
    Page("public", "certificates.verify_page", "live_certificate", menu=True),
    Page("public", "certificates.offline_verifier", menu=True),
    Page("public", "certificates.badge_page", "live_certificate", menu=True),
    Page("official", "progress.my_programme", menu=True),
    Page("official", "progress.module", "official_module"),
    Page("official", "assessments.quiz", "official_module"),
    Page("official", "assessments.result", "official_attempt"),
    Page("official", "cohorts.my_group", "official_cohort"),
    Page("official", "submissions.my_prototype"),
    Page("official", "surveys.my_surveys", menu=True),
    Page("official", "surveys.answer", "official_survey"),
    Page("official", "attendance.index", menu=True),
    Page("official", "attendance.ticket", "official_registration"),
    Page("official", "certificates.my_certificates", menu=True),
    Page("official", "accounts.account", menu=True),
    Page("official", "accounts.tokens"),
    Page("tutor", "accounts.account", menu=True),
    Page("tutor", "cohorts.index", menu=True),
    Page("tutor", "cohorts.detail", "cohort"),
    Page("tutor", "cohorts.groups_index", "cohort"),
    Page("tutor", "cohorts.group", "group"),
    Page("tutor", "progress.overview", "cohort"),
    Page("tutor", "progress.person_page", "cohort_person"),
    Page("tutor", "assessments.cohort_quizzes", "cohort"),
    Page("tutor", "assessments.cohort_results", "cohort_quiz"),
    Page("tutor", "cohorts.schedule_page", "cohort"),
    Page("tutor", "surveys.cohort_summaries", "cohort"),
    Page("tutor", "submissions.queue", menu=True),
    Page("tutor", "submissions.group", "group"),
    Page("tutor", "submissions.submission", "submission"),
    Page("tutor", "submissions.grade", "submission"),
    Page("tutor", "attendance.index", menu=True),
    Page("tutor", "attendance.detail", "session"),
    Page("tutor", "attendance.check_in", "session"),
    Page("tutor", "programmes.index", menu=True),
    Page("tutor", "programmes.programme", "programme"),
    Page("tutor", "programmes.module", "programme_module"),
    Page("manager", "cohorts.index", menu=True),
    Page("manager", "accounts.account", menu=True),
    Page("manager", "cohorts.new"),
    Page("manager", "cohorts.edit", "cohort"),
    Page("manager", "cohorts.suggest_groups", "cohort"),
    Page("manager", "progress.overview_export_offer", "cohort"),
    Page("manager", "certificates.cohort_page", "cohort"),
    Page("manager", "certificates.session_page", "session"),
    Page("manager", "certificates.register", menu=True),
    Page("manager", "certificates.detail", "live_certificate"),
    Page("manager", "certificates.import_page"),
    Page("manager", "certificates.job_status", "job"),
    Page("manager", "submissions.queue", menu=True),
    Page("manager", "attendance.index", menu=True),
    Page("manager", "attendance.new"),
    Page("manager", "attendance.edit", "session"),
    Page("manager", "surveys.window", "official_survey"),
    Page("manager", "programmes.index", menu=True),
    Page("manager", "accounts.people", menu=True),
    Page("manager", "accounts.person", "person"),
    Page("manager", "accounts.new_person"),
    Page("manager", "accounts.import_people_page"),
    Page("manager", "privacy.person_privacy", "person"),
    Page("manager", "privacy.audit_log"),
    Page("manager", "accounts.municipalities", menu=True),
    Page("manager", "lti.platforms_page", menu=True),
    Page("manager", "lti.new_platform"),
    Page("manager", "lti.platform", "platform"),
    Page("manager", "lti.grade_syncs"),
    # The national programme's pages (the dashboard and its reports).
    Page("manager", "reports.dashboard", menu=True),
    Page("manager", "reports.places"),
    Page("manager", "reports.funnel_page"),
    Page("manager", "reports.attendance"),
    Page("manager", "reports.equity_page"),
    Page("manager", "reports.targets"),
    Page("manager", "reports.allocations"),
    Page("manager", "reports.import_page"),
    Page("manager", "reports.baseline"),
    Page("manager", "reports.register_export_offer"),
]

# GET endpoints that are not pages a person reads, or that only Moodle reaches.
NOT_PAGES = {
    "static", "home.favicon", "ops.healthz", "ops.readyz", "ops.metrics",
    "accounts.import_template", "reports.import_template", "surveys.answers_csv",
    "surveys.summary_csv", "submissions.download", "certificates.pdf", "certificates.badge",
    "certificates.badge_card", "certificates.emblem_image", "certificates.did_web_document",
    "certificates.import_template",
    "certificates.jwks_document", "certificates.design_image_file", "certificates.issuer_profile",
    "certificates.public_key", "certificates.status_list", "certificates.offline_service_worker",
    "certificates.offline_manifest", "lti.jwks", "lti.login", "lti.launch_address",
    "lti.deep_link", "lti.register",
    # An attempt in progress: taken by the keyboard in test_keyboard.py, checked there.
    "assessments.attempt",
}


def page_ids(pages) -> list[str]:
    return [f"{page.role}-{page.endpoint}" for page in pages]


# --- the demo world's values for each URL ------------------------------------------------------

class World:
    """Ids from the live demo world, looked up once and shared by the pages."""

    def __init__(self, live_app, demo):
        from certify.extensions import db

        self.app, self.db = live_app, db
        logins = {}
        for email, label in demo.logins:  # the first of each: the Spanish-speaking tutor
            logins.setdefault(label, email)
        self.emails = {"official": logins["official (eligible)"], "tutor": logins["tutor"],
                       "manager": logins["manager"]}
        self.cohort_id = demo.cohort_id
        self._cache: dict[str, dict] = {}

    def url(self, page: Page) -> str:
        with self.app.test_request_context():
            if page.values not in self._cache:
                self._cache[page.values] = getattr(self, page.values)() if page.values else {}
            return url_for(page.endpoint, **self._cache[page.values])

    def _scalar(self, query):
        value = self.db.session.scalar(query)
        assert value is not None, f"the demo world has nothing for {query}"
        return value

    def _official_id(self) -> int:
        from certify.accounts.models import Person

        return self._scalar(sa.select(Person.id).where(Person.email == self.emails["official"]))

    def cohort(self):
        return {"cohort_id": self.cohort_id}

    def official_cohort(self):
        return self.cohort()

    def official_module(self):
        return {"cohort_id": self.cohort_id, "code": "M1"}

    def official_attempt(self):
        from certify.assessments.models import AttemptStatus, QuizAttempt

        return {"attempt_id": self._scalar(
            sa.select(QuizAttempt.id).where(QuizAttempt.person_id == self._official_id(),
                                            QuizAttempt.status != AttemptStatus.IN_PROGRESS)
            .order_by(QuizAttempt.id).limit(1))}

    def official_survey(self):
        from certify.surveys.models import Survey

        return {"survey_id": self._scalar(
            sa.select(Survey.id).where(Survey.cohort_id == self.cohort_id,
                                       Survey.module_id.is_not(None))
            .order_by(Survey.id).limit(1))}

    def official_registration(self):
        from certify.attendance.models import Registration

        return {"registration_id": self._scalar(
            sa.select(Registration.id).where(Registration.person_id == self._official_id())
            .order_by(Registration.id).limit(1))}

    def group(self):
        from certify.cohorts.models import ProjectGroup

        return {"cohort_id": self.cohort_id, "group_id": self._scalar(
            sa.select(ProjectGroup.id).where(ProjectGroup.cohort_id == self.cohort_id)
            .order_by(ProjectGroup.id).limit(1))}

    def cohort_person(self):
        return {"cohort_id": self.cohort_id, "person_id": self._official_id()}

    def person(self):
        return {"person_id": self._official_id()}

    def cohort_quiz(self):
        from certify.assessments.models import Quiz
        from certify.cohorts.models import Cohort
        from certify.programmes.models import Module

        cohort = self.db.session.get(Cohort, self.cohort_id)
        return {"cohort_id": self.cohort_id, "quiz_id": self._scalar(
            sa.select(Quiz.id).join(Module, Quiz.module_id == Module.id)
            .where(Module.programme_id == cohort.programme_id).order_by(Quiz.id).limit(1))}

    def submission(self):
        from certify.cohorts.models import ProjectGroup
        from certify.submissions.models import PrototypeSubmission

        return {"submission_id": self._scalar(
            sa.select(PrototypeSubmission.id).join(ProjectGroup)
            .where(ProjectGroup.cohort_id == self.cohort_id)
            .order_by(PrototypeSubmission.id).limit(1))}

    def session(self):
        from certify.attendance.models import InPersonSession

        return {"session_id": self._scalar(
            sa.select(InPersonSession.id).where(InPersonSession.cohort_id == self.cohort_id)
            .order_by(InPersonSession.id).limit(1))}

    def programme(self):
        from certify.cohorts.models import Cohort

        return {"programme_id": self.db.session.get(Cohort, self.cohort_id).programme_id}

    def programme_module(self):
        return {**self.programme(), "code": "M1"}

    def live_certificate(self):
        from certify.certificates.models import Certificate

        return {"serial": self._scalar(
            sa.select(Certificate.serial).where(Certificate.revoked_at.is_(None))
            .order_by(Certificate.id).limit(1))}

    def job(self):
        """A finished issuance job (the demo starts none; the manager's day may have)."""
        from certify.core.clock import utcnow
        from certify.core.jobs import Job, JobStatus

        record = Job(name="issue_cohort_certificates", payload={"cohort_id": self.cohort_id},
                     status=JobStatus.SUCCEEDED, progress_total=0, finished_at=utcnow())
        self.db.session.add(record)
        self.db.session.commit()
        return {"job_id": record.id}

    def platform(self):
        """A Moodle registered by hand (the demo registers none)."""
        from certify.lti.models import LtiPlatform
        from certify.lti.platforms import save_platform

        existing = self.db.session.scalar(sa.select(LtiPlatform.id).order_by(LtiPlatform.id))
        if existing is not None:
            return {"platform_id": existing}
        moodle = "https://moodle.e2e.example.org"
        platform = save_platform(
            name="Moodle (e2e)", issuer=moodle, client_id="e2e-client",
            auth_login_url=f"{moodle}/mod/lti/auth.php", auth_token_url=f"{moodle}/mod/lti/token.php",
            key_set_url=f"{moodle}/mod/lti/certs.php", deployment_ids=["1"], programme=None,
            trusted_for_email=False, active=True)
        self.db.session.commit()
        return {"platform_id": platform.id}


@pytest.fixture(scope="module")
def world(live_app, sqlite_demo_world):
    return World(live_app, sqlite_demo_world)


@pytest.fixture(scope="module")
def role_pages(browser, live_server, world):
    """One browser page per role, signed in on first use, shared by that role's tests."""
    contexts, pages = [], {}

    def open_as(role: str):
        if role not in pages:
            context = browser.new_context(base_url=live_server, locale="es-CL", viewport=PHONE)
            contexts.append(context)
            pages[role] = context.new_page()
            pages[role].set_default_timeout(15_000)
            if role != "public":
                sign_in(pages[role], world.emails[role])
                # Another test may have switched this person's language: Spanish is walked.
                if not pages[role].evaluate("document.documentElement.lang").startswith("es"):
                    pages[role].set_viewport_size(LAPTOP)  # the phone menu hides the select
                    pages[role].select_option("#locale-select", "es")
                    pages[role].wait_for_load_state("networkidle")
        return pages[role]

    yield open_as
    for context in contexts:
        context.close()


def overflow(page) -> list | None:
    """How far the page scrolls sideways and what sticks out (None: nothing does).

    Elements inside a box that scrolls or clips sideways do not count: they are not the cause.
    """
    return page.evaluate("""() => {
        const width = window.innerWidth;
        if (document.documentElement.scrollWidth <= width) return null;
        const clipped = element => {
            for (let box = element.parentElement; box && box !== document.body;
                 box = box.parentElement) {
                if (getComputedStyle(box).overflowX !== 'visible') return true;
            }
            return false;
        };
        const culprits = [];
        for (const element of document.body.querySelectorAll('*')) {
            const right = element.getBoundingClientRect().right;
            if (right > width + 0.5 && !clipped(element)) {
                culprits.push(element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
                    + (typeof element.className === 'string' && element.className.trim()
                       ? '.' + element.className.trim().split(/\\s+/).join('.') : ''));
            }
        }
        return [document.documentElement.scrollWidth - width, culprits.slice(-3)];
    }""")


@pytest.mark.parametrize("spec", PAGES, ids=page_ids(PAGES))
def test_page_is_accessible_and_fits(role_pages, world, spec):
    page = role_pages(spec.role)
    page.set_viewport_size(PHONE)
    response = page.goto(world.url(spec))
    assert response is not None and response.status == 200, (spec, response and response.status)
    assert page.evaluate("document.documentElement.lang").startswith("es"), page.url
    problems = {}
    if violations := serious_violations(page):
        problems["axe at 390"] = violations
    if wide := overflow(page):
        problems["scrolls sideways at 390"] = wide
    page.set_viewport_size(LAPTOP)
    if wide := overflow(page):
        problems["scrolls sideways at 1280"] = wide
    if spec.menu and (violations := serious_violations(page)):
        problems["axe at 1280"] = violations
    assert not problems, (page.url, problems)


def test_every_html_page_is_walked(live_app):
    """A new GET page fails here until it is added to PAGES (or, if it is no page, NOT_PAGES)."""
    walked = {spec.endpoint for spec in PAGES}
    pages = {rule.endpoint for rule in live_app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.rule.startswith("/api/")}
    assert sorted(pages - walked - NOT_PAGES) == []
    assert sorted((walked | NOT_PAGES) - pages) == []  # no stale entry


@pytest.mark.parametrize("role", ROLES[1:])
def test_every_menu_link_is_walked(role_pages, live_app, role):
    page = role_pages(role)
    page.goto("/")
    hrefs = page.locator("nav[aria-label=Principal] a[href]").evaluate_all(
        "links => links.map(link => new URL(link.href).pathname)")
    adapter = live_app.url_map.bind("localhost")
    endpoints = {adapter.match(href, method="GET")[0] for href in hrefs}
    walked = {spec.endpoint for spec in PAGES if spec.role == role and spec.menu}
    assert endpoints, hrefs
    assert sorted(endpoints - walked) == [], f"{role}'s menu links pages it does not walk"
