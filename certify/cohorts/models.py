"""A cohort is one run of a programme; an enrolment puts a person in it."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.accounts.models import Person
from certify.core.clock import utcnow
from certify.db import Base, TimestampMixin, str_enum
from certify.programmes.models import Programme

cohort_tutor = sa.Table(
    "cohort_tutor",
    Base.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("person_id", sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
)


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"  # e.g. gone from the Moodle course; kept, never deleted
    WITHDRAWN = "withdrawn"


class Cohort(TimestampMixin, Base):
    __tablename__ = "cohort"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "name"),
        sa.CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                           name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]

    programme: Mapped[Programme] = relationship()
    tutors: Mapped[list[Person]] = relationship(secondary=cohort_tutor, order_by=Person.family_names)
    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name}>"


class Enrolment(Base):
    __tablename__ = "enrolment"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[EnrolmentStatus] = mapped_column(
        str_enum(EnrolmentStatus, "enrolment_status"), default=EnrolmentStatus.ACTIVE
    )
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")
    person: Mapped[Person] = relationship()
