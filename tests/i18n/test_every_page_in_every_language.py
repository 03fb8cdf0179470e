"""Every HTML page and CSV file of the demo, read in Portuguese and in English by each role,
carries no Spanish that came from the database: content, reasons and labels are stored as
translations or codes and put in the reader's language when shown."""

from __future__ import annotations

import re

import sqlalchemy as sa

from certify.accounts.models import Person, Role
from certify.assessments.models import QuizAttempt
from certify.attendance.models import InPersonSession, Registration
from certify.certificates.bulk import IssueSummary
from certify.certificates.models import Certificate
from certify.cohorts.models import Cohort, ProjectGroup
from certify.core.jobs import enqueue
from certify.demo.builder import build_demo
from certify.demo.world import COHORT_NAME
from certify.extensions import db
from certify.submissions.models import PrototypeSubmission
from certify.surveys.models import Survey

# Spanish the demo stores or the catalogue once mistranslated: each must be read in the
# reader's language on a pt_BR or en page.
SPANISH_ONLY = [
    "Innovación como Herramienta de Buen Gobierno", "Innovación pública y valor público",
    "Diseño centrado en las personas", "Cuestionario del módulo", "¿Qué es la innovación pública?",
    "Comprensión del problema", "Encuesta de satisfacción del programa", "qué tan satisfecho",
    "aún sin responder", "Inscrito el", "Agente de Innovación Pública", "Directora Ejecutiva",
    "Fuerza laboral pública", "Selecciona todas las correctas",
]
SKIPPED = {"static", "certificates.pdf", "submissions.download", "lti.login", "lti.jwks",
           "lti.deep_link", "certificates.jwks_document", "certificates.public_key",
           "certificates.status_list", "ops.healthz", "ops.readyz"}


def _values() -> dict[str, object]:
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == COHORT_NAME))
    first = lambda query: db.session.scalars(query).first()  # noqa: E731
    official = first(sa.select(Person).join(Person.role_grants)
                     .where(Person.email.like("%@%"), Person.role_grants.any(role=Role.OFFICIAL))
                     .join(QuizAttempt, QuizAttempt.person_id == Person.id))
    job = enqueue("issue_cohort_certificates", hand_over=False, cohort_id=cohort.id)
    summary = IssueSummary(not_eligible=1)
    summary.reasons.update([(("code", "survey_not_answered"),), (("code", "quiz_not_taken"),
                                                                 ("number", 1))])
    summary.not_eligible_people.append({"person_id": official.id, "name": official.full_name,
                                        "reasons": [{"code": "quiz_not_taken", "number": 1}]})
    job.result = summary.as_result()
    db.session.flush()
    return {
        "cohort_id": cohort.id, "programme_id": cohort.programme_id, "code": "M1",
        "person_id": official.id, "job_id": job.id,
        "group_id": first(sa.select(ProjectGroup.id).where(ProjectGroup.cohort_id == cohort.id)),
        "quiz_id": first(sa.select(QuizAttempt.quiz_id)),
        "attempt_id": first(sa.select(QuizAttempt.id).where(QuizAttempt.passed.is_not(None))),
        "session_id": first(sa.select(InPersonSession.id)),
        "registration_id": first(sa.select(Registration.id)),
        "survey_id": first(sa.select(Survey.id)),
        "submission_id": first(sa.select(PrototypeSubmission.id)),
        "serial": first(sa.select(Certificate.serial)),
    }


def _urls(app, values: dict) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED or rule.rule.startswith("/api"):
            continue
        if all(values.get(argument) is not None for argument in rule.arguments):
            urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule))
    return sorted(urls)


def test_every_page_reads_in_portuguese_and_english(app, client, login_as):
    report = build_demo(app.config["CONTENT_DIR"])
    db.session.flush()
    values = _values()
    urls = _urls(app, values)
    assert len(urls) > 50
    people = [db.session.scalar(sa.select(Person).where(Person.email == email))
              for email, _role in report.logins]
    checked, leaks = 0, []
    for person in people:
        login_as(person)
        for url in urls:
            for lang in ("pt_BR", "en"):
                response = client.get(url, query_string={"lang": lang})
                assert response.status_code < 500, (url, person.email, lang)
                if response.status_code != 200 or not response.mimetype.startswith("text/"):
                    continue
                checked += 1
                text = response.get_data(as_text=True)
                leaks += [(url, person.email, lang, spanish) for spanish in SPANISH_ONLY
                          if spanish in text]
    assert checked > 150
    assert leaks == []

    # "Enrolled" as a funnel step or a chart legend counts people; as a column it is a date.
    login_as(people[0])  # the manager
    for url in ("/reports/funnel", "/reports/equity"):
        page = client.get(url, query_string={"lang": "pt_BR"}).get_data(as_text=True)
        assert "Inscritos" in page and "Inscrito em" not in page, url
    cohort = client.get(f"/cohorts/{values['cohort_id']}", query_string={"lang": "pt_BR"})
    assert "<th>Inscrito em</th>" in cohort.get_data(as_text=True)
