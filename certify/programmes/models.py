"""A programme and its modules, as loaded from course_content/."""

from __future__ import annotations

import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.core.i18n import localized, with_fallback
from certify.db import Base, TimestampMixin, str_enum

Translated = dict[str, str]  # {"es": ..., "pt": ..., "en": ...}


class ModuleKind(enum.StrEnum):
    VIRTUAL = "virtual"
    IN_PERSON = "in_person"


class Programme(TimestampMixin, Base):
    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    title: Mapped[Translated] = mapped_column(sa.JSON)
    description: Mapped[Translated] = mapped_column(sa.JSON, default=dict)
    certificate_title: Mapped[Translated] = mapped_column(sa.JSON, default=dict)
    issuer_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # {"es": ..., "pt": ..., "en": ...} when programme.yaml names the issuer per language.
    issuer_names: Mapped[Translated] = mapped_column(sa.JSON, default=dict, server_default="{}")
    issuer_url: Mapped[str | None] = mapped_column(sa.String(300))
    issuer_email: Mapped[str | None] = mapped_column(sa.String(254))
    # [{"name": str, "title": Translated}]: who signs the certificates.
    authorities: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    # The rules the eligibility service applies; data, so a programme can differ.
    certification_rules: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # [{"name": Translated, "url", "framework"?, "code"?, "description"?, "type"}]: what the
    # certificates align to (programmes.competencies).
    competencies: Mapped[list[dict]] = mapped_column(sa.JSON, default=list, server_default="[]")

    modules: Mapped[list[Module]] = relationship(
        back_populates="programme", order_by="Module.position", cascade="all, delete-orphan"
    )

    def title_in(self, locale: object | None = None) -> str:
        return localized(self.title, locale)

    @property
    def total_hours(self) -> Decimal:
        return sum((module.hours for module in self.modules), Decimal(0))

    def __repr__(self) -> str:
        return f"<Programme {self.code}>"


class Module(TimestampMixin, Base):
    __tablename__ = "module"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "code"),
        sa.CheckConstraint("hours >= 0", name="hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(32))
    position: Mapped[int]
    kind: Mapped[ModuleKind] = mapped_column(
        str_enum(ModuleKind, "module_kind")
    )
    title: Mapped[Translated] = mapped_column(sa.JSON)
    summary: Mapped[Translated] = mapped_column(sa.JSON, default=dict)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    learning_outcomes: Mapped[list[Translated]] = mapped_column(sa.JSON, default=list)
    venue: Mapped[str | None] = mapped_column(sa.String(200))
    content_markdown: Mapped[str] = mapped_column(sa.Text, default="")  # Spanish, the reference
    # {"pt": ..., "en": ...}: the teaching text in the other languages, where translated.
    content_translations: Mapped[Translated] = mapped_column(sa.JSON, default=dict)
    source_path: Mapped[str] = mapped_column(sa.String(300), default="")

    programme: Mapped[Programme] = relationship(back_populates="modules")

    def title_in(self, locale: object | None = None) -> str:
        return localized(self.title, locale)

    def content_in(self, locale: object | None = None) -> tuple[str, bool]:
        """The teaching text in ``locale``'s language, and whether it fell back to Spanish."""
        return with_fallback({**self.content_translations, "es": self.content_markdown}, locale)

    @property
    def is_virtual(self) -> bool:
        return self.kind is ModuleKind.VIRTUAL

    def __repr__(self) -> str:
        return f"<Module {self.code}>"
