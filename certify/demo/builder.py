"""Builds the demo world; every step finds what exists before creating, so it can re-run."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from certify.accounts import services as accounts
from certify.accounts.models import Municipality, Person, Role
from certify.cohorts.enrolments import enrol_many
from certify.cohorts.models import Cohort
from certify.cohorts.services import create_cohort
from certify.core.clock import utcnow
from certify.demo import world
from certify.demo.national import PILOT_SIZE, build_national_plan
from certify.demo.progress import COHORT_DAYS, Timeline, build_progress, schedule_next_cohort
from certify.extensions import db
from certify.programmes.content import load_course_content
from certify.programmes.models import Programme
from certify.progress.services import cohort_progress


@dataclass
class DemoReport:
    created_people: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    cohort: Cohort | None = None
    next_cohort: Cohort | None = None
    eligible: int = 0
    pilot_certificates: int = 0


def build_demo(content_dir: str) -> DemoReport:
    """Load the programme and create the demo places, people and cohort (idempotent)."""
    programme = load_course_content(content_dir).programme
    report = DemoReport()
    municipalities = _places()
    password_hash = generate_password_hash(world.DEMO_PASSWORD)  # hashed once: same password
    staff = {role: [] for role in ("manager", "tutor")}
    for email, given, family, role, locale in world.STAFF:
        person = _person(report, password_hash, email=email, given_names=given,
                         family_names=family, preferred_locale=locale, roles=[role])
        staff[role].append(person)
        report.logins.append((email, role))
    officials = [_person(report, password_hash, **values, roles=[Role.OFFICIAL])
                 for values in _officials(municipalities, world.OFFICIALS, seed=2026)]
    report.pilot_certificates = build_national_plan(
        programme, lambda: [_person(report, password_hash, **values, roles=[Role.OFFICIAL])
                            for values in _officials(municipalities, PILOT_SIZE, seed=2025,
                                                     first=world.OFFICIALS)],
        now=utcnow())
    today = utcnow().date()
    timeline = Timeline.for_day(today)
    report.cohort = _cohort(programme, staff["tutor"], officials, timeline)
    build_progress(report.cohort, staff["tutor"], timeline)
    db.session.flush()
    rows = cohort_progress(report.cohort)
    report.eligible = sum(row.eligibility.eligible for row in rows)
    eligible = next((row.person for row in rows if row.eligibility.eligible), None)
    starters = [_person(report, password_hash, **values, roles=[Role.OFFICIAL])
                for values in _officials(municipalities, world.NEXT_COHORT_OFFICIALS, seed=2027,
                                         first=world.OFFICIALS + PILOT_SIZE)]
    report.next_cohort = _next_cohort(programme, staff["tutor"], starters, today)
    # Stalled: stopped early in this cohort, whose deadlines have all passed.
    stalled = next((row.person for row in reversed(rows) if len(row.eligibility.missing) >= 4), None)
    starting = starters[0] if starters else None
    for person, label in ((stalled, "official (stalled)"), (eligible, "official (eligible)"),
                          (starting, "official (starting)")):
        if person is not None:
            report.logins.append((person.email, label))
    return report


def _places() -> list[Municipality]:
    result = []
    for code, region, name, kind, population in world.MUNICIPALITIES:
        country = accounts.ensure_country(code, world.COUNTRIES[code])
        result.append(accounts.ensure_municipality(accounts.ensure_region(country, region), name,
                                                   kind, population))
    return result


def _officials(municipalities: list[Municipality], count: int, *, seed: int,
               first: int = 0) -> list[dict]:
    """``count`` officials spread over the municipalities (numbered from ``first``, so
    e-mails differ between calls); a fixed seed keeps re-runs identical."""
    rng = random.Random(seed)
    people = []
    for index in range(first, first + count):
        municipality = municipalities[index % len(municipalities)]
        locale = "pt_BR" if municipality.region.country.code == "BR" else "es"
        gender = rng.choice(["female", "female", "male", "male", "non_binary"] if index % 13 == 0
                            else ["female", "male"])
        names = world.GIVEN_NAMES[locale]["female" if gender != "male" else "male"]
        given, family = rng.choice(names), rng.choice(world.FAMILY_NAMES[locale])
        people.append({
            "email": f"{_slug(given)}.{_slug(family.split()[0])}{index + 1}"
                     f"@{_slug(municipality.name)}.example.org",
            "given_names": given, "family_names": family, "municipality": municipality,
            "position": rng.choice(world.POSITIONS[locale]), "gender": gender,
            "birth_year": rng.randint(1964, 1999), "preferred_locale": locale,
        })
    return people


def _person(report: DemoReport, password_hash: str, *, roles, **values) -> Person:
    person = accounts.find_person_by_email(values["email"])
    if person is None:
        person = accounts.create_person(**values, roles=roles)
        report.created_people += 1
    person.password_hash = password_hash
    return person


def _cohort(programme: Programme, tutors: list[Person], officials: list[Person],
            timeline: Timeline) -> Cohort:
    cohort = _find_cohort(programme, world.COHORT_NAME)
    if cohort is None:
        starts_on, ends_on = COHORT_DAYS
        cohort = create_cohort(programme, name=world.COHORT_NAME, starts_on=timeline.day(starts_on),
                               ends_on=timeline.day(ends_on), tutors=tutors)
    enrol_many(cohort, officials)
    return cohort


def _next_cohort(programme: Programme, tutors: list[Person], starters: list[Person],
                 today: date) -> Cohort:
    cohort = _find_cohort(programme, world.NEXT_COHORT_NAME)
    if cohort is None:
        cohort = create_cohort(programme, name=world.NEXT_COHORT_NAME,
                               starts_on=today - timedelta(days=3),
                               ends_on=today + timedelta(weeks=22), tutors=tutors)
        schedule_next_cohort(cohort, today)
    enrol_many(cohort, starters)
    return cohort


def _find_cohort(programme: Programme, name: str) -> Cohort | None:
    return db.session.scalar(sa.select(Cohort).where(Cohort.programme_id == programme.id,
                                                     Cohort.name == name))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower().replace(" ", "-") if ch.isalnum() or ch == "-")
