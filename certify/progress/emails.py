"""E-mails telling each official where they stand in a cohort, in the one status model's words
(:mod:`certify.progress.status`, the same as My programme and My certificates)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa

from certify.cohorts.models import Cohort, CohortModule
from certify.cohorts.schedule import module_deadlines
from certify.core.clock import today as clock_today
from certify.core.mail import external_url, queue_templated_email
from certify.extensions import db
from certify.progress.services import cohort_progress
from certify.progress.status import CohortStatus, certified_people, cohort_status


def queue_status_emails(cohort: Cohort, *, only: frozenset[CohortStatus] | None = None,
                        today: date | None = None) -> Counter[CohortStatus]:
    """Queue one e-mail per active member of ``cohort`` (those in ``only``'s statuses, if
    given) saying their status, what is missing and their next step; returns how many per
    status. Each goes in its reader's language and time zone."""
    today = today or clock_today()
    rows = cohort_progress(cohort)
    certified = certified_people(cohort, [row.enrolment.person_id for row in rows])
    upcoming = sorted(due for due in module_deadlines(cohort).values()
                      if due is not None and due >= today)
    sent: Counter[CohortStatus] = Counter()
    for row in rows:
        report = cohort_status(row, certified=row.enrolment.person_id in certified, today=today)
        if only is not None and report.status not in only:
            continue
        person = row.person
        queue_templated_email(
            person.email, "progress_status", locale=person.preferred_locale,
            time_zone=person.time_zone, person=person, cohort=cohort, report=report,
            missing=row.eligibility.missing, next_due=upcoming[0] if upcoming else None,
            programme_url=external_url("progress.my_programme"),
            certificates_url=external_url("certificates.my_certificates"))
        sent[report.status] += 1
    return sent


REMIND_DAYS_BEFORE = 7


def queue_deadline_reminders(today: date | None = None) -> Counter[CohortStatus]:
    """The daily reminders: a week before a module's deadline, the members still in progress
    get their status e-mail; the day after a cohort's last deadline, those who can no longer
    certify are told why and whom to write to. Each day matches once, so nobody gets one twice."""
    today = today or clock_today()
    ahead, just_passed = today + timedelta(days=REMIND_DAYS_BEFORE), today - timedelta(days=1)
    cohorts = db.session.scalars(
        sa.select(Cohort).where(Cohort.id.in_(sa.select(CohortModule.cohort_id).where(
            CohortModule.due_on.in_([ahead, just_passed])))).order_by(Cohort.id))
    sent: Counter[CohortStatus] = Counter()
    for cohort in cohorts:
        due_dates = [due for due in module_deadlines(cohort).values() if due is not None]
        if ahead in due_dates:
            sent += queue_status_emails(cohort, only=frozenset({CohortStatus.IN_PROGRESS}),
                                        today=today)
        if due_dates and max(due_dates) == just_passed:
            sent += queue_status_emails(cohort, only=frozenset({CohortStatus.OUT_OF_REACH}),
                                        today=today)
    return sent
