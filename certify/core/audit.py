"""An append-only record of consequential actions (grade reopened, certificate revoked, ...)."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from certify.core.clock import utcnow
from certify.db import Base
from certify.extensions import db


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Kept as a plain id: the record must outlive the account that acted.
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(sa.String(60))
    subject_type: Mapped[str] = mapped_column(sa.String(60))
    subject_id: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)


def record(action: str, subject: object, *, actor: object | None, reason: str = "",
           **details) -> AuditEvent:
    """Append an event about ``subject`` (any model with an ``id``) by ``actor`` (a person)."""
    return record_about(action, type(subject).__name__, subject.id, actor=actor, reason=reason,
                        **details)


def record_about(action: str, subject_type: str, subject_id: int, *, actor: object | None,
                 reason: str = "", **details) -> AuditEvent:
    """Append an event about something that is not a row (a key file: ``subject_id`` 0)."""
    event = AuditEvent(action=action, subject_type=subject_type, subject_id=subject_id,
                       actor_id=getattr(actor, "id", None), reason=reason,
                       # Dates and the like as text: the column is JSON.
                       details=json.loads(json.dumps(details, default=str)))
    db.session.add(event)
    db.session.flush()
    return event


def events_query(*, action: str | None = None, subject_type: str | None = None,
                 subject_id: int | None = None, actor_id: int | None = None,
                 involving_person_id: int | None = None, since: datetime | None = None,
                 until: datetime | None = None) -> sa.Select:
    """Events, newest first, filtered by whichever of the arguments are given
    (``involving_person_id``: the person acted, or the event is about them)."""
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if involving_person_id is not None:
        query = query.where(sa.or_(
            AuditEvent.actor_id == involving_person_id,
            sa.and_(AuditEvent.subject_type == "Person",
                    AuditEvent.subject_id == involving_person_id)))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query


def recorded_values(column: sa.orm.InstrumentedAttribute) -> list[str]:
    """Every action (or subject type) the log holds, for a filter's choices."""
    return list(db.session.scalars(sa.select(column).distinct().order_by(column)))


def history(subject: object) -> list[AuditEvent]:
    return list(db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.subject_type == type(subject).__name__, AuditEvent.subject_id == subject.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ))
