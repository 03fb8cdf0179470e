"""The national plan: a programme's target of certified agents, its yearly milestones, the
quotas allocated to regions and municipalities, and the public-workforce baseline the
equity figures are compared with."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.accounts.models import Municipality, Region
from certify.db import Base, TimestampMixin
from certify.programmes.models import Programme


class AllocationLevel(enum.StrEnum):
    REGION = "region"
    MUNICIPALITY = "municipality"


class Target(TimestampMixin, Base):
    """How many agents a programme means to certify, from ``starts_on`` to ``due_on``."""

    __tablename__ = "target"
    __table_args__ = (
        sa.CheckConstraint("certified > 0", name="certified_positive"),
        sa.CheckConstraint("due_on > starts_on", name="due_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), unique=True)
    certified: Mapped[int]
    starts_on: Mapped[date]
    due_on: Mapped[date]
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"))

    programme: Mapped[Programme] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="target", order_by="Milestone.year", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Target programme={self.programme_id} {self.certified} by {self.due_on}>"


class Milestone(Base):
    """Agents certified, in total since the start, by the end of ``year``."""

    __tablename__ = "target_milestone"
    __table_args__ = (
        sa.UniqueConstraint("target_id", "year"),
        sa.CheckConstraint("certified >= 0", name="certified_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("target.id", ondelete="CASCADE"))
    year: Mapped[int]
    certified: Mapped[int]

    target: Mapped[Target] = relationship(back_populates="milestones")

    @property
    def due_on(self) -> date:
        """The last day of the milestone's year, capped at the target's due date."""
        return min(date(self.year, 12, 31), self.target.due_on)


class Allocation(TimestampMixin, Base):
    """A region's or a municipality's share of a target, with the weight it was shared by.

    A municipality's weight (e.g. 1.5 for rural ones) says how much more of the target it
    gets, per unit of the chosen basis, when the target is distributed.
    """

    __tablename__ = "allocation"
    __table_args__ = (
        # NULLs never collide, so these say: one allocation per region, one per municipality.
        sa.UniqueConstraint("target_id", "region_id"),
        sa.UniqueConstraint("target_id", "municipality_id"),
        sa.CheckConstraint("(region_id IS NULL) <> (municipality_id IS NULL)",
                           name="region_or_municipality"),
        sa.CheckConstraint("certified >= 0", name="certified_not_negative"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("target.id", ondelete="CASCADE"))
    region_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("region.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    certified: Mapped[int]
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(1))

    target: Mapped[Target] = relationship()
    region: Mapped[Region | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()

    @property
    def level(self) -> AllocationLevel:
        return AllocationLevel.REGION if self.region_id else AllocationLevel.MUNICIPALITY


class Baseline(TimestampMixin, Base):
    """The public workforce's shares along one dimension (gender, age band, region, area),
    in percent, with where the figures come from."""

    __tablename__ = "workforce_baseline"

    id: Mapped[int] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(20), unique=True)
    # {key: percent}, e.g. {"female": 58.0, "male": 42.0}; keys of regions are region ids.
    shares: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    source: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"))


# --- the figures' read model -------------------------------------------------------------------

class ReportFact(Base):
    """One person enrolled in a programme, as the figures count them: where, who, how far.

    A read model, so that a national dashboard reads one narrow row per person instead of
    a million quiz attempts. Rows are recomputed from the source tables for the people
    concerned whenever an attempt is scored, a check-in recorded, a grade released or an
    enrolment created (``reports.subscribers``), and for everyone by
    ``certify reports refresh`` (which also catches what sends no signal: a withdrawal, a
    reopened grade, a person moving to another municipality).
    """

    __tablename__ = "report_fact"

    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True)
    cohort_id: Mapped[int | None] = mapped_column(  # the latest enrolment's
        sa.ForeignKey("cohort.id", ondelete="SET NULL"))
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="SET NULL"))
    gender: Mapped[str | None] = mapped_column(sa.String(20))
    birth_year: Mapped[int | None]
    active: Mapped[bool]  # holds an enrolment that is not withdrawn
    virtual_modules_passed: Mapped[bool]
    attended_in_person: Mapped[bool]
    prototype_passed: Mapped[bool]
    refreshed_at: Mapped[datetime]


class SurveyTally(Base):
    """The 1-5 answers of one survey per question: what the satisfaction figures add up.

    ``item_id`` NULL: the survey's responses. Rows with ``by_place`` are split by the
    respondents' region and kind of municipality, for the place filters; the others are
    the whole survey's, so the unfiltered figures read a few rows per survey.
    """

    __tablename__ = "report_survey_tally"
    __table_args__ = (sa.Index("ix_report_survey_tally_survey", "survey_id", "by_place"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    by_place: Mapped[bool]
    item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_item.id", ondelete="CASCADE"))
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id", ondelete="CASCADE"))
    kind: Mapped[str | None] = mapped_column(sa.String(20))
    responses: Mapped[int]
    answers: Mapped[int]
    total: Mapped[int]


class ReportRefresh(Base):
    """When a programme's read model was last rebuilt in full, and how long it took."""

    __tablename__ = "report_refresh"

    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    refreshed_at: Mapped[datetime]
    seconds: Mapped[float]
