"""What certify knows about LTI platforms, their people, courses and activities, and the grades
it sends back.

A platform (``LtiPlatform``, e.g. one Moodle site) launches people (``LtiUser``: issuer and
subject -> Person) from its courses (``LtiContext`` -> Cohort) and their activities
(``LtiResourceLink`` -> a module, quiz, in-person session or the group project). Grades go
back to the course's gradebook columns (``LtiLineItem``) through ``GradeSync`` rows that make
retries, back-off and failures visible whatever runs them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.accounts.models import Person
from certify.cohorts.models import Cohort
from certify.core.clock import utcnow
from certify.db import Base, TimestampMixin, str_enum
from certify.programmes.models import Module, Programme

URL = sa.String(1000)
LTI_ID = sa.String(255)  # LTI ids (sub, context, resource link, deployment) are at most 255


class LtiPlatform(TimestampMixin, Base):
    """One registration of certify with a platform: its issuer and the client id it gave us."""

    __tablename__ = "lti_platform"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    issuer: Mapped[str] = mapped_column(URL)
    client_id: Mapped[str] = mapped_column(LTI_ID)
    auth_login_url: Mapped[str] = mapped_column(URL)
    auth_token_url: Mapped[str] = mapped_column(URL)
    # Some platforms expect another audience than the token URL in client assertions.
    auth_audience: Mapped[str | None] = mapped_column(URL)
    key_set_url: Mapped[str] = mapped_column(URL)
    # Courses of this platform become cohorts of this programme.
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="SET NULL"), index=True)
    # Only then is a launch with an e-mail known to certify linked to that account.
    trusted_for_email: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    registered_by: Mapped[str] = mapped_column(sa.String(20), default="hand")  # or "dynamic"
    # The platform's public keys, as last fetched from key_set_url.
    key_set: Mapped[dict | None] = mapped_column(sa.JSON)
    key_set_fetched_at: Mapped[datetime | None]
    # What Dynamic Registration exchanged, kept for support.
    registration_details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The language its launches last asked for: people the roster sync creates get it.
    locale: Mapped[str | None] = mapped_column(sa.String(8))

    programme: Mapped[Programme | None] = relationship()
    deployments: Mapped[list[LtiDeployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan",
        order_by="LtiDeployment.deployment_id")

    @property
    def deployment_ids(self) -> list[str]:
        return [deployment.deployment_id for deployment in self.deployments]

    def __repr__(self) -> str:
        return f"<LtiPlatform {self.id} {self.issuer} {self.client_id}>"


class LtiDeployment(Base):
    """A deployment of certify on a platform (e.g. site-wide, or one course category)."""

    __tablename__ = "lti_deployment"
    __table_args__ = (sa.UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(LTI_ID)

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class RegistrationInvite(Base):
    """A registration link a manager hands to a platform administrator; only its hash is kept.

    Dynamic Registration is reached anonymously, so a valid, unused link is what lets
    a platform register itself.
    """

    __tablename__ = "lti_registration_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    platform_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lti_platform.id", ondelete="SET NULL"))

    created_by: Mapped[Person | None] = relationship()
    platform: Mapped[LtiPlatform | None] = relationship()


class LoginState(Base):
    """An OIDC login in flight: the state and nonce handed to the platform, used once.

    Kept in the database rather than a cookie, so the launch works on any worker and
    inside an iframe whose cookies the browser blocks.
    """

    __tablename__ = "lti_login_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(64), unique=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    platform_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    # The launch's target_link_uri claim must be the one the login asked for.
    target_link_uri: Mapped[str | None] = mapped_column(URL)
    # The platform frame (lti_storage_target) that keeps state and nonce in the browser,
    # when the platform offered one: the launch checks the state there if no cookie came.
    storage_target: Mapped[str | None] = mapped_column(sa.String(100))

    platform: Mapped[LtiPlatform] = relationship()


class CacheEntry(Base):
    """pylti1p3's launch data storage: launch claims kept for later service calls."""

    __tablename__ = "lti_cache_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    value: Mapped[dict | list | str | bool | None] = mapped_column(sa.JSON)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AccessToken(Base):
    """A service access token (AGS, NRPS) from a platform's token endpoint, until it expires."""

    __tablename__ = "lti_access_token"
    __table_args__ = (sa.UniqueConstraint("platform_id", "scopes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platform.id", ondelete="CASCADE"))
    scopes: Mapped[str] = mapped_column(sa.String(64))  # SHA-256 of the sorted scopes
    token: Mapped[str] = mapped_column(sa.Text)
    expires_at: Mapped[datetime]


class LtiUser(Base):
    """A platform's user (issuer + subject) and the certify person they are."""

    __tablename__ = "lti_user"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(URL)
    subject: Mapped[str] = mapped_column(LTI_ID)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # True when certify created the account for this user (not linked to an existing one).
    created_person: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[datetime | None]
    # The language the platform last gave this person: while their preference in certify is
    # still that one, the next launch's language replaces it; once they choose another, theirs
    # wins.
    platform_locale: Mapped[str | None] = mapped_column(sa.String(8))

    person: Mapped[Person] = relationship()


class LtiContext(TimestampMixin, Base):
    """A platform course, and the cohort it is."""

    __tablename__ = "lti_context"
    __table_args__ = (sa.UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platform.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(LTI_ID)
    title: Mapped[str] = mapped_column(sa.String(255), default="")
    label: Mapped[str] = mapped_column(sa.String(255), default="")
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    # The service endpoints of the course, from the last launch that carried them.
    memberships_url: Mapped[str | None] = mapped_column(URL)
    lineitems_url: Mapped[str | None] = mapped_column(URL)
    ags_scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    roster_synced_at: Mapped[datetime | None]

    platform: Mapped[LtiPlatform] = relationship()
    cohort: Mapped[Cohort] = relationship()


class TargetKind(enum.StrEnum):
    """What an activity in the platform opens in certify."""

    PROGRAMME = "programme"  # no particular target: the person's programme
    MODULE = "module"
    QUIZ = "quiz"
    SESSION = "session"  # the in-person module's session of the cohort
    PROJECT = "project"  # the group's innovation prototype


class LtiResourceLink(TimestampMixin, Base):
    """An activity of a platform course that opens certify, and what it opens."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (sa.UniqueConstraint("context_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_context.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(LTI_ID)
    title: Mapped[str] = mapped_column(sa.String(255), default="")
    target_kind: Mapped[TargetKind] = mapped_column(
        str_enum(TargetKind, "lti_target_kind"), default=TargetKind.PROGRAMME)
    module_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("module.id", ondelete="SET NULL"), index=True)

    context: Mapped[LtiContext] = relationship()
    module: Mapped[Module | None] = relationship()


class LtiLineItem(Base):
    """A gradebook column of a platform course for one thing certify grades.

    ``resource_id`` names that thing (``quiz:M1``, ``project``); ``url`` is the platform's
    line item id, unknown until a launch tells it or certify finds or creates the column.
    """

    __tablename__ = "lti_line_item"
    __table_args__ = (sa.UniqueConstraint("context_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_context.id", ondelete="CASCADE"))
    resource_id: Mapped[str] = mapped_column(sa.String(60))
    label: Mapped[str] = mapped_column(sa.String(255))
    score_maximum: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2), default=Decimal(100))
    url: Mapped[str | None] = mapped_column(URL)

    context: Mapped[LtiContext] = relationship()


class SyncStatus(enum.StrEnum):
    PENDING = "pending"  # to send, now or at next_attempt_at
    SENT = "sent"
    FAILED = "failed"  # gave up; a manager can retry


class GradeSync(TimestampMixin, Base):
    """The latest score of one person for one gradebook column, and how sending it went.

    One row per person and line item: a newer score replaces the one waiting, an older one
    (a late event) is ignored, and what is sent always carries the score's own timestamp,
    so a late retry can never overwrite a newer score on the platform.
    """

    __tablename__ = "lti_grade_sync"
    __table_args__ = (
        sa.UniqueConstraint("line_item_id", "person_id"),
        sa.Index("ix_lti_grade_sync_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lti_line_item.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    lti_user_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_user.id", ondelete="CASCADE"),
                                             index=True)
    score_given: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    score_maximum: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    activity_progress: Mapped[str] = mapped_column(sa.String(20), default="Completed")
    grading_progress: Mapped[str] = mapped_column(sa.String(20), default="FullyGraded")
    scored_at: Mapped[datetime]  # when the score was given: the AGS timestamp
    status: Mapped[SyncStatus] = mapped_column(
        str_enum(SyncStatus, "lti_sync_status"), default=SyncStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")  # the platform's answer
    sent_at: Mapped[datetime | None]

    line_item: Mapped[LtiLineItem] = relationship()
    person: Mapped[Person] = relationship()
    lti_user: Mapped[LtiUser] = relationship()

