"""The e-mail outbox: queued in the caller's transaction, delivered by SMTP or into the log,
retried with backoff when the server fails, never lost."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import socketserver
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from certify.core import mail
from certify.core.clock import utcnow
from certify.core.mail import (
    Attachment,
    OutboxMessage,
    OutboxStatus,
    deliver_outbox,
    queue_email,
    requeue_failed,
)
from certify.extensions import db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


# --- a tiny SMTP server on 127.0.0.1 -----------------------------------------------------------

class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sink = self.server.sink
        self.reply("220 sink ready")
        envelope = {"from": None, "to": []}
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            sink.commands.append(verb)
            if verb in {"EHLO", "HELO"}:
                self.reply("250-sink\r\n250 8BITMIME" if verb == "EHLO" else "250 sink")
            elif verb == "MAIL":
                envelope = {"from": command.split(":", 1)[1].strip(), "to": []}
                self.reply("250 ok")
            elif verb == "RCPT":
                envelope["to"].append(command.split(":", 1)[1].strip())
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                sink.messages.append((envelope, bytes(data)))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            elif verb in {"RSET", "NOOP"}:
                self.reply("250 ok")
            else:
                self.reply("502 not implemented")


class SmtpSink:
    def __init__(self):
        self.messages: list[tuple[dict, bytes]] = []
        self.commands: list[str] = []
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
        self.server.daemon_threads = True
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def parsed(self, index: int = -1) -> email.message.EmailMessage:
        return email.message_from_bytes(self.messages[index][1], policy=email.policy.default)


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    sink.thread.start()
    yield sink
    sink.server.shutdown()
    sink.server.server_close()


@pytest.fixture
def closed_port() -> int:
    """A local port nobody listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def no_smtp(monkeypatch):
    monkeypatch.setitem(current_app.config, "SMTP_URL", None)


def messages() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def queue(n: int = 1, **options) -> list[OutboxMessage]:
    queued = [queue_email(f"ana{i}@example.org", f"Asunto {i}", f"Hola {i}", **options)
              for i in range(n)]
    db.session.commit()
    return queued


# --- queueing ----------------------------------------------------------------------------------

def test_a_message_is_queued_in_the_current_transaction():
    message = queue_email("  Ana@Example.org ", "Tu entrada", "Hola Ana", html_body="<p>Hola</p>",
                          attachments=[Attachment("ticket.png", "image/png", PNG, "ticket-qr")],
                          locale="pt_BR")
    assert message.id is not None and message.status is OutboxStatus.QUEUED
    assert message.to_address == "Ana@Example.org" and message.attempts == 0
    assert message.next_attempt_at <= utcnow()
    assert message.attachments[0]["content_id"] == "ticket-qr"
    db.session.commit()
    assert [m.subject for m in messages()] == ["Tu entrada"]


def test_a_rollback_sends_nothing(no_smtp):
    queue_email("ana@example.org", "Nunca", "Esto no sale")
    db.session.rollback()
    assert messages() == []
    assert deliver_outbox() == mail.DeliveryReport()


def test_headers_cannot_be_injected():
    message = queue_email("ana@example.org", "Hola\r\nBcc: todos@example.org", "x")
    assert message.subject == "Hola Bcc: todos@example.org"
    with pytest.raises(ValueError):
        queue_email("ana@example.org", "   ", "x")


def test_attachments_must_be_small():
    with pytest.raises(ValueError):
        queue_email("ana@example.org", "Grande", "x", attachments=[Attachment(
            "big.bin", "application/octet-stream", b"0" * (mail.MAX_ATTACHMENT_BYTES + 1))])


# --- delivering --------------------------------------------------------------------------------

def test_without_smtp_messages_go_to_the_log(no_smtp, caplog):
    [message] = queue(html_body="<p>Hola</p>",
                      attachments=[Attachment("ticket.png", "image/png", PNG, "ticket-qr")])
    with caplog.at_level(logging.INFO, logger="certify.core.mail"):
        report = deliver_outbox()
    assert report.sent == 1 and report.retrying == report.failed == 0
    assert "ana0@example.org" in caplog.text and "Asunto 0" in caplog.text
    assert "Hola 0" in caplog.text and "ticket.png" in caplog.text
    assert message.status is OutboxStatus.SENT and message.sent_at and message.attempts == 1
    assert deliver_outbox().sent == 0  # nothing is sent twice


def test_smtp_delivers_text_html_and_the_inline_image(smtp_sink, monkeypatch):
    monkeypatch.setitem(current_app.config, "SMTP_URL", f"smtp://127.0.0.1:{smtp_sink.port}")
    [message] = queue(html_body='<p>Hola <img src="cid:ticket-qr"></p>', locale="pt_BR",
                      attachments=[Attachment("ticket.png", "image/png", PNG, "ticket-qr"),
                                   Attachment("programa.txt", "text/plain", b"hola")])
    progressed = []

    report = deliver_outbox(progress=progressed.append)

    assert report.sent == 1 and progressed == [message]
    assert message.status is OutboxStatus.SENT and message.last_error is None
    envelope, _raw = smtp_sink.messages[0]
    assert envelope["to"] == ["<ana0@example.org>"]
    received = smtp_sink.parsed()
    assert received["Subject"] == "Asunto 0" and received["To"] == "ana0@example.org"
    assert received["Content-Language"] == "pt-BR"
    assert received["Message-ID"].startswith(f"<outbox-{message.id}-")
    assert received.get_body(("plain",)).get_content().strip() == "Hola 0"
    assert "cid:ticket-qr" in received.get_body(("html",)).get_content()
    parts = {part.get_filename(): part for part in received.walk() if part.get_filename()}
    assert parts["ticket.png"]["Content-ID"] == "<ticket-qr>"
    assert parts["ticket.png"].get_content() == PNG
    assert parts["programa.txt"].get_content().strip() == "hola"
    assert "QUIT" in smtp_sink.commands  # the connection was closed properly


def test_one_connection_for_a_batch(smtp_sink, monkeypatch):
    monkeypatch.setitem(current_app.config, "SMTP_URL", f"smtp://127.0.0.1:{smtp_sink.port}")
    queue(3)
    assert deliver_outbox(limit=2).sent == 2
    assert smtp_sink.commands.count("EHLO") == 1 and len(smtp_sink.messages) == 2
    assert deliver_outbox().sent == 1


def test_an_smtp_failure_is_retried_with_backoff_and_never_lost(smtp_sink, closed_port,
                                                                  monkeypatch):
    monkeypatch.setitem(current_app.config, "SMTP_URL", f"smtp://127.0.0.1:{closed_port}")
    [message] = queue()
    start = utcnow()

    first = deliver_outbox(now=start)
    assert (first.sent, first.retrying) == (0, 1) and first.stopped
    assert message.status is OutboxStatus.QUEUED and message.attempts == 1
    assert "ConnectionRefused" in message.last_error or "connect" in message.last_error
    assert message.next_attempt_at == start + timedelta(minutes=1)

    assert deliver_outbox(now=start + timedelta(seconds=59)).retrying == 0  # not due yet
    later = start + timedelta(minutes=1)
    deliver_outbox(now=later)
    assert message.attempts == 2 and message.next_attempt_at == later + timedelta(minutes=2)

    monkeypatch.setitem(current_app.config, "SMTP_URL", f"smtp://127.0.0.1:{smtp_sink.port}")
    assert deliver_outbox(now=later + timedelta(minutes=2)).sent == 1
    assert message.status is OutboxStatus.SENT and message.attempts == 3
    assert message.last_error is None and len(smtp_sink.messages) == 1


def test_an_unreachable_server_stops_the_run_after_one_attempt(closed_port, monkeypatch):
    monkeypatch.setitem(current_app.config, "SMTP_URL", f"smtp://127.0.0.1:{closed_port}")
    queue(3)
    report = deliver_outbox()
    assert report.retrying == 1 and report.stopped
    assert [m.attempts for m in messages()] == [1, 0, 0]


def test_the_backoff_doubles_up_to_six_hours():
    delays = [mail.retry_delay(n) for n in range(1, 12)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(delays) == timedelta(hours=6) and delays == sorted(delays)


def test_after_the_last_attempt_a_message_is_failed_kept_and_can_be_requeued(closed_port,
                                                                             monkeypatch):
    monkeypatch.setitem(current_app.config, "SMTP_URL", f"smtp://127.0.0.1:{closed_port}")
    [message] = queue()
    moment = utcnow()
    for _ in range(mail.MAX_ATTEMPTS):
        report = deliver_outbox(now=moment)
        moment = message.next_attempt_at
    assert report.failed == 1 and message.status is OutboxStatus.FAILED
    assert message.attempts == mail.MAX_ATTEMPTS and message.last_error
    assert deliver_outbox(now=moment + timedelta(days=1)).retrying == 0  # failed ones wait
    assert requeue_failed() == 1
    assert message.status is OutboxStatus.QUEUED and message.attempts == 0


def test_a_password_is_never_sent_without_starttls(smtp_sink, monkeypatch):
    monkeypatch.setitem(current_app.config, "SMTP_URL", f"smtp://user:s%40cret@127.0.0.1:{smtp_sink.port}")
    [message] = queue()
    assert deliver_outbox().retrying == 1
    assert "STARTTLS" in message.last_error
    assert "AUTH" not in smtp_sink.commands and smtp_sink.messages == []


def test_a_malformed_smtp_url_is_refused(monkeypatch):
    monkeypatch.setitem(current_app.config, "SMTP_URL", "http://example.org")
    queue()
    with pytest.raises(ValueError, match="CERTIFY_SMTP_URL"):
        deliver_outbox()


# --- the command line --------------------------------------------------------------------------

def test_mail_deliver_list_and_retry_commands(app, closed_port, no_smtp, monkeypatch):
    runner = app.test_cli_runner()
    queue(2)

    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "2 sent, 0 to retry later, 0 failed for good." in result.output

    listing = runner.invoke(args=["mail", "list", "--status", "sent"])
    assert listing.exit_code == 0 and "ana0@example.org" in listing.output
    assert "Asunto 1" in listing.output

    monkeypatch.setitem(current_app.config, "SMTP_URL", f"smtp://127.0.0.1:{closed_port}")
    [failing] = queue()
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 1 and "1 to retry later" in result.output
    assert "last error" in runner.invoke(args=["mail", "list", "--status", "queued"]).output

    failing.status = OutboxStatus.FAILED
    db.session.commit()
    result = runner.invoke(args=["mail", "retry", str(failing.id)])
    assert result.exit_code == 0 and "1 message(s) queued again." in result.output
    assert "No failed messages." in runner.invoke(args=["mail", "list", "--status",
                                                        "failed"]).output
