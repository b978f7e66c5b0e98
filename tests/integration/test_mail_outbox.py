"""The mail outbox against a real SMTP server (aiosmtpd on a free local port), on both databases:
each queued mail reaches the server exactly once; a server that refuses or is down keeps the mail
queued with its error, and the next round after it comes back delivers it once."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from engine.service.mail import (
    LEASE,
    MailSettingsError,
    SmtpSettings,
    backoff,
    deliver_outbox,
    enqueue_mail,
    queued,
)

NOW = dt.datetime(2026, 12, 4, 8, 0)


class Sink:
    """Keeps every message the server accepted; `refuse` answers 451 to DATA instead."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, SmtpSettings]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, SmtpSettings(host="127.0.0.1", port=port, sender="ocop@example.vn", timeout=5)
    finally:
        controller.stop()


def queue(database: Any, recipient: str, subject: str, body: str = "Nội dung") -> int:
    with database.transaction() as repo:
        return enqueue_mail(repo, recipient=recipient, subject=subject, body=body, now=NOW)


def test_each_queued_mail_reaches_the_server_once(database: Any, smtp: tuple[Sink, SmtpSettings]) -> None:
    sink, settings = smtp
    first = queue(database, "sx@example.vn", "Hồ sơ bị trả lại", "Lý do: thiếu giấy chứng nhận ATTP")
    queue(database, "hd@example.vn", "Hồ sơ chờ phiếu chấm")
    report = deliver_outbox(database.transaction, settings, NOW)
    assert (report.sent, report.failed) == (2, 0)
    assert [rcpt for rcpt, _ in sink.messages] == [["sx@example.vn"], ["hd@example.vn"]]
    message = sink.messages[0][1]
    assert message["Subject"] == "Hồ sơ bị trả lại"
    assert "thiếu giấy chứng nhận ATTP" in message.get_content()
    assert message["Message-ID"].startswith(f"<outbox-{first}.")
    # A second round finds nothing due: nothing is sent twice.
    assert deliver_outbox(database.transaction, settings, NOW + dt.timedelta(hours=1)).sent == 0
    assert len(sink.messages) == 2
    assert queued(database.transaction) == []


def test_a_server_down_keeps_the_mail_queued_then_delivers_it_once(
    database: Any, smtp: tuple[Sink, SmtpSettings]
) -> None:
    sink, settings = smtp
    queue(database, "sx@example.vn", "Hồ sơ bị trả lại")
    down = SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)  # nothing listens there
    report = deliver_outbox(database.transaction, down, NOW)
    assert (report.sent, report.failed) == (0, 1)
    [row] = queued(database.transaction)
    assert row["attempts"] == 1 and "ConnectionRefusedError" in str(row["last_error"])
    assert row["next_attempt_at"] == NOW + backoff(1)
    # Not due again before its backoff has passed.
    assert deliver_outbox(database.transaction, settings, NOW).sent == 0
    later = NOW + backoff(1)
    assert deliver_outbox(database.transaction, settings, later).sent == 1
    assert deliver_outbox(database.transaction, settings, later + dt.timedelta(hours=1)).sent == 0
    assert len(sink.messages) == 1
    assert queued(database.transaction) == []


def test_a_refusing_server_keeps_the_mail_with_its_error(
    database: Any, smtp: tuple[Sink, SmtpSettings]
) -> None:
    sink, settings = smtp
    sink.refuse = True
    queue(database, "sx@example.vn", "Hồ sơ bị trả lại")
    assert deliver_outbox(database.transaction, settings, NOW).failed == 1
    [row] = queued(database.transaction)
    assert "451" in str(row["last_error"])
    assert sink.messages == []
    sink.refuse = False
    assert deliver_outbox(database.transaction, settings, NOW + backoff(1)).sent == 1
    assert len(sink.messages) == 1


def test_a_sender_that_dies_mid_send_leaves_the_mail_to_be_retried_once(database: Any) -> None:
    queue(database, "sx@example.vn", "Hồ sơ bị trả lại")

    def crash(settings: SmtpSettings, message: Any) -> None:
        raise KeyboardInterrupt  # the process stops mid-send: the transaction rolls back

    with pytest.raises(KeyboardInterrupt):
        deliver_outbox(database.transaction, SmtpSettings(), NOW, send=crash)
    [row] = queued(database.transaction)
    assert row["sent_at"] is None and row["next_attempt_at"] == NOW + LEASE
    # Another sender leaves it alone during the lease, then sends it once.
    sent: list[Any] = []
    assert (
        deliver_outbox(database.transaction, SmtpSettings(), NOW, send=lambda s, m: sent.append(m)).sent == 0
    )
    later = NOW + LEASE
    assert (
        deliver_outbox(database.transaction, SmtpSettings(), later, send=lambda s, m: sent.append(m)).sent
        == 1
    )
    assert len(sent) == 1 and queued(database.transaction) == []


def test_settings_are_read_from_the_environment_with_clear_errors() -> None:
    settings = SmtpSettings.from_env(
        {
            "OCOPFLOW_SMTP_HOST": "smtp.example.vn",
            "OCOPFLOW_SMTP_PORT": "587",
            "OCOPFLOW_SMTP_SECURITY": "starttls",
            "OCOPFLOW_SMTP_USERNAME": "ocop",
            "OCOPFLOW_SMTP_PASSWORD": "a-long-secret-1",
            "OCOPFLOW_MAIL_FROM": "ocop@example.vn",
        }
    )
    assert (settings.host, settings.port, settings.security, settings.username) == (
        "smtp.example.vn",
        587,
        "starttls",
        "ocop",
    )
    with pytest.raises(MailSettingsError, match="OCOPFLOW_SMTP_PORT"):
        SmtpSettings.from_env({"OCOPFLOW_SMTP_PORT": "tám"})
    with pytest.raises(MailSettingsError, match="OCOPFLOW_SMTP_SECURITY"):
        SmtpSettings.from_env({"OCOPFLOW_SMTP_SECURITY": "ssl"})
    with pytest.raises(MailSettingsError, match="go together"):
        SmtpSettings.from_env({"OCOPFLOW_SMTP_USERNAME": "ocop"})


def test_a_subject_is_one_line(database: Any) -> None:
    with pytest.raises(ValueError, match="one line"), database.transaction() as repo:
        enqueue_mail(repo, recipient="sx@example.vn", subject="a\r\nBcc: x@example.vn", body="", now=NOW)
