"""Certificates: records in their own right, never deleted, only revoked.

A certificate keeps a snapshot of everything it states (holder, programme,
modules and hours, issuer, authorities, place), so it stays meaningful after
the account, cohort, session or programme it came from is deleted: those links
are set to NULL, the certificate remains, and its signed token still verifies.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.core.clock import utcnow
from certify.core.i18n import localized
from certify.db import Base, str_enum

Translated = dict[str, str]  # {"es": ..., "pt": ..., "en": ...}


class CertificateKind(enum.StrEnum):
    PROGRAMME = "programme"  # "Agente de Innovación Pública": the whole programme
    PARTICIPATION = "participation"  # present (or late) at one in-person session


class RevocationReason(enum.StrEnum):
    """Why a certificate was revoked: stored as a code, shown translated (``reason_label``)."""

    ISSUED_IN_ERROR = "issued_in_error"
    REPLACED = "replaced"  # by a corrected certificate (reissue)
    REQUIREMENT_UNMET = "requirement_unmet"  # a requirement later found unmet
    HOLDER_REQUEST = "holder_request"
    OTHER = "other"


class Certificate(Base):
    __tablename__ = "certificate"
    __table_args__ = (
        # One live certificate per person and programme, and per person and session, whatever
        # the code above does: two managers or a retried job cannot create a second one.
        sa.Index("uq_certificate_live_programme", "person_id", "programme_id", unique=True,
                 sqlite_where=sa.text("kind = 'programme' AND revoked_at IS NULL"),
                 postgresql_where=sa.text("kind = 'programme' AND revoked_at IS NULL")),
        sa.Index("uq_certificate_live_participation", "person_id", "session_id", unique=True,
                 sqlite_where=sa.text("kind = 'participation' AND revoked_at IS NULL"),
                 postgresql_where=sa.text("kind = 'participation' AND revoked_at IS NULL")),
        sa.Index("ix_certificate_issued_at", "issued_at"),
        # What the national reports count: live programme certificates by programme and date.
        sa.Index("ix_certificate_live_programme_issued", "programme_id", "issued_at",
                 postgresql_include=["person_id", "cohort_id"],
                 sqlite_where=sa.text("kind = 'programme' AND revoked_at IS NULL"),
                 postgresql_where=sa.text("kind = 'programme' AND revoked_at IS NULL")),
        sa.CheckConstraint("verification_count >= 0", name="verification_count_not_negative"),
        sa.CheckConstraint("status_list_index >= 0", name="status_list_index_not_negative"),
        sa.CheckConstraint("revoked_at IS NULL OR revoked_at >= issued_at",
                           name="revoked_after_issue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(sa.String(14), unique=True)  # K7QM-3XDA-9PFT
    kind: Mapped[CertificateKind] = mapped_column(str_enum(CertificateKind, "certificate_kind"))
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"), index=True)

    # The snapshot: what the certificate says, as it was said on the day of issue.
    holder_name: Mapped[str] = mapped_column(sa.String(250))
    holder_locale: Mapped[str] = mapped_column(sa.String(8))
    programme_code: Mapped[str] = mapped_column(sa.String(32))
    programme_title: Mapped[Translated] = mapped_column(sa.JSON)
    programme_description: Mapped[Translated] = mapped_column(sa.JSON, default=dict)
    certificate_title: Mapped[Translated] = mapped_column(sa.JSON)
    # [{"code": "M1", "title": {...}, "hours": "24"}] in programme order
    modules: Mapped[list[dict]] = mapped_column(sa.JSON)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(6, 1))
    issuer_name: Mapped[str] = mapped_column(sa.String(200))
    # The issuer's name per language, when the programme gives it ({} for older certificates).
    issuer_names: Mapped[Translated] = mapped_column(sa.JSON, default=dict, server_default="{}")
    issuer_url: Mapped[str | None] = mapped_column(sa.String(300))
    issuer_email: Mapped[str | None] = mapped_column(sa.String(254))
    # How the page looks (certificates.design.design_snapshot): colours and the SHA-256 of the
    # logo, emblem, seal and signature images, which are kept for good (DesignImage).
    design: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    # [{"name": str, "title": {...}}]: who signs, as printed on the PDF
    authorities: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    # The certification rules met (programme certificates), for the Open Badges criteria.
    criteria: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The programme's competencies (programme certificates): the Open Badges alignment.
    alignment: Mapped[list[dict]] = mapped_column(sa.JSON, default=list, server_default="[]")

    # Where it came from; the links go, the certificate stays.
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="SET NULL"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cohort.id", ondelete="SET NULL"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("in_person_session.id", ondelete="SET NULL"), index=True)

    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"))
    # Compact JWS (EdDSA) over the essential claims; ``kid`` names the key that signed it.
    token: Mapped[str] = mapped_column(sa.Text)
    kid: Mapped[str] = mapped_column(sa.String(64))
    # The short token the printed QR code carries (format version 2, digits; see
    # certificates.qr_token). None for certificates issued before it existed: their QR code
    # carries ``token``.
    qr_token: Mapped[str | None] = mapped_column(sa.Text)
    # Position in the revocation status lists (list index // LIST_SIZE, bit index % LIST_SIZE).
    status_list_index: Mapped[int] = mapped_column(unique=True)

    revoked_at: Mapped[datetime | None]
    # A RevocationReason code, shown to the public translated; the note is for managers only.
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)
    revocation_note: Mapped[str | None] = mapped_column(sa.Text)
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"))
    replaced_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificate.id", ondelete="SET NULL"))

    # The stored PDF (written by certificates.rendering); its hash proves the file unchanged.
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    pdf_path: Mapped[str | None] = mapped_column(sa.String(300))

    # Recorded by ``certify certificates import``: awarded outside certify before it existed
    # (issued_at is the original award date); original_reference is the old document's number.
    imported: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    original_reference: Mapped[str | None] = mapped_column(sa.String(100))

    # Verifications through the page and the API; no visitor data is kept.
    verification_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    replaced_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and (now or utcnow()) >= self.expires_at

    def title_in(self, locale: object | None = None) -> str:
        """The certificate's title ("Agente de Innovación Pública") in ``locale``."""
        return localized(self.certificate_title, locale)

    def programme_title_in(self, locale: object | None = None) -> str:
        return localized(self.programme_title, locale)

    def issuer_name_in(self, locale: object | None = None) -> str:
        """The issuer's name in ``locale``, or the one name it was issued under."""
        return localized(self.issuer_names, locale) or self.issuer_name

    def __repr__(self) -> str:
        return f"<Certificate {self.serial} {self.kind}{' revoked' if self.revoked_at else ''}>"


class DesignImage(Base):
    """An image a certificate shows (logo, emblem, seal, signature), kept by its SHA-256.

    Never changed nor deleted: certificates refer to their images by hash, so a
    page renders the same years later whatever course_content/ holds by then.
    """

    __tablename__ = "design_image"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(sa.String(40))  # image/png or image/svg+xml
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    width: Mapped[int]  # pixels (PNG) or the SVG's viewBox units
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CertificateDesign(Base):
    """A programme's certificate design from course_content/: colours and images by hash."""

    __tablename__ = "certificate_design"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), unique=True)
    # {"primary": "#0b5cab", "accent": "#c9a227"}
    colours: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    logo_sha256: Mapped[str | None] = mapped_column(sa.ForeignKey("design_image.sha256"))
    emblem_sha256: Mapped[str | None] = mapped_column(sa.ForeignKey("design_image.sha256"))
    seal_sha256: Mapped[str | None] = mapped_column(sa.ForeignKey("design_image.sha256"))
    # One per authority, in the programme's order; null where an authority has none.
    signatures: Mapped[list] = mapped_column(sa.JSON, default=list)
