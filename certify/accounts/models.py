"""People and the places they work in."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from certify.core.clock import utcnow
from certify.core.names import fold, sort_key
from certify.core.timezones import municipality_zone
from certify.db import Base, TimestampMixin, str_enum


def new_session_stamp() -> str:
    return secrets.token_urlsafe(16)


class Role(enum.StrEnum):
    OFFICIAL = "official"
    TUTOR = "tutor"
    MANAGER = "manager"
    ADMIN = "admin"


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    UNDISCLOSED = "undisclosed"


class MunicipalityKind(enum.StrEnum):
    RURAL = "rural"
    URBAN = "urban"


class Country(Base):
    __tablename__ = "country"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(2), unique=True)  # ISO 3166-1 alpha-2
    name: Mapped[str] = mapped_column(sa.String(100))

    regions: Mapped[list[Region]] = relationship(back_populates="country", order_by="Region.name")


class Region(Base):
    __tablename__ = "region"
    __table_args__ = (sa.UniqueConstraint("country_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(sa.ForeignKey("country.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))

    country: Mapped[Country] = relationship(back_populates="regions")
    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="region", order_by="Municipality.name"
    )


class Municipality(Base):
    __tablename__ = "municipality"
    __table_args__ = (sa.UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[MunicipalityKind] = mapped_column(str_enum(MunicipalityKind, "municipality_kind"))
    population: Mapped[int | None]

    region: Mapped[Region] = relationship(back_populates="municipalities")

    @property
    def country(self) -> Country:
        return self.region.country


class Person(UserMixin, TimestampMixin, Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    given_names: Mapped[str] = mapped_column(sa.String(120))
    family_names: Mapped[str] = mapped_column(sa.String(120))
    # Kept by the model from the names (see certify.core.names): "ñancupil", "ÑANCUPIL" and
    # "nancupil" all find Ñancupil, and lists sort Báez < Benítez < Núñez < Ñancupil.
    search_name: Mapped[str] = mapped_column(sa.String(250), default="", server_default="")
    name_sort_key: Mapped[str] = mapped_column(
        sa.String(260).with_variant(sa.String(260, collation="C"), "postgresql"), default="",
        server_default="", index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    position: Mapped[str | None] = mapped_column(sa.String(160))
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender, "gender"))
    birth_year: Mapped[int | None]
    preferred_locale: Mapped[str] = mapped_column(sa.String(8), default="es")
    # IANA name chosen on the account page; None: the zone of the municipality's country/region.
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every session and remember cookie; a new value ends them all (sign-out,
    # password change, deactivation, "sign out everywhere").
    session_stamp: Mapped[str] = mapped_column(
        sa.String(32), default=lambda: new_session_stamp(), server_default="")

    municipality: Mapped[Municipality | None] = relationship()
    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    @validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        # One spelling per address makes uniqueness case-insensitive on every backend.
        return value.strip().lower()

    @validates("given_names", "family_names")
    def _keep_name_keys(self, key: str, value: str) -> str:
        names = {"given_names": self.given_names or "", "family_names": self.family_names or "",
                 key: value or ""}
        for column, key_value in self.name_keys(**names).items():
            setattr(self, column, key_value)
        return value

    @staticmethod
    def name_keys(given_names: str, family_names: str) -> dict[str, str]:
        """The derived columns, for code that inserts rows without the model (bulk loads)."""
        return {"search_name": fold(f"{given_names} {family_names}"),
                "name_sort_key": sort_key(family_names, given_names)}

    @classmethod
    def name_or_email_contains(cls, text: str) -> sa.ColumnElement[bool]:
        """People whose e-mail contains ``text``, or whose name holds each of its words
        (accents and case aside, in any order: "maria nancupil" finds María José Ñancupil)."""
        words = [cls.search_name.contains(word, autoescape=True) for word in fold(text).split()]
        return sa.or_(cls.email.contains(text.strip().lower(), autoescape=True),
                      sa.and_(*words) if words else sa.false())

    @classmethod
    def by_name(cls) -> tuple:
        """ORDER BY for lists of people: family names, then given names, as readers expect."""
        return cls.name_sort_key, cls.id

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_names}".strip()

    @property
    def zone_name(self) -> str | None:
        """The zone this person reads dates and times in: their choice, else their place's."""
        return self.time_zone or municipality_zone(self.municipality)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """What sessions and remember cookies hold: ``"<id>:<session stamp>"``."""
        return f"{self.id}:{self.session_stamp}"

    @property
    def roles(self) -> set[Role]:
        return {grant.role for grant in self.role_grants}

    def has_role(self, *roles: Role | str) -> bool:
        """True if the person holds any of ``roles``; admins hold every role."""
        held = self.roles
        return Role.ADMIN in held or any(Role(role) in held for role in roles)

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.email}>"


class RoleGrant(Base):
    """A role held by a person, optionally limited to one programme."""

    __tablename__ = "role_grant"
    __table_args__ = (sa.UniqueConstraint("person_id", "role", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    # None means every programme; the table lives in the programmes area.
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE")
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="role_grants")


class ApiToken(Base):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(12))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()
