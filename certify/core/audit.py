"""An append-only record of consequential actions (grade reopened, certificate revoked, ...)."""

from __future__ import annotations

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
    event = AuditEvent(action=action, subject_type=type(subject).__name__, subject_id=subject.id,
                       actor_id=getattr(actor, "id", None), reason=reason, details=details)
    db.session.add(event)
    db.session.flush()
    return event


def history(subject: object) -> list[AuditEvent]:
    return list(db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.subject_type == type(subject).__name__, AuditEvent.subject_id == subject.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ))
