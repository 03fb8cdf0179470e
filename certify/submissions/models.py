"""The rubric of a programme, the prototypes groups submit, their files and their grades."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.accounts.models import Person
from certify.cohorts.models import ProjectGroup
from certify.core.clock import utcnow
from certify.core.i18n import localized
from certify.db import Base, TimestampMixin, str_enum
from certify.programmes.models import Programme, Translated


class Rubric(TimestampMixin, Base):
    """How tutors grade the prototypes of a programme; loaded from course_content/rubric.yaml."""

    __tablename__ = "rubric"
    __table_args__ = (sa.CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), unique=True
    )
    pass_mark: Mapped[int]  # percent of the weighted maximum
    source_path: Mapped[str] = mapped_column(sa.String(300), default="")

    programme: Mapped[Programme] = relationship()
    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="rubric", order_by="RubricCriterion.position", cascade="all, delete-orphan"
    )

    @property
    def active_criteria(self) -> list[RubricCriterion]:
        return [criterion for criterion in self.criteria if criterion.active]

    @property
    def weighted_maximum(self) -> int:
        return sum(criterion.weight * criterion.max_points for criterion in self.active_criteria)


class RubricCriterion(Base):
    """One thing the tutors judge, with its weight and its ascending levels of achievement."""

    __tablename__ = "rubric_criterion"
    __table_args__ = (
        sa.UniqueConstraint("rubric_id", "key"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int]
    title: Mapped[Translated] = mapped_column(sa.JSON)
    description: Mapped[Translated] = mapped_column(sa.JSON, default=dict)
    weight: Mapped[int]
    # [{"points": int, "title": Translated, "description": Translated}], points ascending;
    # checked by the content loader, the only writer.
    levels: Mapped[list[dict]] = mapped_column(sa.JSON)
    # A criterion dropped from the file is retired, not deleted, when grades refer to it.
    active: Mapped[bool] = mapped_column(default=True)

    rubric: Mapped[Rubric] = relationship(back_populates="criteria")

    def title_in(self, locale: object | None = None) -> str:
        return localized(self.title, locale)

    @property
    def max_points(self) -> int:
        return max(level["points"] for level in self.levels)

    @property
    def points(self) -> list[int]:
        return [level["points"] for level in self.levels]

    def level(self, points: int | None) -> dict | None:
        """The level worth ``points``, or None."""
        return next((level for level in self.levels if level["points"] == points), None)


class SubmissionStatus(enum.StrEnum):
    """Where a group's latest version stands in the grading queue."""

    UNGRADED = "ungraded"
    DRAFT = "draft"
    RELEASED = "released"


class GradeStatus(enum.StrEnum):
    DRAFT = "draft"
    RELEASED = "released"


class PrototypeSubmission(Base):
    """One version of a group's prototype; every version is kept."""

    __tablename__ = "prototype_submission"
    __table_args__ = (
        sa.UniqueConstraint("group_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("project_group.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    problem: Mapped[str] = mapped_column(sa.Text)  # the public problem it addresses
    audience: Mapped[str] = mapped_column(sa.Text)  # who it serves
    # Evidence for each phase of the Double Diamond.
    discover: Mapped[str] = mapped_column(sa.Text)
    define: Mapped[str] = mapped_column(sa.Text)
    develop: Mapped[str] = mapped_column(sa.Text)
    deliver: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str] = mapped_column(sa.Text)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)  # after the cohort's project_due_at

    group: Mapped[ProjectGroup] = relationship()
    submitted_by: Mapped[Person] = relationship()
    files: Mapped[list[SubmissionFile]] = relationship(
        back_populates="submission", order_by="SubmissionFile.position",
        cascade="all, delete-orphan"
    )
    grade: Mapped[PrototypeGrade | None] = relationship(
        back_populates="submission", cascade="all, delete-orphan"
    )

    @property
    def status(self) -> SubmissionStatus:
        if self.grade is None:
            return SubmissionStatus.UNGRADED
        return SubmissionStatus(self.grade.status.value)

    def __repr__(self) -> str:
        return f"<PrototypeSubmission group={self.group_id} v{self.version}>"


class SubmissionFile(Base):
    """A file attached to a version; the bytes live on disk under their SHA-256."""

    __tablename__ = "submission_file"
    __table_args__ = (sa.CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prototype_submission.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    label: Mapped[str] = mapped_column(sa.String(200))  # the uploaded name, sanitised; shown only
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(10))  # detected from the content, e.g. "pdf"
    media_type: Mapped[str] = mapped_column(sa.String(100))

    submission: Mapped[PrototypeSubmission] = relationship(back_populates="files")


class PrototypeGrade(TimestampMixin, Base):
    """A tutor's grade of one version: a draft until released, then final unless reopened."""

    __tablename__ = "prototype_grade"
    __table_args__ = (
        sa.CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)",
                           name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prototype_submission.id", ondelete="CASCADE"), unique=True
    )
    tutor_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    status: Mapped[GradeStatus] = mapped_column(
        str_enum(GradeStatus, "grade_status"), default=GradeStatus.DRAFT
    )
    feedback: Mapped[str] = mapped_column(sa.Text, default="")
    # Weighted points / weighted maximum * 100; None while a criterion is unscored.
    percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    released_at: Mapped[datetime | None]

    submission: Mapped[PrototypeSubmission] = relationship(back_populates="grade")
    tutor: Mapped[Person] = relationship()
    scores: Mapped[list[RubricScore]] = relationship(
        back_populates="grade", cascade="all, delete-orphan"
    )
    adjustments: Mapped[list[MemberAdjustment]] = relationship(
        back_populates="grade", cascade="all, delete-orphan",
        foreign_keys="MemberAdjustment.grade_id",
    )

    @property
    def released(self) -> bool:
        return self.status is GradeStatus.RELEASED

    def points_for(self, criterion: RubricCriterion) -> int | None:
        return next((s.points for s in self.scores if s.criterion_id == criterion.id), None)

    def adjustment_for(self, person: Person) -> MemberAdjustment | None:
        return next((a for a in self.adjustments if a.person_id == person.id), None)


class RubricScore(Base):
    """The level (its points) a grade gives one criterion."""

    __tablename__ = "rubric_score"
    __table_args__ = (sa.UniqueConstraint("grade_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grade_id: Mapped[int] = mapped_column(sa.ForeignKey("prototype_grade.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric_criterion.id"), index=True)
    points: Mapped[int]

    grade: Mapped[PrototypeGrade] = relationship(back_populates="scores")
    criterion: Mapped[RubricCriterion] = relationship()


class MemberAdjustment(Base):
    """One member's own percent on a group grade, because group work is not all-or-nothing."""

    __tablename__ = "member_adjustment"
    __table_args__ = (
        sa.UniqueConstraint("grade_id", "person_id"),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grade_id: Mapped[int] = mapped_column(sa.ForeignKey("prototype_grade.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    reason: Mapped[str] = mapped_column(sa.Text)
    adjusted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    adjusted_at: Mapped[datetime] = mapped_column(default=utcnow)

    grade: Mapped[PrototypeGrade] = relationship(back_populates="adjustments")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    adjusted_by: Mapped[Person] = relationship(foreign_keys=[adjusted_by_id])
