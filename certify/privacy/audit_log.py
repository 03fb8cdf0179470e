"""The audit log as managers read it: filters, labels in their language, CSV export."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from certify.accounts.models import Person
from certify.accounts.services import find_person_by_email
from certify.core import audit
from certify.core.audit import AuditEvent
from certify.core.csv_export import SafeCsvWriter
from certify.core.errors import ValidationError
from certify.extensions import db

# Stored as codes, shown in the reader's language; a code without a label is shown as is.
ACTION_LABELS = {
    "person.created": _l("Person added"),
    "person.updated": _l("Person's details changed"),
    "person.deactivated": _l("Account deactivated"),
    "person.reactivated": _l("Account reactivated"),
    "person.exported": _l("Personal data exported"),
    "person.erased": _l("Personal data erased"),
    "role.granted": _l("Role granted"),
    "role.revoked": _l("Role removed"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "lti_platform.created": _l("Moodle platform added"),
    "lti_platform.changed": _l("Moodle platform changed"),
    "lti_platform.registered": _l("Moodle platform registered itself"),
    "lti_keys.rotated": _l("LTI tool keys rotated"),
    "signing_key.rotated": _l("Certificate signing key rotated"),
    "target.set": _l("Target set"),
    "baseline.set": _l("Workforce baseline set"),
    "certificate_issued": _l("Certificate issued"),
    "certificate_revoked": _l("Certificate revoked"),
    "certificate_reissued": _l("Certificate reissued"),
    "grade.released": _l("Grade released"),
    "grade.reopened": _l("Grade reopened"),
    "project_group.created": _l("Project group created"),
    "audit.exported": _l("Audit log exported"),
    "cohort.overview_exported": _l("Cohort overview exported (CSV)"),
    "register.exported": _l("Register of certified agents exported (CSV)"),
}
PER_PAGE = 50


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    subject_type: str | None = None
    person_email: str | None = None
    since: date | None = None
    until: date | None = None

    def as_dict(self) -> dict[str, str]:
        values = {"action": self.action, "subject_type": self.subject_type,
                  "person": self.person_email, "since": self.since, "until": self.until}
        return {key: str(value) for key, value in values.items() if value}


def parse_filters(arguments) -> AuditFilters:
    """Filters from a query string or form; a wrong date is a ``ValidationError`` (400)."""
    dates = {}
    for name in ("since", "until"):
        value = (arguments.get(name) or "").strip()
        try:
            dates[name] = date.fromisoformat(value) if value else None
        except ValueError as error:
            message = _("Give the date as YYYY-MM-DD.")
            raise ValidationError(message, errors={name: [message]}) from error
    return AuditFilters(action=(arguments.get("action") or "").strip() or None,
                        subject_type=(arguments.get("subject_type") or "").strip() or None,
                        person_email=(arguments.get("person") or "").strip().lower() or None,
                        **dates)


def filtered_events(filters: AuditFilters) -> sa.Select:
    """The events the filters select; an unknown e-mail selects none."""
    involving = None
    if filters.person_email:
        person = find_person_by_email(filters.person_email)
        involving = person.id if person is not None else -1
    start = datetime.combine(filters.since, time.min, UTC) if filters.since else None
    end = (datetime.combine(filters.until, time.min, UTC) + timedelta(days=1)
           if filters.until else None)
    return audit.events_query(action=filters.action, subject_type=filters.subject_type,
                              involving_person_id=involving, since=start, until=end)


def people_named_in(events: list[AuditEvent]) -> dict[int, Person]:
    """The people who acted in ``events`` or are their subjects, by id, in one query."""
    ids = {event.actor_id for event in events if event.actor_id} | {
        event.subject_id for event in events if event.subject_type == "Person"}
    if not ids:
        return {}
    return {person.id: person for person in db.session.scalars(
        sa.select(Person).where(Person.id.in_(ids)))}


def filter_choices() -> dict[str, list[str]]:
    return {"actions": audit.recorded_values(AuditEvent.action),
            "subject_types": audit.recorded_values(AuditEvent.subject_type)}


CSV_COLUMNS = ("id", "at", "action", "action_label", "actor_id", "actor_email", "subject_type",
               "subject_id", "reason", "details")


def events_csv(filters: AuditFilters, *, actor: Person) -> str:
    """The selected events as CSV (UTC times); the export itself is audit-logged."""
    events = db.session.scalars(filtered_events(filters)).all()
    people = people_named_in(events)
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        who = people.get(event.actor_id)
        writer.writerow([event.id, event.at.isoformat(timespec="seconds"), event.action,
                         action_label(event.action), event.actor_id or "",
                         who.email if who else "", event.subject_type, event.subject_id,
                         event.reason,
                         json.dumps(event.details or {}, ensure_ascii=False, sort_keys=True)])
    audit.record_about("audit.exported", "AuditEvent", 0, actor=actor, rows=len(events),
                       filters=filters.as_dict())
    return buffer.getvalue()

