"""Quizzes as loaded from course_content/quizzes/*.yaml, and the attempts officials make."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.accounts.models import Person
from certify.core.i18n import with_fallback
from certify.db import Base, TimestampMixin, str_enum
from certify.programmes.models import Module, Translated


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"


class CountingAttempt(enum.StrEnum):
    BEST = "best"
    LAST = "last"


class ResultPage(enum.StrEnum):
    """What the result page of an attempt shows the person who took it (the quiz file's
    ``result_page``). The correct answers of a quiz that can still be retaken would make
    the next attempt trivial, hence the default."""

    SCORE = "score"  # the score and nothing else
    MISTAKES = "mistakes"  # the score and which questions earned no point, never the answers
    # Which questions were wrong while attempts remain; the correct answers and explanations
    # once the quiz is passed or no attempt is left.
    ANSWERS_WHEN_FINAL = "answers_when_final"


class Quiz(TimestampMixin, Base):
    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("module.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[Translated] = mapped_column(sa.JSON)
    pass_mark: Mapped[int] = mapped_column(default=70)  # percent
    max_attempts: Mapped[int | None]
    time_limit_minutes: Mapped[int | None]
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_options: Mapped[bool] = mapped_column(default=False)
    counting_attempt: Mapped[CountingAttempt] = mapped_column(
        str_enum(CountingAttempt, "counting_attempt"), default=CountingAttempt.BEST
    )
    # A question bank: each attempt draws this many of the active questions (None: all).
    questions_per_attempt: Mapped[int | None]
    result_page: Mapped[ResultPage] = mapped_column(
        str_enum(ResultPage, "result_page"), default=ResultPage.ANSWERS_WHEN_FINAL,
        server_default=ResultPage.ANSWERS_WHEN_FINAL.value,
    )
    source_path: Mapped[str] = mapped_column(sa.String(300), default="")

    module: Mapped[Module] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def active_questions(self) -> list[Question]:
        return [question for question in self.questions if question.active]

    @property
    def questions_asked(self) -> int:
        """How many questions one attempt asks: the bank's draw, or every active question."""
        available = len(self.active_questions)
        return min(self.questions_per_attempt or available, available)


class Question(Base):
    __tablename__ = "question"
    __table_args__ = (sa.UniqueConstraint("quiz_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "question_kind"))
    # Spanish, the reference (and what staff exports show); the other languages beside it.
    prompt: Mapped[str] = mapped_column(sa.Text)
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    prompt_translations: Mapped[Translated] = mapped_column(sa.JSON, default=dict)
    explanation_translations: Mapped[Translated] = mapped_column(sa.JSON, default=dict)
    # A question dropped from the file is retired, not deleted: past attempts refer to it.
    active: Mapped[bool] = mapped_column(default=True)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan"
    )

    @property
    def correct_keys(self) -> frozenset[str]:
        return frozenset(option.key for option in self.options if option.correct)

    def prompt_in(self, locale: object | None = None) -> str:
        return with_fallback({**self.prompt_translations, "es": self.prompt}, locale)[0]

    def explanation_in(self, locale: object | None = None) -> str:
        if not self.explanation:
            return ""
        return with_fallback({**self.explanation_translations, "es": self.explanation}, locale)[0]

    def untranslated_in(self, locale: object | None = None) -> bool:
        """True when the prompt, an option or the explanation falls back to Spanish."""
        texts = [{**self.prompt_translations, "es": self.prompt}]
        if self.explanation:
            texts.append({**self.explanation_translations, "es": self.explanation})
        texts += [{**option.text_translations, "es": option.text}
                  for option in self.options if option.text]
        return any(with_fallback(text, locale)[1] for text in texts)


class QuestionOption(Base):
    __tablename__ = "question_option"
    __table_args__ = (sa.UniqueConstraint("question_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    text_translations: Mapped[Translated] = mapped_column(sa.JSON, default=dict)
    correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="options")

    def text_in(self, locale: object | None = None) -> str:
        return with_fallback({**self.text_translations, "es": self.text}, locale)[0]


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class QuizAttempt(TimestampMixin, Base):
    """One go at a quiz by one person, with the paper it was given and how it was scored.

    The attempt keeps its own question list and option order, chosen once at the
    start, so reloading the course content never reshuffles or changes it.
    """

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        sa.UniqueConstraint("quiz_id", "person_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        # Passed attempts per person: progress and the national reports' funnel.
        sa.Index("ix_quiz_attempt_passed", "person_id", "quiz_id",
                 sqlite_where=sa.text("passed"), postgresql_where=sa.text("passed")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]  # 1, 2, ... per quiz and person
    # Sent back with the HTML form, so a resubmitted page is recognised as this attempt.
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    status: Mapped[AttemptStatus] = mapped_column(
        str_enum(AttemptStatus, "attempt_status"), default=AttemptStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime]
    deadline_at: Mapped[datetime | None]  # None when the quiz has no time limit
    submitted_at: Mapped[datetime | None]
    # Question ids in the order shown, and {question id: [option keys in the order shown]}.
    question_order: Mapped[list[int]] = mapped_column(sa.JSON)
    option_order: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON)
    # {question id: [chosen option keys]}; replaced as a whole on every save.
    answers: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON, default=dict)
    answers_saved_at: Mapped[datetime | None]
    score_points: Mapped[int | None]
    max_points: Mapped[int | None]
    percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    passed: Mapped[bool | None]

    quiz: Mapped[Quiz] = relationship()
    person: Mapped[Person] = relationship()

    @property
    def is_submitted(self) -> bool:
        return self.status is AttemptStatus.SUBMITTED

    def __repr__(self) -> str:
        return f"<QuizAttempt {self.id} quiz={self.quiz_id} person={self.person_id} #{self.number}>"
