"""E-mail through an outbox: queued in the caller's transaction, delivered by a job.

``queue_email`` only writes a row, in the same transaction as the change the
message is about, so a rolled-back change sends nothing and a committed one is
never forgotten. ``deliver_outbox`` (run by ``certify mail deliver``, from cron
or a worker) sends what is due: through SMTP when ``CERTIFY_SMTP_URL`` is set
(``smtp://user:password@host:587`` with STARTTLS, or ``smtps://`` for implicit
TLS), otherwise into the application log, which is what development wants.
A failed attempt is retried later with exponential backoff; after
``MAX_ATTEMPTS`` the message is marked failed and kept, to be listed and
re-queued (``certify mail list --status failed``, ``certify mail retry``).
"""

from __future__ import annotations

import base64
import enum
import logging
import smtplib
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy.orm import Mapped, mapped_column

from certify.core.clock import utcnow
from certify.core.timezones import force_timezone
from certify.db import Base, str_enum
from certify.extensions import db

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_RETRY_AFTER = timedelta(minutes=1)
LONGEST_RETRY_AFTER = timedelta(hours=6)
# Inline attachments live in the row; they are meant for QR codes and small PDFs, not files.
MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024
SMTP_TIMEOUT_SECONDS = 30


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; kept until someone re-queues it


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    # [{"filename", "content_type", "content_id" (or null), "data" (base64)}]
    attachments: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    locale: Mapped[str] = mapped_column(sa.String(8), default="es")
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status} to {self.to_address}>"


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message; with a ``content_id`` the HTML body shows it inline
    (``<img src="cid:ticket-qr">``)."""

    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text_body: str
    html_body: str | None


# --- writing -----------------------------------------------------------------------------------

def _single_line(value: str, what: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError(f"an e-mail needs a {what}")
    return value


def queue_email(to: str, subject: str, text_body: str, *, html_body: str | None = None,
                attachments: Iterable[Attachment] = (), locale: str = "es") -> OutboxMessage:
    """Queue a message in the current transaction; it goes out only if that commits."""
    attachments = list(attachments)
    if sum(len(attachment.data) for attachment in attachments) > MAX_ATTACHMENT_BYTES:
        raise ValueError("attachments are stored in the outbox row and must be small")
    message = OutboxMessage(
        # Collapsing whitespace also keeps line breaks (header injection) out of the headers.
        to_address=_single_line(to, "recipient"), subject=_single_line(subject, "subject"),
        text_body=text_body, html_body=html_body, locale=locale,
        attachments=[{"filename": attachment.filename, "content_type": attachment.content_type,
                      "content_id": attachment.content_id,
                      "data": base64.b64encode(attachment.data).decode("ascii")}
                     for attachment in attachments],
        status=OutboxStatus.QUEUED, attempts=0, next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    return message


def render_email(template: str, *, locale: str, time_zone: str | None = None,
                 **context) -> RenderedEmail:
    """Render ``templates/mail/<template>.txt`` (and ``.html`` if there is one) in ``locale``,
    with dates and times in the recipient's ``time_zone`` (else the programme's).

    The text template sets the subject with ``{% set subject = _("...") %}``;
    everything else it outputs is the plain-text body. Templates see ``current_locale``
    and the Jinja environment's filters and globals, not the pages' context processors.
    """
    env = current_app.jinja_env
    # Only the Jinja environment (filters, gettext) and what the caller gives: the pages'
    # context processors may need a request or a signed-in person, which a job has not.
    context = {"current_locale": locale, **context}
    with force_locale(locale), force_timezone(time_zone):
        module = env.get_template(f"mail/{template}.txt").make_module(context)
        subject = _single_line(str(getattr(module, "subject", "")), "subject")
        text_body = str(module).strip() + "\n"
        try:
            html_template = env.get_template(f"mail/{template}.html")
        except TemplateNotFound:
            html_body = None
        else:
            html_body = html_template.render(context)
    return RenderedEmail(subject=subject, text_body=text_body, html_body=html_body)


def queue_templated_email(to: str, template: str, *, locale: str, time_zone: str | None = None,
                          attachments: Iterable[Attachment] = (), **context) -> OutboxMessage:
    """Render ``template`` in the recipient's ``locale`` and ``time_zone`` and queue it (see
    :func:`render_email`)."""
    rendered = render_email(template, locale=locale, time_zone=time_zone, **context)
    return queue_email(to, rendered.subject, rendered.text_body, html_body=rendered.html_body,
                       attachments=attachments, locale=locale)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL under ``BASE_URL``, also outside a request (e-mails, jobs)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


# --- reading -----------------------------------------------------------------------------------

def outbox_query(status: OutboxStatus | str | None = None) -> sa.Select:
    """Messages, newest first, optionally in one status."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    return query


def _due(now: datetime) -> sa.Select:
    return (sa.select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.QUEUED,
                   OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id))


def count_due(now: datetime | None = None) -> int:
    """How many queued messages are due for an attempt at ``now``."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(_due(now or utcnow()).order_by(None).subquery()))


def requeue_failed(ids: Iterable[int] = ()) -> int:
    """Give failed messages (these ``ids``, or all) a fresh set of attempts; returns how many."""
    query = sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
    ids = list(ids)
    if ids:
        query = query.where(OutboxMessage.id.in_(ids))
    messages = list(db.session.scalars(query))
    for message in messages:
        message.status, message.attempts, message.next_attempt_at = OutboxStatus.QUEUED, 0, utcnow()
    db.session.flush()
    return len(messages)


# --- delivering --------------------------------------------------------------------------------

class TransportUnavailable(Exception):
    """The mail server could not be reached at all; later messages would fail the same way."""


class LogTransport:
    """Development: write each message to the log instead of sending it."""

    def send(self, mime: EmailMessage) -> None:
        body = mime.get_body(("plain",))
        files = [part.get_filename() for part in mime.walk() if part.get_filename()]
        log.info("E-mail not sent (CERTIFY_SMTP_URL is not set)\nTo: %s\nSubject: %s\n"
                 "Attachments: %s\n\n%s", mime["To"], mime["Subject"], ", ".join(files) or "none",
                 body.get_content() if body is not None else "")

    def close(self) -> None:
        pass


class SmtpTransport:
    """One SMTP connection per delivery run, opened on the first message."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("CERTIFY_SMTP_URL must look like smtp://user:password@host:587 "
                             "or smtps://user:password@host:465")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        try:
            if self.implicit_tls:
                connection = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS,
                                              context=context)
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
        except (OSError, smtplib.SMTPException) as error:
            raise TransportUnavailable(f"cannot connect to {self.host}:{self.port}: {error}") \
                from error
        try:
            if not self.implicit_tls:
                connection.ehlo()
                if connection.has_extn("starttls"):
                    connection.starttls(context=context)
                    connection.ehlo()
                elif self.username:
                    raise smtplib.SMTPException(
                        "the server offers no STARTTLS; refusing to send the password unencrypted")
            if self.username:
                connection.login(self.username, self.password or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, mime: EmailMessage) -> None:
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(mime)
        except BaseException:
            self.close()  # a half-failed session is not reused for the next message
            raise

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (OSError, smtplib.SMTPException):
                self._connection.close()
            self._connection = None


def smtp_url() -> str | None:
    return current_app.config.get("SMTP_URL") or None


def sender_address() -> str:
    configured = current_app.config.get("MAIL_FROM")
    if configured:
        return configured
    return f"certify <no-reply@{urlsplit(current_app.config['BASE_URL']).hostname or 'localhost'}>"


def _transport() -> LogTransport | SmtpTransport:
    url = smtp_url()
    return SmtpTransport(url) if url else LogTransport()


def build_mime(message: OutboxMessage) -> EmailMessage:
    """The MIME message for an outbox row: text, HTML alternative, inline images, files."""
    sender = sender_address()
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "localhost"
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(message.created_at)
    # Stable across retries, so a receiving server can drop a copy delivered twice.
    mime["Message-ID"] = f"<outbox-{message.id}-{int(message.created_at.timestamp())}@{domain}>"
    mime.set_content(message.text_body)
    files = [dict(item, data=base64.b64decode(item["data"])) for item in message.attachments]
    if message.html_body is not None:
        mime.add_alternative(message.html_body, subtype="html")
        html_part = mime.get_payload()[-1]
        for item in [item for item in files if item.get("content_id")]:
            maintype, subtype = item["content_type"].split("/", 1)
            html_part.add_related(item["data"], maintype=maintype, subtype=subtype,
                                  cid=f"<{item['content_id']}>", filename=item["filename"])
        files = [item for item in files if not item.get("content_id")]
    for item in files:
        maintype, subtype = item["content_type"].split("/", 1)
        mime.add_attachment(item["data"], maintype=maintype, subtype=subtype,
                            filename=item["filename"])
    # Last: set_content() and friends move Content-* headers into the parts they create.
    mime["Content-Language"] = message.locale.replace("_", "-")
    return mime


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 1, 2, 4, 8 ... minutes, at most 6 hours."""
    return min(FIRST_RETRY_AFTER * 2 ** max(attempts - 1, 0), LONGEST_RETRY_AFTER)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0  # failed this time, scheduled for a later attempt
    failed: int = 0  # failed for the last time (status failed)
    stopped: str | None = None  # why the run ended early, if it did


def _record_failure(message: OutboxMessage, error: BaseException, now: datetime,
                    report: DeliveryReport) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
        report.failed += 1
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)
        report.retrying += 1


def deliver_outbox(limit: int = 100, now: datetime | None = None, *,
                   progress: Callable[[OutboxMessage], None] | None = None) -> DeliveryReport:
    """Send up to ``limit`` due messages, oldest first, and record what happened to each.

    This is a job, not a service: it commits after every message, so a crash
    never re-sends what already went out. On PostgreSQL each message is
    claimed with ``FOR UPDATE SKIP LOCKED``, so several workers may run at
    once. If the server cannot be reached at all, the run stops after the
    first message (which is scheduled for a retry) instead of failing them all.
    """
    now = now or utcnow()
    report = DeliveryReport()
    transport = _transport()
    try:
        for _ in range(limit):
            message = db.session.scalar(_due(now).limit(1).with_for_update(skip_locked=True))
            if message is None:
                break
            try:
                transport.send(build_mime(message))
            # Any failure, even a bug in one message, must not block the rest of the outbox.
            except Exception as error:  # noqa: BLE001
                log.warning("E-mail %s to %s failed (attempt %s): %s", message.id,
                            message.to_address, message.attempts + 1, error)
                _record_failure(message, error, now, report)
                if isinstance(error, TransportUnavailable):
                    report.stopped = str(error)
            else:
                message.attempts += 1
                message.status, message.sent_at, message.last_error = \
                    OutboxStatus.SENT, utcnow(), None
                report.sent += 1
            db.session.commit()
            if progress is not None:
                progress(message)
            if report.stopped:
                break
    except BaseException:
        db.session.rollback()
        raise
    finally:
        transport.close()
    return report
