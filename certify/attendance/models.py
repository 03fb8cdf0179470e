"""Sessions of the in-person module, who registered for them, and who came."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.accounts.models import Municipality, Person
from certify.cohorts.models import Cohort
from certify.core.clock import utcnow
from certify.core.timezones import programme_zone_name
from certify.db import Base, TimestampMixin, str_enum
from certify.programmes.models import Module


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"
    NO_SHOW = "no_show"  # held a seat, never checked in, session closed


# Best first: what counts for a person who attended several sessions of a cohort.
ATTENDANCE_RANK = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED,
                   AttendanceStatus.ABSENT, AttendanceStatus.NO_SHOW)
ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE})


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # holds a seat (or came as a walk-in) and a ticket
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class CheckInMethod(enum.StrEnum):
    TICKET = "ticket"  # QR ticket scanned
    LIST = "list"  # chosen from the list of registered people
    WALK_IN = "walk_in"  # added on the spot
    CLOSING = "closing"  # no_show written when the session was closed


class InPersonSession(TimestampMixin, Base):
    """One sitting of an in-person module for a cohort, e.g. the two days in Santiago."""

    __tablename__ = "in_person_session"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"),
                                           index=True)
    # No cascade: attendance is evidence for certificates; a module with sessions must stay.
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    venue: Mapped[str] = mapped_column(sa.String(300))
    # Where the venue is; its country (or region) gives the session's clock unless staff chose one.
    venue_municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="SET NULL"))
    # IANA name: the session's times are shown, and typed by staff, at the venue's local time.
    time_zone: Mapped[str] = mapped_column(sa.String(64), default=lambda: programme_zone_name())
    capacity: Mapped[int]
    registration_open: Mapped[bool] = mapped_column(default=True)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship()
    module: Mapped[Module] = relationship()
    closed_by: Mapped[Person | None] = relationship()
    venue_municipality: Mapped[Municipality | None] = relationship()
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def __repr__(self) -> str:
        return f"<InPersonSession {self.id} {self.title}>"


class Registration(TimestampMixin, Base):
    """A person's place at a session: confirmed (with a ticket), waitlisted or cancelled."""

    __tablename__ = "registration"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "person_id"),
        sa.Index("ix_registration_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("in_person_session.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"),
                                           index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus, "registration_status"))
    walk_in: Mapped[bool] = mapped_column(default=False)
    # Random, set when a seat is confirmed and replaced on every new confirmation, so a
    # ticket from before a cancellation is worthless; signed into the QR token.
    ticket_code: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    # The waitlist is served in this order; re-registering after a cancellation re-queues.
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    session: Mapped[InPersonSession] = relationship(back_populates="registrations")
    person: Mapped[Person] = relationship()
    check_in: Mapped[CheckIn | None] = relationship(
        back_populates="registration", cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status} session={self.session_id}>"


class CheckIn(TimestampMixin, Base):
    """What happened to a registration at the session; one per registration, updated in place."""

    __tablename__ = "check_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True)
    status: Mapped[AttendanceStatus] = mapped_column(
        str_enum(AttendanceStatus, "attendance_status"))
    method: Mapped[CheckInMethod] = mapped_column(str_enum(CheckInMethod, "check_in_method"))
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"))

    registration: Mapped[Registration] = relationship(back_populates="check_in")
    recorded_by: Mapped[Person | None] = relationship()

    def __repr__(self) -> str:
        return f"<CheckIn {self.id} {self.status} registration={self.registration_id}>"
