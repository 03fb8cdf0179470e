"""Filling a PostgreSQL database with a national programme's history, fast (COPY).

Used by ``python -m certify.bench reports``; see that module. Everything is generated from a
fixed seed, so two runs fill the same world.
"""

from __future__ import annotations

import json
import logging
import random
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

COUNTRIES = {"CL": "Chile", "UY": "Uruguay", "BR": "Brasil", "PY": "Paraguay"}
COHORTS = 50


def log(message: str) -> None:
    print(message, flush=True)


# --- the database ------------------------------------------------------------------------------

def build_schema(app) -> None:
    """An empty database with the schema of the migrations."""
    import flask_migrate

    from certify.extensions import db

    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    flask_migrate.upgrade()


class Copier:
    """Bulk inserts through PostgreSQL's COPY, on the app's own connection pool."""

    def __init__(self, engine):
        self.engine = engine

    def copy(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple],
             total: int | None = None) -> int:
        from tqdm import tqdm

        raw = self.engine.raw_connection()
        count = 0
        try:
            cursor = raw.cursor()
            with tqdm(total=total, desc=f"  {table}", unit="row", unit_scale=True,
                      file=sys.stdout, disable=None, mininterval=1) as bar, \
                    cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
                    if count % 20_000 == 0:
                        bar.update(20_000)
                bar.update(count % 20_000)
            raw.commit()
        finally:
            raw.close()
        with self.engine.begin() as connection:
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 1))"
                if "id" in columns else "SELECT 1")
        return count


# --- the world ---------------------------------------------------------------------------------

class World:
    """What the generators share: ids, each official's cohort and how far they got."""

    def __init__(self, officials: int, attempts: int, certificates: int, today: date, seed: int):
        self.rng = random.Random(seed)
        self.officials = officials
        self.attempts = attempts
        self.certificates = certificates
        self.today = today
        self.now = datetime.combine(today, datetime.min.time(), tzinfo=UTC)


def fill(app, world: World, municipalities: int) -> dict:
    """Write the whole history; returns what the timing needs (the manager's id, ...)."""
    from certify.accounts.models import Role
    from certify.accounts.services import create_person
    from certify.assessments.models import Quiz
    from certify.extensions import db
    from certify.programmes.content import load_course_content
    from certify.programmes.models import ModuleKind

    copier = Copier(db.engine)
    rng, now = world.rng, world.now
    log("Loading the course content ...")
    programme = load_course_content(app.config["CONTENT_DIR"]).programme
    manager = create_person(email="bench.manager@example.org", given_names="Bench",
                            family_names="Manager", roles=[Role.MANAGER])
    db.session.commit()
    programme_id, manager_id = programme.id, manager.id
    virtual = [m for m in programme.modules if m.kind is ModuleKind.VIRTUAL]
    in_person = next(m for m in programme.modules if m.kind is ModuleKind.IN_PERSON)
    quiz_ids = [db.session.scalar(db.select(Quiz.id).where(Quiz.module_id == m.id))
                for m in virtual]
    module_ids = [m.id for m in programme.modules]

    log(f"Places: {len(COUNTRIES)} countries, {municipalities:,} municipalities ...")
    region_ids = _places(copier, rng, municipalities)
    municipality_ids = list(range(1, municipalities + 1))

    log(f"Officials: {world.officials:,} ...")
    first_person = 1000  # the manager and content loading took the first ids
    people = list(range(first_person, first_person + world.officials))
    copier.copy("person", ("id", "email", "given_names", "family_names", "municipality_id",
                           "gender", "birth_year", "preferred_locale", "active", "created_at",
                           "updated_at"), (
        (pid, f"official{pid}@bench.example.org", rng.choice(GIVEN), rng.choice(FAMILY),
         _skewed(rng, municipality_ids), rng.choices(GENDERS, GENDER_WEIGHTS)[0],
         rng.randint(1958, 2002), "es", True, now, now) for pid in people),
        total=len(people))
    copier.copy("role_grant", ("person_id", "role", "granted_at"),
                ((pid, Role.OFFICIAL.value, now) for pid in people), total=len(people))

    log(f"Cohorts: {COHORTS}, one enrolment per official ...")
    cohorts = _cohorts(copier, programme_id, world)
    cohort_of = {pid: cohorts[index % len(cohorts)][0] for index, pid in enumerate(people)}
    stage = {pid: _stage(rng) for pid in people}
    copier.copy("enrolment", ("cohort_id", "person_id", "status", "enrolled_at"), (
        (cohort_of[pid], pid, "withdrawn" if stage[pid] == 0 and rng.random() < .4 else "active",
         now - timedelta(days=900)) for pid in people), total=len(people))

    log(f"Quiz attempts: {world.attempts:,} ...")
    _attempts(copier, world, people, stage, quiz_ids)

    log("In-person sessions, registrations and check-ins ...")
    sessions = _sessions(copier, cohorts, in_person.id, now)
    attended = _attendance(copier, rng, people, stage, cohort_of, sessions, manager_id, now)

    log("Project groups and graded prototypes ...")
    _prototypes(copier, rng, attended, stage, cohort_of, manager_id, now)

    log("Surveys and their answers ...")
    _surveys(copier, rng, cohorts, people, stage, cohort_of, programme_id, module_ids, now)

    log(f"Certificates: {world.certificates:,} ...")
    _certificates(copier, world, programme, people, stage, cohort_of)

    log("The target, its milestones and the quotas ...")
    _plan(programme, world)
    db.session.commit()
    from certify.reports.facts import refresh_programme

    log("Building the dashboard's read model (certify reports refresh) ...")
    refresh = refresh_programme(programme)
    db.session.commit()
    log(f"  refreshed in {refresh.seconds:.1f} s")
    log("VACUUM ANALYZE ...")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    return {"manager_id": manager_id, "programme_id": programme_id,
            "region_id": region_ids[0], "cohort_id": cohorts[len(cohorts) // 2][0]}


GIVEN = ["Ana", "Camila", "Valentina", "Juan Pablo", "Matías", "Diego", "Fernanda", "João",
         "Lucas", "Rocío", "Héctor", "María José", "Tomás", "Paula", "Raúl", "Silvia"]
FAMILY = ["González Muñoz", "Rojas Díaz", "Pérez Soto", "Silva Santos", "Ferreira Sosa",
          "Benítez Ortiz", "Ñancupil Huenchumán", "Oliveira Souza", "Villalba Duarte"]
GENDERS = ["female", "male", "non_binary", "undisclosed", None]
GENDER_WEIGHTS = [57, 40, 1, 1, 1]


def _skewed(rng: random.Random, ids: list[int]) -> int:
    """Some municipalities have many more officials than others, as in life."""
    return ids[int(len(ids) * rng.random() ** 1.6)]


def _stage(rng: random.Random) -> int:
    """How far an official got: 0-3 quizzes passed, 4 all quizzes, 5 attended in person,
    6 prototype passed (the people certificates are drawn from)."""
    return rng.choices(range(7), [6, 4, 4, 4, 10, 12, 60])[0]


def _places(copier: Copier, rng: random.Random, municipalities: int) -> list[int]:
    copier.copy("country", ("id", "code", "name"),
                [(index, code, name) for index, (code, name) in
                 enumerate(COUNTRIES.items(), start=1)])
    regions = [(index, (index - 1) % len(COUNTRIES) + 1, f"Región {index:02d}")
               for index in range(1, 17 * len(COUNTRIES) + 1)]
    copier.copy("region", ("id", "country_id", "name"), regions)
    copier.copy("municipality", ("id", "region_id", "name", "kind", "population"), (
        (index, regions[index % len(regions)][0], f"Comuna {index:04d}",
         "rural" if rng.random() < .7 else "urban",
         rng.randint(1_000, 30_000) if rng.random() < .7 else rng.randint(30_000, 600_000))
        for index in range(1, municipalities + 1)), total=municipalities)
    return [region[0] for region in regions]


def _cohorts(copier: Copier, programme_id: int, world: World) -> list[tuple[int, date]]:
    start = world.today - timedelta(days=3 * 365)
    cohorts = [(index, start + timedelta(days=int(index * 3 * 365 / COHORTS)))
               for index in range(1, COHORTS + 1)]
    copier.copy("cohort", ("id", "programme_id", "name", "starts_on", "ends_on", "created_at",
                           "updated_at"),
                [(cid, programme_id, f"Cohorte {cid:02d}", starts, starts + timedelta(days=130),
                  world.now, world.now) for cid, starts in cohorts])
    return cohorts


def _attempts(copier: Copier, world: World, people: list[int], stage: dict[int, int],
              quiz_ids: list[int]) -> None:
    """``world.attempts`` attempts, spread over the quizzes each official reached."""
    rng, now = world.rng, world.now
    pairs = [(pid, index) for pid in people for index in range(min(4, stage[pid] + 1))]

    def rows() -> Iterator[tuple]:
        attempt_id = 0
        for position, (pid, index) in enumerate(pairs):
            # Spread exactly world.attempts over the pairs, two or three each, in order.
            count = ((position + 1) * world.attempts // len(pairs)
                     - position * world.attempts // len(pairs))
            passes = index < stage[pid]
            for number in range(1, count + 1):
                attempt_id += 1
                passed = passes and number == count
                started = now - timedelta(days=rng.randint(30, 1000), minutes=number)
                yield (attempt_id, quiz_ids[index], pid, number, f"{attempt_id:032x}",
                       "submitted", started, started + timedelta(minutes=20), "[]", "{}", "{}",
                       10 if passed else 4, 12, Decimal(83 if passed else 33), passed,
                       now, now)

    copier.copy("quiz_attempt", ("id", "quiz_id", "person_id", "number", "token", "status",
                                 "started_at", "submitted_at", "question_order",
                                 "option_order", "answers", "score_points", "max_points",
                                 "percent", "passed", "created_at", "updated_at"),
                rows(), total=world.attempts)


def _sessions(copier: Copier, cohorts, module_id: int, now: datetime) -> dict[int, int]:
    sessions = {}
    rows = []
    for cid, starts in cohorts:
        at = datetime.combine(starts + timedelta(days=120), datetime.min.time(), tzinfo=UTC)
        rows.append((cid, cid, module_id, "Encuentro presencial", at + timedelta(hours=12),
                     at + timedelta(hours=40), "Santiago, Chile", "America/Santiago",
                     5000, False, at + timedelta(hours=41), now, now))
        sessions[cid] = cid
    copier.copy("in_person_session", ("id", "cohort_id", "module_id", "title", "starts_at",
                                      "ends_at", "venue", "time_zone", "capacity",
                                      "registration_open",
                                      "closed_at", "created_at", "updated_at"), rows)
    return sessions


def _attendance(copier: Copier, rng, people, stage, cohort_of, sessions, manager_id, now
                ) -> list[int]:
    """Everyone who passed every quiz registers; returns who attended (present or late)."""
    registrations, check_ins, attended = [], [], []
    registration_id = 0
    for pid in people:
        if stage[pid] < 4:
            continue
        registration_id += 1
        walk_in = stage[pid] >= 5 and rng.random() < .03
        registrations.append((registration_id, sessions[cohort_of[pid]], pid, "confirmed",
                              walk_in, f"t{registration_id:031d}", now, now, now, now))
        if stage[pid] >= 5:
            status = "present" if rng.random() < .88 else "late"
            attended.append(pid)
        else:
            status = rng.choice(["no_show", "no_show", "absent", "excused"])
        method = "walk_in" if walk_in else ("closing" if status == "no_show" else "ticket")
        check_ins.append((registration_id, registration_id, status, method, now, manager_id,
                          now, now))
    copier.copy("registration", ("id", "session_id", "person_id", "status", "walk_in",
                                 "ticket_code", "registered_at", "confirmed_at", "created_at",
                                 "updated_at"), registrations, total=len(registrations))
    copier.copy("check_in", ("id", "registration_id", "status", "method", "checked_in_at",
                             "recorded_by_id", "created_at", "updated_at"), check_ins,
                total=len(check_ins))
    return attended


def _prototypes(copier: Copier, rng, attended, stage, cohort_of, manager_id, now) -> None:
    """Groups of five of the same cohort and outcome; each submits once and is graded."""
    by_cohort: dict[tuple[int, bool], list[int]] = {}
    for pid in attended:
        by_cohort.setdefault((cohort_of[pid], stage[pid] >= 6), []).append(pid)
    groups, memberships, submissions, grades = [], [], [], []
    group_id = 0
    for (cohort_id, passing), members in sorted(by_cohort.items()):
        for start in range(0, len(members), 5):
            group_id += 1
            team = members[start:start + 5]
            joined = now - timedelta(days=400)
            groups.append((group_id, cohort_id, f"Grupo {group_id}", joined))
            memberships += [(cohort_id, group_id, pid, joined, "", "") for pid in team]
            submitted = joined + timedelta(days=60)
            submissions.append((group_id, group_id, 1, "Prototipo", "p", "a", "d", "d", "d",
                                "d", "d", team[0], submitted, False))
            percent = rng.randint(60, 98) if passing else rng.randint(30, 59)
            grades.append((group_id, group_id, manager_id, "released", "", Decimal(percent),
                           submitted + timedelta(days=7), now, now))
    copier.copy("project_group", ("id", "cohort_id", "name", "created_at"), groups)
    copier.copy("group_membership", ("cohort_id", "group_id", "person_id", "joined_at",
                                     "reason", "left_reason"), memberships,
                total=len(memberships))
    copier.copy("prototype_submission", ("id", "group_id", "version", "title", "problem",
                                         "audience", "discover", "define", "develop",
                                         "deliver", "description", "submitted_by_id",
                                         "submitted_at", "late"), submissions)
    copier.copy("prototype_grade", ("id", "submission_id", "tutor_id", "status", "feedback",
                                    "percent", "released_at", "created_at", "updated_at"),
                grades)


def _surveys(copier: Copier, rng, cohorts, people, stage, cohort_of, programme_id,
             module_ids, now) -> None:
    import sqlalchemy as sa

    from certify.cohorts.models import Cohort
    from certify.extensions import db
    from certify.surveys.giving import ensure_surveys
    from certify.surveys.models import ItemKind, Survey, SurveyItem, SurveyTemplate

    ensure_surveys(db.session.scalars(sa.select(Cohort)).all())
    db.session.commit()
    surveys = {(survey.cohort_id, survey.module_id): survey.id
               for survey in db.session.scalars(sa.select(Survey).where(
                   Survey.module_id.is_not(None)))}
    items = db.session.scalars(
        sa.select(SurveyItem.id).join(SurveyTemplate, SurveyTemplate.id == SurveyItem.template_id)
        .where(SurveyTemplate.programme_id == programme_id,
               SurveyItem.kind == ItemKind.SCALE)).all()
    responses, answers = [], []
    response_id = 0
    for pid in people:
        for position, module_id in enumerate(module_ids):
            if position > stage[pid] or rng.random() > .25:
                continue
            response_id += 1
            responses.append((response_id, surveys[(cohort_of[pid], module_id)], pid, now, now))
            answers += [(response_id, item, rng.choice([5, 5, 5, 4, 4, 3])) for item in items]
    copier.copy("survey_response", ("id", "survey_id", "person_id", "created_at", "updated_at"),
                responses, total=len(responses))
    copier.copy("survey_answer", ("response_id", "item_id", "score"), answers,
                total=len(answers))


def _certificates(copier: Copier, world: World, programme, people, stage, cohort_of) -> None:
    rng, now = world.rng, world.now
    eligible = [pid for pid in people if stage[pid] >= 6]
    chosen = rng.sample(eligible, min(world.certificates, len(eligible)))
    title = json.dumps(programme.title)
    certificate_title = json.dumps(programme.certificate_title or programme.title)
    modules = json.dumps([{"code": m.code, "title": m.title, "hours": str(m.hours)}
                          for m in programme.modules])
    days = 30 * 30  # issued over the last thirty months, faster lately

    def rows() -> Iterator[tuple]:
        for index, pid in enumerate(chosen, start=1):
            issued = now - timedelta(days=int(days * (1 - rng.random() ** 0.6)),
                                     hours=rng.randint(1, 20))
            revoked = issued + timedelta(days=3) if rng.random() < .01 else None
            yield (index, f"BN{index:06d}-BENCH", "programme", pid,
                   "Persona Certificada", "es", programme.code, title, "{}", certificate_title,
                   modules, programme.total_hours, programme.issuer_name or "", "[]",
                   "Santiago", "{}", programme.id, cohort_of[pid], issued, "bench.token",
                   "bench", index, revoked, "Error de datos" if revoked else None, 0, now)

    copier.copy("certificate", (
        "id", "serial", "kind", "person_id", "holder_name", "holder_locale", "programme_code",
        "programme_title", "programme_description", "certificate_title", "modules", "hours",
        "issuer_name", "authorities", "place", "criteria", "programme_id", "cohort_id",
        "issued_at", "token", "kid", "status_list_index", "revoked_at", "revocation_reason",
        "verification_count", "created_at"), rows(), total=len(chosen))


def _plan(programme, world: World) -> None:
    from certify.reports.allocations import distribute_target
    from certify.reports.models import AllocationLevel
    from certify.reports.targets import set_milestone, set_target

    start = date(world.today.year - 2, 1, 1)
    target = set_target(programme, certified=40_000, starts_on=start,
                        due_on=date(world.today.year + 1, 12, 31), actor=None)
    for offset, certified in enumerate((6_000, 16_000, 28_000)):
        set_milestone(target, year=start.year + offset, certified=certified)
    rural, urban = Decimal("1.5"), Decimal("1")
    distribute_target(target, AllocationLevel.MUNICIPALITY, rural_weight=rural,
                      urban_weight=urban)
    distribute_target(target, AllocationLevel.REGION, rural_weight=rural, urban_weight=urban)
