"""Mail through an outbox table and SMTP.

`enqueue_mail` writes a row in the caller's transaction, so a mail exists exactly when the change
that caused it committed. `deliver_outbox` sends the due rows one by one: each row is claimed for
a lease in a short write transaction (FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on
SQLite, so two senders never hold the same row), handed to the server with no transaction open,
and marked sent only after the server accepted it. A refusal or an unreachable server keeps the row queued with its
error and a later next attempt (backoff); nothing is lost. After MAX_MAIL_ATTEMPTS the row is parked
with its error (`parked_at`) until the administrator retries it (engine/service/parked.py). Each mail carries a Message-ID built
from its row, so the one window left (the server accepted, the process died before the commit)
resends the same Message-ID, which receivers and relays can drop as a duplicate.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal, cast
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update

from engine.storage import tables as t
from engine.storage.repository import Repository

Security = Literal["none", "starttls", "tls"]
SECURITIES: tuple[Security, ...] = ("none", "starttls", "tls")
MAX_BACKOFF = dt.timedelta(hours=6)
MAX_SUBJECT = 300
MAX_MAIL_ATTEMPTS = 8  # then the mail is parked with its error until the administrator retries it
LEASE = dt.timedelta(minutes=10)  # how long a sender holds a claimed row before another may retry it


class MailSettingsError(ValueError):
    """A mail setting that cannot be used; the message names the variable."""


# Where links in mails point when no public address is set outside production: `ocopflow-web run`.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def public_base_url(value: str | None, *, production: bool) -> str:
    """OCOPFLOW_PUBLIC_BASE_URL checked: the address every link in a mail starts with. Required in
    production (a mail read outside the site cannot follow a relative link, and the address must
    never come from a request's Host header); elsewhere the development server's address."""
    if not value:
        if production:
            raise MailSettingsError(
                "OCOPFLOW_ENV=production needs OCOPFLOW_PUBLIC_BASE_URL, the public address of the site "
                "(for example https://ocop.example.gov.vn): the links in mails and on certificates are built from it."
            )
        return DEVELOPMENT_BASE_URL
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise MailSettingsError(
            f"OCOPFLOW_PUBLIC_BASE_URL={value!r} is not an http(s) address without query or fragment "
            "(for example https://ocop.example.gov.vn)."
        )
    return value.rstrip("/")


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 8025
    security: Security = "none"
    username: str | None = None
    password: str | None = None
    sender: str = "ocopflow@localhost"
    timeout: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SmtpSettings:
        """OCOPFLOW_SMTP_HOST, _PORT, _SECURITY (none|starttls|tls), _USERNAME, _PASSWORD,
        OCOPFLOW_MAIL_FROM (documented in docs/deployment.md)."""
        port_text = environ.get("OCOPFLOW_SMTP_PORT", "8025")
        try:
            port = int(port_text)
        except ValueError:
            raise MailSettingsError(f"OCOPFLOW_SMTP_PORT: not a port number: {port_text!r}") from None
        if not 0 < port < 65536:
            raise MailSettingsError(f"OCOPFLOW_SMTP_PORT: not a port number: {port_text!r}")
        security = environ.get("OCOPFLOW_SMTP_SECURITY", "none")
        if security not in SECURITIES:
            raise MailSettingsError(
                f"OCOPFLOW_SMTP_SECURITY: one of {', '.join(SECURITIES)}, not {security!r}"
            )
        username = environ.get("OCOPFLOW_SMTP_USERNAME") or None
        password = environ.get("OCOPFLOW_SMTP_PASSWORD") or None
        if (username is None) != (password is None):
            raise MailSettingsError("OCOPFLOW_SMTP_USERNAME and OCOPFLOW_SMTP_PASSWORD go together")
        return cls(
            host=environ.get("OCOPFLOW_SMTP_HOST", "127.0.0.1"),
            port=port,
            security=security,  # type: ignore[arg-type]  # checked against SECURITIES above
            username=username,
            password=password,
            sender=environ.get("OCOPFLOW_MAIL_FROM", "ocopflow@localhost"),
        )


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int


def enqueue_mail(
    repo: Repository, *, recipient: str, subject: str, body: str, now: dt.datetime, html: str | None = None
) -> int:
    """Queue one mail in the caller's transaction; returns its outbox id. `html`: an HTML
    alternative of `body` (already escaped: engine/notice_templates.py renders it)."""
    if "\n" in subject or "\r" in subject:
        raise ValueError("a mail subject is one line")
    values = dict(
        recipient=recipient,
        subject=subject[:MAX_SUBJECT],
        body=body,
        html_body=html,
        created_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    result = repo.connection.execute(insert(t.mail_outbox).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4 … minutes after each failure, at most MAX_BACKOFF."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _message(settings: SmtpSettings, row: Mapping[str, object]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = str(row["recipient"])
    message["Subject"] = str(row["subject"])
    domain = settings.sender.rpartition("@")[2] or "localhost"
    created = row["created_at"]
    stamp = created.strftime("%Y%m%d%H%M%S") if isinstance(created, dt.datetime) else "0"
    # The same row always carries the same Message-ID, so a resend is recognisable.
    message["Message-ID"] = f"<outbox-{row['id']}.{stamp}@{domain}>"
    message.set_content(str(row["body"]))
    if row.get("html_body"):
        message.add_alternative(str(row["html_body"]), subtype="html")
    return message


def _send(settings: SmtpSettings, message: EmailMessage) -> None:
    smtp: smtplib.SMTP
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.username is not None and settings.password is not None:
            smtp.login(settings.username, settings.password)
        smtp.send_message(message)


def _claim(
    transaction: Callable[..., AbstractContextManager[Repository]], outbox_id: int, now: dt.datetime
) -> dict[str, object] | None:
    """Take one due row for LEASE in a short write transaction (no transaction stays open while
    the server is talked to). A sender that dies holding it leaves the row due again once the
    lease has passed."""
    with transaction(write=True) as repo:
        row = (
            repo.connection.execute(
                select(t.mail_outbox)
                .where(
                    t.mail_outbox.c.id == outbox_id,
                    t.mail_outbox.c.sent_at.is_(None),
                    t.mail_outbox.c.parked_at.is_(None),
                    t.mail_outbox.c.next_attempt_at <= now,
                )
                .with_for_update(skip_locked=True)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        attempts = int(row["attempts"]) + 1
        repo.connection.execute(
            update(t.mail_outbox)
            .where(t.mail_outbox.c.id == outbox_id)
            .values(attempts=attempts, next_attempt_at=now + LEASE)
        )
        return {**dict(row), "attempts": attempts}


def deliver_outbox(
    transaction: Callable[..., AbstractContextManager[Repository]],
    settings: SmtpSettings,
    now: dt.datetime,
    *,
    limit: int = 100,
    send: Callable[[SmtpSettings, EmailMessage], None] = _send,
) -> DeliveryReport:
    """Send up to `limit` due mails; each is marked sent only after the server accepted it."""
    with transaction(write=False) as repo:
        due = [
            int(r)
            for r in repo.connection.execute(
                select(t.mail_outbox.c.id)
                .where(
                    t.mail_outbox.c.sent_at.is_(None),
                    t.mail_outbox.c.parked_at.is_(None),
                    t.mail_outbox.c.next_attempt_at <= now,
                )
                .order_by(t.mail_outbox.c.id)
                .limit(limit)
            ).scalars()
        ]
    sent = failed = 0
    for outbox_id in due:
        row = _claim(transaction, outbox_id, now)
        if row is None:
            continue  # sent meanwhile, or another sender holds it
        where = update(t.mail_outbox).where(
            t.mail_outbox.c.id == outbox_id, t.mail_outbox.c.sent_at.is_(None)
        )
        try:
            send(settings, _message(settings, row))
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{exc.__class__.__name__}: {exc}"[:2000]
            attempts = cast(int, row["attempts"])
            with transaction(write=True) as repo:
                repo.connection.execute(
                    where.values(last_error=error, next_attempt_at=now + backoff(attempts))
                    if attempts < MAX_MAIL_ATTEMPTS
                    else where.values(last_error=error, parked_at=now)
                )
                if attempts >= MAX_MAIL_ATTEMPTS:
                    repo.append_event(at=now, actor="system", action="mail_parked",
                                      payload={"id": outbox_id, "attempts": attempts, "error": error})  # fmt: skip
            failed += 1
            continue
        with transaction(write=True) as repo:
            repo.connection.execute(where.values(sent_at=now, last_error=None))
        sent += 1
    return DeliveryReport(sent=sent, failed=failed)


def queued(transaction: Callable[..., AbstractContextManager[Repository]]) -> list[dict[str, object]]:
    """The mails not sent yet, oldest first, with their attempts and last error (for the administrator)."""
    with transaction(write=False) as repo:
        q = select(t.mail_outbox).where(t.mail_outbox.c.sent_at.is_(None)).order_by(t.mail_outbox.c.id)
        return [dict(r) for r in repo.connection.execute(q).mappings()]
