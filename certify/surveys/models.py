"""Survey templates (from course_content/surveys), the surveys given to a cohort, the answers."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.accounts.models import Person
from certify.attendance.models import InPersonSession
from certify.cohorts.models import Cohort
from certify.core.i18n import localized
from certify.db import Base, TimestampMixin, str_enum
from certify.programmes.models import Module, Programme, Translated

SCALE_MIN, SCALE_MAX = 1, 5
TEXT_MAX_LENGTH = 2000


class ItemKind(enum.StrEnum):
    SCALE = "scale"  # a whole number from 1 to 5
    TEXT = "text"  # an open answer


class SurveyTemplate(TimestampMixin, Base):
    """The questions of a survey, as written in one course_content/surveys/*.yaml file."""

    __tablename__ = "survey_template"
    __table_args__ = (sa.UniqueConstraint("programme_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[Translated] = mapped_column(sa.JSON)
    source_path: Mapped[str] = mapped_column(sa.String(300), default="")

    programme: Mapped[Programme] = relationship()
    items: Mapped[list[SurveyItem]] = relationship(
        back_populates="template", order_by="SurveyItem.position", cascade="all, delete-orphan"
    )

    @property
    def active_items(self) -> list[SurveyItem]:
        return [item for item in self.items if item.active]

    def title_in(self, locale: object | None = None) -> str:
        return localized(self.title, locale)

    def __repr__(self) -> str:
        return f"<SurveyTemplate {self.key}>"


class SurveyItem(Base):
    __tablename__ = "survey_item"
    __table_args__ = (sa.UniqueConstraint("template_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_template.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int]
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind, "survey_item_kind"))
    prompt: Mapped[Translated] = mapped_column(sa.JSON)
    required: Mapped[bool] = mapped_column(default=True)
    # An item dropped from the file is retired, not deleted: past answers keep their meaning.
    active: Mapped[bool] = mapped_column(default=True)

    template: Mapped[SurveyTemplate] = relationship(back_populates="items")

    @property
    def is_scale(self) -> bool:
        return self.kind is ItemKind.SCALE

    def prompt_in(self, locale: object | None = None) -> str:
        return localized(self.prompt, locale)


class Survey(TimestampMixin, Base):
    """A template given to a cohort after one module or one in-person session."""

    __tablename__ = "survey"
    __table_args__ = (
        # NULLs never collide, so these say: one survey per module, one per session.
        sa.UniqueConstraint("cohort_id", "module_id"),
        sa.UniqueConstraint("cohort_id", "session_id"),
        sa.CheckConstraint("(module_id IS NULL) <> (session_id IS NULL)",
                           name="module_or_session"),
        sa.CheckConstraint("closes_at IS NULL OR closes_at > opens_at", name="window_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_template.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    module_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("module.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("in_person_session.id", ondelete="CASCADE"), index=True
    )
    opens_at: Mapped[datetime]
    # None while the cohort has no end date (or a manager said so); then the survey stays open.
    closes_at: Mapped[datetime | None]
    # Until a manager sets the window, it follows the cohort's dates when they change.
    window_customised: Mapped[bool] = mapped_column(default=False)

    template: Mapped[SurveyTemplate] = relationship()
    cohort: Mapped[Cohort] = relationship()
    module: Mapped[Module | None] = relationship()
    session: Mapped[InPersonSession | None] = relationship()

    def __repr__(self) -> str:
        return f"<Survey {self.id} cohort={self.cohort_id}>"


class SurveyResponse(TimestampMixin, Base):
    """One person's answers to one survey; edited in place until the survey closes."""

    __tablename__ = "survey_response"
    __table_args__ = (sa.UniqueConstraint("survey_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )

    survey: Mapped[Survey] = relationship()
    person: Mapped[Person] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    def answers_by_key(self) -> dict[str, int | str]:
        """``{item key: score or text}`` (needs the answers' items loaded)."""
        return {answer.item.key: answer.value for answer in self.answers}


class SurveyAnswer(Base):
    __tablename__ = "survey_answer"
    __table_args__ = (
        sa.UniqueConstraint("response_id", "item_id"),
        sa.CheckConstraint(f"score IS NULL OR score BETWEEN {SCALE_MIN} AND {SCALE_MAX}",
                           name="score_in_scale"),
        sa.CheckConstraint("(score IS NULL) <> (text IS NULL)", name="score_or_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_response.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_item.id"), index=True)
    score: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(sa.Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    item: Mapped[SurveyItem] = relationship()

    @property
    def value(self) -> int | str:
        return self.score if self.score is not None else self.text
