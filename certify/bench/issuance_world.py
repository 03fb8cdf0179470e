"""The issuance benchmark's world: the real programme and a cohort that finished it.

The programme is loaded from course_content/ with its certification rules
(every virtual quiz passed, present or late at the in-person session, the
group's prototype graded at or above the pass mark, the final survey
answered), and every person's learning records are made through the services
people use, as the demo does (certify/demo/progress.py, where groups stop at
different steps; here every group finishes), so deciding eligibility reads
and checks all of them.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from werkzeug.security import generate_password_hash

from certify.accounts import services as accounts
from certify.accounts.models import Person, Role
from certify.assessments.services import quiz_of_module, start_attempt, submit_attempt
from certify.attendance.services import check_in_person, close_session, create_session, register
from certify.cohorts.enrolments import enrol_many
from certify.cohorts.groups import apply_suggestion, suggest_groups
from certify.cohorts.models import Cohort
from certify.cohorts.schedule import set_module_dates, set_project_deadline
from certify.cohorts.services import create_cohort
from certify.core.clock import utcnow
from certify.extensions import db
from certify.programmes.content import load_course_content
from certify.submissions.files import IncomingFile
from certify.submissions.grading import release_grade, require_rubric, save_draft
from certify.submissions.submitting import submit_prototype
from certify.surveys.giving import ensure_cohort_surveys
from certify.surveys.services import save_response

GIVEN = ["María José", "João", "Zoë", "Iñaki", "Ana Lucía", "Antônio", "Chloé", "Ñandú"]
FAMILY = ["Ñancupil Huenchumán", "Araújo", "Müller Peña", "Gómez", "Fernández-Ñúñez", "Souza"]
LOCALES = ["es", "pt_BR", "en"]
GROUP_SIZE = 5
# A small valid PDF: the prototype's file (its contents are not what is measured).
PROTOTYPE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages"
                 b"/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 "
                 b"842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def build_finished_cohort(count: int, *, name: str) -> tuple[Cohort, Person]:
    """A cohort of ``count`` people who all completed the programme, and a manager; committed.

    Dates are set in the past (four virtual modules of four weeks, the session
    two weeks ago), so every deadline has passed, as when a manager issues.
    """
    programme = load_course_content(current_app.config["CONTENT_DIR"]).programme
    country = accounts.ensure_country("CL", "Chile")
    municipality = accounts.ensure_municipality(
        accounts.ensure_region(country, "La Araucanía"), "Melipeuco", "rural", 6138)
    password_hash = generate_password_hash("bench")  # hashed once, like the demo's
    slug = name.lower().replace(" ", "-")
    tutor = _person(f"tutor@{slug}.bench.example", "Tutora", "Bench", Role.TUTOR, password_hash)
    manager = _person(f"manager@{slug}.bench.example", "Gestora", "Bench", Role.MANAGER,
                      password_hash)
    people = [accounts.create_person(
        email=f"person{n}@{slug}.bench.example", given_names=GIVEN[n % len(GIVEN)],
        family_names=f"{FAMILY[n % len(FAMILY)]} {n}", municipality=municipality,
        preferred_locale=LOCALES[n % len(LOCALES)], roles=[Role.OFFICIAL]) for n in range(count)]
    start = utcnow().date() - timedelta(weeks=18)
    cohort = create_cohort(programme, name=name, starts_on=start,
                           ends_on=utcnow().date() + timedelta(days=5), tutors=[tutor])
    enrol_many(cohort, people)
    session_start = _schedule(cohort, start)
    groups = apply_suggestion(cohort, suggest_groups(cohort, min_size=GROUP_SIZE,
                                                     max_size=GROUP_SIZE), by=tutor)
    modules = cohort.programme.modules
    quizzes = [(quiz_of_module(module), module) for module in modules if module.is_virtual]
    for person in people:
        for quiz, module in quizzes:
            taken = datetime.combine(start + timedelta(days=7 * (module.position - 1) * 4 + 10),
                                     time(14), tzinfo=UTC)
            attempt = start_attempt(quiz, person, now=taken)
            submit_attempt(attempt, _right_answers(attempt, quiz),
                           now=taken + timedelta(minutes=12))
    _attend(cohort, people, tutor, session_start)
    rubric = require_rubric(programme)
    for group in groups:
        submission = submit_prototype(
            group, by=group.members[0], now=session_start - timedelta(days=6),
            files=[IncomingFile("prototipo.pdf", io.BytesIO(PROTOTYPE_PDF))],
            title=f"Prototipo {group.name}", problem="Trámites lejos de las zonas rurales.",
            audience="Vecinas y vecinos rurales.", discover="Entrevistas a 12 personas.",
            define="¿Cómo acercar el servicio?", develop="Dos rondas de ideación.",
            deliver="Prototipo en papel probado con ocho usuarios.",
            description="Prototipo conceptual del servicio.")
        grade = save_draft(submission, by=tutor, feedback="Buen trabajo de terreno.",
                           scores={criterion.key: 4 for criterion in rubric.active_criteria})
        release_grade(grade, by=tutor)
    for survey in ensure_cohort_surveys(cohort):
        answers = {item.key: 5 if item.kind == "scale" else "Muy útil."
                   for item in survey.template.items if item.active}
        for person in people:
            save_response(survey, person, answers)
    db.session.commit()
    return cohort, manager


def _person(email: str, given: str, family: str, role: Role, password_hash: str) -> Person:
    person = accounts.create_person(email=email, given_names=given, family_names=family,
                                    roles=[role])
    person.password_hash = password_hash
    return person


def _schedule(cohort: Cohort, start) -> datetime:
    """Four weeks per virtual module from ``start``, then the session; its start."""
    opens_on = start
    for module in cohort.programme.modules:
        if module.is_virtual:
            set_module_dates(cohort, module, opens_on=opens_on,
                             due_on=opens_on + timedelta(days=27))
            opens_on += timedelta(days=28)
    session_start = datetime.combine(opens_on + timedelta(days=2), time(12), tzinfo=UTC)
    for module in cohort.programme.modules:
        if not module.is_virtual:
            set_module_dates(cohort, module, opens_on=session_start.date(),
                             due_on=session_start.date() + timedelta(days=1))
    set_project_deadline(cohort, session_start - timedelta(days=4))
    return session_start


def _right_answers(attempt, quiz) -> dict[str, list[str]]:
    questions = {question.id: question for question in quiz.questions}
    return {str(question_id): sorted(questions[question_id].correct_keys)
            for question_id in attempt.question_order}


def _attend(cohort: Cohort, people: list[Person], tutor: Person, start: datetime) -> None:
    module = next(module for module in cohort.programme.modules if not module.is_virtual)
    session = create_session(cohort=cohort, module=module, title="Encuentro presencial",
                             starts_at=start, ends_at=start + timedelta(hours=32),
                             venue="Santiago, Chile", capacity=len(people))
    for person in people:
        register(session, person, now=start - timedelta(days=20), notify=False)
        check_in_person(session, person, "present", by=tutor, now=start)
    close_session(session, by=tutor, now=start + timedelta(hours=33))
