"""The demo cohort's way through the programme, made with the same services people use.

Twelve groups of five move through the programme at different paces, so that
about half the officials end up eligible and the rest stand at every earlier
step: quizzes not taken or failed, a missed session, a prototype not graded or
graded below the pass mark, the final survey not answered.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from certify.accounts.models import Person
from certify.assessments.models import Quiz
from certify.assessments.services import quiz_of_module, start_attempt, submit_attempt
from certify.attendance.services import (
    add_walk_in,
    check_in_person,
    close_session,
    create_session,
    register,
)
from certify.cohorts.groups import apply_suggestion, groups_of_cohort, suggest_groups
from certify.cohorts.models import Cohort
from certify.cohorts.schedule import set_module_dates, set_project_deadline
from certify.submissions.files import IncomingFile
from certify.submissions.grading import release_grade, require_rubric, save_draft
from certify.submissions.submitting import submit_prototype
from certify.surveys.giving import ensure_cohort_surveys
from certify.surveys.services import save_response

# The story is written as seen on STORY_DAY; built on another day, every date moves by the
# same number of days, so the demo always stands where the story does (the session ended
# almost a month ago, the cohort closes in a few days) whatever day it is built.
STORY_DAY = date(2026, 12, 6)
SESSION_START = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # 09:00 in Santiago
MODULE_WEEKS = [(date(2026, 8, 3), date(2026, 8, 30)), (date(2026, 8, 31), date(2026, 9, 27)),
                (date(2026, 9, 28), date(2026, 10, 25)), (date(2026, 10, 26), date(2026, 11, 8)),
                (date(2026, 11, 10), date(2026, 11, 11))]
PROJECT_DUE = datetime(2026, 11, 6, 23, 59, tzinfo=UTC)
COHORT_DAYS = (date(2026, 8, 3), date(2026, 12, 11))
LATE_GROUPS = {3, 7}  # these groups hand in their prototype two days after the deadline


@dataclass(frozen=True)
class Timeline:
    """The story's dates moved to the day the demo is built."""

    shift: timedelta

    @classmethod
    def for_day(cls, today: date) -> Timeline:
        return cls(today - STORY_DAY)

    def day(self, value: date) -> date:
        return value + self.shift

    def moment(self, value: datetime) -> datetime:
        return value + self.shift

    @property
    def session_start(self) -> datetime:
        return self.moment(SESSION_START)

    @property
    def project_due(self) -> datetime:
        return self.moment(PROJECT_DUE)

    def module_weeks(self) -> list[tuple[date, date]]:
        return [(self.day(opens_on), self.day(due_on)) for opens_on, due_on in MODULE_WEEKS]


@dataclass(frozen=True)
class Pace:
    """How far a group gets: quizzes passed, attendance, prototype grade, final survey."""

    quizzes_passed: int  # of the four virtual modules, in order
    failed_next: bool  # one failed attempt at the next quiz
    session: str | None  # None (not registered), "present", "late", "no_show"
    prototype: str  # "none", "submitted", "draft", "released"
    levels: int  # rubric level for every criterion (1-4)
    final_survey: bool


# Six groups finish; the other six stop at different points.
PACES = [Pace(4, False, "present", "released", 4, True)] * 3 + [
    Pace(4, False, "late", "released", 3, True),
    Pace(4, False, "present", "released", 3, True),
    Pace(4, False, "present", "released", 4, True),
    Pace(4, False, "present", "released", 3, False),
    Pace(4, False, "late", "draft", 3, True),
    Pace(4, False, "present", "released", 2, True),
    Pace(4, False, "no_show", "submitted", 0, False),
    Pace(2, True, None, "none", 0, False),
    Pace(0, False, None, "none", 0, False),
]

PROTOTYPES = [
    ("Ventanilla móvil rural", "Las personas mayores de sectores rurales viajan horas para hacer trámites."),
    ("Mesa digital de agua potable",
     "Los comités de agua rural no tienen información compartida sobre cortes."),
    ("Ruta escolar compartida", "Niñas y niños de zonas aisladas pierden clases por falta de transporte."),
    ("Feria de emprendimientos en red",
     "Los pequeños productores no llegan a compradores fuera de la comuna."),
    ("Consulta ciudadana por radio",
     "Los vecinos sin conectividad quedan fuera de los presupuestos participativos."),
    ("Punto de salud itinerante", "Las rondas médicas no coinciden con los horarios de las familias."),
    ("Biblioteca de herramientas", "Las juntas de vecinos compran equipos que usan una vez al año."),
    ("Mapa vivo de caminos", "Los reportes de caminos cortados llegan tarde al municipio."),
    ("Recicla en tu feria", "La basura de las ferias rurales termina en quebradas."),
    ("Bienvenida a nuevos vecinos", "Las familias que llegan no conocen los servicios municipales."),
    ("Turismo comunitario en línea", "Las rutas turísticas locales no aparecen en ningún canal."),
    ("Alerta temprana de heladas", "Las heladas sorprenden a los pequeños agricultores."),
]

# A one-page PDF, enough to be recognised and downloaded.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
            b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def build_progress(cohort: Cohort, tutors: list[Person], timeline: Timeline) -> bool:
    """Give the demo cohort its history once; False if it already has one."""
    if groups_of_cohort(cohort):
        return False
    rng = random.Random(4_7)
    tutor = tutors[0]
    _schedule(cohort, timeline)
    groups = apply_suggestion(cohort, suggest_groups(cohort, min_size=5, max_size=5), by=tutor)
    paces = {group.id: PACES[index % len(PACES)] for index, group in enumerate(groups)}
    members = {group.id: group.members for group in groups}
    quizzes = [quiz_of_module(module) for module in cohort.programme.modules if module.is_virtual]
    for group in groups:
        for person in members[group.id]:
            _take_quizzes(person, quizzes, paces[group.id], rng, timeline)
    _attend(cohort, groups, members, paces, tutor, timeline)
    for index, group in enumerate(groups):
        _prototype(cohort, group, members[group.id], paces[group.id], tutor, index,
                   _handed_in_at(index, timeline, rng))
    _surveys(cohort, groups, members, paces, rng)
    return True


def _schedule(cohort: Cohort, timeline: Timeline) -> None:
    for module, (opens_on, due_on) in zip(cohort.programme.modules, timeline.module_weeks(),
                                          strict=False):
        set_module_dates(cohort, module, opens_on=opens_on, due_on=due_on)
    set_project_deadline(cohort, timeline.project_due)


def schedule_next_cohort(cohort: Cohort, today: date) -> None:
    """The next cohort opened a few days ago: four weeks per module, every deadline ahead."""
    opens_on = today - timedelta(days=3)
    for module in cohort.programme.modules:
        due_on = opens_on + timedelta(days=27)
        set_module_dates(cohort, module, opens_on=opens_on, due_on=due_on)
        opens_on = due_on + timedelta(days=1)
    set_project_deadline(cohort, datetime.combine(opens_on - timedelta(days=5), time(23, 59),
                                                  tzinfo=UTC))


def _handed_in_at(index: int, timeline: Timeline, rng: random.Random) -> datetime:
    """Most groups hand in during the last days before the deadline; a few after it."""
    if index in LATE_GROUPS:
        return timeline.project_due + timedelta(days=2)
    return timeline.project_due - timedelta(days=rng.randint(1, 6), hours=rng.randint(1, 10))


def _answers(attempt, quiz: Quiz, right: bool) -> dict[str, list[str]]:
    questions = {question.id: question for question in quiz.questions}
    answers = {}
    for question_id in attempt.question_order:
        question = questions[question_id]
        correct = sorted(question.correct_keys)
        wrong = [option.key for option in question.options if option.key not in correct][:1]
        answers[str(question_id)] = correct if right or not wrong else wrong
    return answers


def _take_quizzes(person: Person, quizzes: list[Quiz], pace: Pace, rng: random.Random,
                  timeline: Timeline) -> None:
    for index, quiz in enumerate(quizzes):
        if index > pace.quizzes_passed or (index == pace.quizzes_passed and not pace.failed_next):
            return
        opens_on = timeline.module_weeks()[index][0]
        start = datetime.combine(opens_on + timedelta(days=rng.randint(3, 20)), time(14), tzinfo=UTC)
        passes = index < pace.quizzes_passed
        if passes and rng.random() < 0.25:  # some pass only at the second try
            _attempt(quiz, person, start, right=False)
            start += timedelta(days=1)
        _attempt(quiz, person, start, right=passes)


def _attempt(quiz: Quiz, person: Person, start: datetime, *, right: bool) -> None:
    attempt = start_attempt(quiz, person, now=start)
    submit_attempt(attempt, _answers(attempt, quiz, right), now=start + timedelta(minutes=12))


def _attend(cohort, groups, members, paces, tutor, timeline: Timeline) -> None:
    start = timeline.session_start
    module = next(module for module in cohort.programme.modules if not module.is_virtual)
    session = create_session(cohort=cohort, module=module, title="Encuentro presencial en Santiago",
                             starts_at=start, ends_at=start + timedelta(hours=32),
                             venue="Santiago, Chile", capacity=60)
    registered_at = start - timedelta(days=20)
    walk_ins = []
    for group in groups:
        status = paces[group.id].session
        for index, person in enumerate(members[group.id]):
            if status is None:
                continue
            if status == "present" and index == 4 and len(walk_ins) < 3:
                walk_ins.append(person)  # came without registering: counted as a walk-in
                continue
            # The session is over: its tickets are history, not mail to send now.
            register(session, person, now=registered_at, notify=False)
            if status != "no_show":
                check_in_person(session, person, status, by=tutor, now=start)
    for person in walk_ins:
        add_walk_in(session, person, by=tutor, now=start + timedelta(minutes=20))
    close_session(session, by=tutor, now=start + timedelta(hours=33))


def _prototype(cohort, group, people, pace: Pace, tutor, index: int,
               handed_in_at: datetime) -> None:
    if pace.prototype == "none":
        return
    title, problem = PROTOTYPES[index % len(PROTOTYPES)]
    submission = submit_prototype(
        group, by=people[0], files=[IncomingFile("prototipo.pdf", io.BytesIO(DEMO_PDF))],
        now=handed_in_at,
        title=title, problem=problem, audience="Vecinas y vecinos de sectores rurales de la comuna.",
        discover="Entrevistas a 12 personas y un recorrido por tres sectores.",
        define="¿Cómo podríamos acercar el servicio a quienes viven lejos del centro?",
        develop="Dos rondas de ideación con funcionarios y dirigentes vecinales.",
        deliver="Prototipo en papel probado con ocho usuarios; ajustes en horarios y difusión.",
        description="Prototipo conceptual del servicio, con su recorrido y sus responsables.")
    if pace.prototype == "submitted":
        return
    rubric = require_rubric(cohort.programme)
    scores = {criterion.key: pace.levels for criterion in rubric.active_criteria}
    grade = save_draft(submission, by=tutor, scores=scores,
                       feedback="Buen trabajo de terreno; falta precisar indicadores de éxito.")
    if pace.prototype == "released":
        release_grade(grade, by=tutor)


SCALE = [5, 5, 5, 5, 4, 5, 4, 5, 5, 4, 5, 3]  # averages about 4.7, as the programmes report
COMMENTS = ["Los casos de otros municipios fueron lo más útil.",
            "Me llevo herramientas concretas para mi equipo.",
            "Más tiempo para trabajar en grupo.", ""]


def _surveys(cohort, groups, members, paces, rng: random.Random) -> None:
    surveys = ensure_cohort_surveys(cohort)
    by_module = {survey.module_id: survey for survey in surveys if survey.module_id}
    modules = cohort.programme.modules
    for group in groups:
        pace = paces[group.id]
        for person in members[group.id]:
            answered = [m for m in modules[:pace.quizzes_passed] if m.is_virtual]
            if pace.final_survey:
                answered.append(modules[-1])
            for module in answered:
                survey = by_module.get(module.id)
                if survey is not None:
                    save_response(survey, person, _survey_answers(survey, rng))


def _survey_answers(survey, rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = {}
    for item in survey.template.items:
        if not item.active:
            continue
        answers[item.key] = rng.choice(SCALE) if item.kind == "scale" else rng.choice(COMMENTS)
    return answers
