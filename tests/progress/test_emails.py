"""The status e-mail says what My programme says: the status, what is missing, the next step,
or why the cohort can no longer certify and whom to write to; in the reader's language."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import sqlalchemy as sa

from certify.core.mail import OutboxMessage
from certify.extensions import db
from certify.progress import emails
from certify.progress.eligibility import Eligibility, Requirement, Step
from certify.progress.emails import queue_status_emails
from certify.progress.status import CohortStatus
from tests.factories import enrol, make_cohort
from tests.progress.test_status import due_every_module

TODAY = date(2026, 6, 15)


def messages() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def a_cohort(programme, official, tutor, locale="es"):
    official.preferred_locale = locale
    cohort = make_cohort(programme, "Cohorte correo", tutors=[tutor])
    enrol(cohort, official)
    return cohort


def test_in_progress_lists_what_is_missing_the_next_deadline_and_where_to_do_it(
        programme, official, tutor):
    cohort = a_cohort(programme, official, tutor)
    due_every_module(cohort, TODAY + timedelta(days=10))
    assert queue_status_emails(cohort, today=TODAY) == {CohortStatus.IN_PROGRESS: 1}
    [message] = messages()
    assert message.to_address == official.email and message.locale == "es"
    assert message.subject == "Cohorte correo: lo que aún falta para tu certificado"
    body = message.text_body
    assert "En curso: todavía faltan algunos requisitos." in body  # My programme's words
    assert "Cuestionario del módulo 1 aún sin responder" in body
    assert "Próximo plazo: 25 de junio de 2026." in body
    assert "/my-programme" in body and "/my-programme" in message.html_body


def test_out_of_reach_says_why_and_whom_to_write_to_in_english(programme, official, tutor):
    cohort = a_cohort(programme, official, tutor, locale="en")
    due_every_module(cohort, TODAY - timedelta(days=1))
    queue_status_emails(cohort, today=TODAY)
    [message] = messages()
    assert message.subject == "Cohorte correo: you can no longer be certified in this cohort"
    assert "You can no longer be certified in this cohort." in message.text_body
    assert "Every module deadline has passed." in message.text_body
    assert f"{tutor.full_name} <{tutor.email}>" in message.text_body
    assert f"mailto:{tutor.email}" in message.html_body
    assert "Next deadline" not in message.text_body


def test_certified_in_portuguese_points_to_my_certificates(programme, official, tutor,
                                                           monkeypatch):
    cohort = a_cohort(programme, official, tutor, locale="pt_BR")
    monkeypatch.setattr(emails, "certified_people", lambda cohort, ids: set(ids))
    assert queue_status_emails(cohort, today=TODAY) == {CohortStatus.CERTIFIED: 1}
    [message] = messages()
    assert message.subject == "Cohorte correo: você está certificado"
    assert "/my-certificates" in message.text_body


def test_eligible_awaits_issuance_with_nothing_to_do(programme, official, tutor, monkeypatch):
    cohort = a_cohort(programme, official, tutor, locale="en")
    real = emails.cohort_progress
    monkeypatch.setattr(emails, "cohort_progress", lambda cohort: [
        replace(row, eligibility=Eligibility(row.person.id, (Requirement(Step.FINAL_SURVEY, True),)))
        for row in real(cohort)])
    queue_status_emails(cohort, today=TODAY)
    [message] = messages()
    assert message.subject == "Cohorte correo: you meet every requirement"
    assert "awaiting issuance by the programme team" in message.text_body
    assert "Next step: nothing for now." in message.text_body


def test_only_the_statuses_asked_for_are_written_to(programme, official, tutor):
    cohort = a_cohort(programme, official, tutor)
    assert queue_status_emails(cohort, only=frozenset({CohortStatus.OUT_OF_REACH}),
                               today=TODAY) == {}
    assert messages() == []


def test_the_command_queues_the_reminders(app, programme, official, tutor):
    cohort = a_cohort(programme, official, tutor)
    db.session.flush()
    result = app.test_cli_runner().invoke(
        args=["progress", "email-status", str(cohort.id), "--status", "in_progress"])
    assert result.exit_code == 0, result.output
    assert "1 e-mail(s) queued, 1 in_progress" in result.output
    missing = app.test_cli_runner().invoke(args=["progress", "email-status", "999999"])
    assert missing.exit_code == 2 and "999999" in missing.output


def test_a_week_before_a_deadline_those_in_progress_are_reminded_once(programme, official,
                                                                       tutor):
    from certify.core.scheduling import schedule
    from certify.progress.emails import queue_deadline_reminders

    cohort = a_cohort(programme, official, tutor)
    due_every_module(cohort, TODAY + timedelta(days=7))
    assert queue_deadline_reminders(today=TODAY - timedelta(days=1)) == {}
    assert queue_deadline_reminders(today=TODAY) == {CohortStatus.IN_PROGRESS: 1}
    assert queue_deadline_reminders(today=TODAY + timedelta(days=1)) == {}
    assert "Próximo plazo: 22 de junio de 2026." in messages()[0].text_body
    assert "deadline_reminders" in schedule()


def test_the_day_after_the_last_deadline_those_out_of_reach_are_told(programme, official, tutor):
    from certify.progress.emails import queue_deadline_reminders

    cohort = a_cohort(programme, official, tutor)
    due_every_module(cohort, TODAY - timedelta(days=1))
    assert queue_deadline_reminders(today=TODAY) == {CohortStatus.OUT_OF_REACH: 1}
    assert "ya no puedes certificarte" in messages()[0].subject
    assert queue_deadline_reminders(today=TODAY + timedelta(days=1)) == {}
