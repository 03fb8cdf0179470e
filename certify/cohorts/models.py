"""A cohort is one run of a programme; an enrolment puts a person in it.

Within a cohort, officials work on their innovation project in project groups
(``ProjectGroup``, ``GroupMembership``), and each module of the programme has
the dates this cohort follows it on (``CohortModule``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.accounts.models import Person
from certify.core.clock import utcnow
from certify.db import Base, TimestampMixin, str_enum
from certify.programmes.models import Module, Programme

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
    # When the group prototypes are due (see cohorts.schedule).
    project_due_at: Mapped[datetime | None]

    programme: Mapped[Programme] = relationship()
    tutors: Mapped[list[Person]] = relationship(
        secondary=cohort_tutor, order_by=Person.name_sort_key
    )
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


class ProjectGroup(Base):
    """A group of officials of one cohort who build an innovation prototype together."""

    __tablename__ = "project_group"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "name"),
        # Lets group_membership refer to (group, cohort) and so store a cohort that always
        # matches its group's: the one-current-group rule is indexed on that column.
        sa.UniqueConstraint("id", "cohort_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohort.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    current_memberships: Mapped[list[GroupMembership]] = relationship(
        primaryjoin="and_(ProjectGroup.id == GroupMembership.group_id, "
                    "GroupMembership.left_at.is_(None))",
        order_by="GroupMembership.joined_at, GroupMembership.id",
        viewonly=True,
    )

    @property
    def members(self) -> list[Person]:
        """The people in the group now, by family names."""
        people = [membership.person for membership in self.current_memberships]
        return sorted(people, key=lambda p: (p.name_sort_key, p.id))

    def __repr__(self) -> str:
        return f"<ProjectGroup {self.id} {self.name}>"


class GroupMembership(Base):
    """A person's time in a project group; closed (``left_at``), never deleted.

    ``moved_by`` and ``reason`` say who put the person in the group and why;
    ``left_by`` and ``left_reason`` who took them out (a move sets both sides).
    """

    __tablename__ = "group_membership"
    __table_args__ = (
        sa.ForeignKeyConstraint(["group_id", "cohort_id"],
                                ["project_group.id", "project_group.cohort_id"],
                                ondelete="CASCADE"),
        # At most one current group per person and cohort, whatever the code above does.
        sa.Index("uq_group_membership_current", "person_id", "cohort_id", unique=True,
                 sqlite_where=sa.text("left_at IS NULL"),
                 postgresql_where=sa.text("left_at IS NULL")),
        sa.CheckConstraint("left_at IS NULL OR left_at >= joined_at", name="left_after_joining"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(index=True)
    cohort_id: Mapped[int]
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    moved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    left_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL")
    )
    left_reason: Mapped[str] = mapped_column(sa.Text, default="")

    group: Mapped[ProjectGroup] = relationship(foreign_keys=[group_id])
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    moved_by: Mapped[Person | None] = relationship(foreign_keys=[moved_by_id])
    left_by: Mapped[Person | None] = relationship(foreign_keys=[left_by_id])

    @property
    def is_current(self) -> bool:
        return self.left_at is None


class CohortModule(Base):
    """The dates on which a cohort follows one module of its programme."""

    __tablename__ = "cohort_module"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "module_id"),
        sa.CheckConstraint("due_on IS NULL OR opens_on IS NULL OR due_on >= opens_on",
                           name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("module.id", ondelete="CASCADE"), index=True
    )
    opens_on: Mapped[date | None]
    due_on: Mapped[date | None]

    cohort: Mapped[Cohort] = relationship()
    module: Mapped[Module] = relationship()
