"""`ocopflow mail send --once`: hand the due mails of the outbox to the SMTP server.

The SMTP settings come from the environment (OCOPFLOW_SMTP_HOST, OCOPFLOW_SMTP_PORT,
OCOPFLOW_SMTP_SECURITY, OCOPFLOW_SMTP_USERNAME, OCOPFLOW_SMTP_PASSWORD, OCOPFLOW_MAIL_FROM;
docs/deployment.md). `mail queued` lists what waits, with its attempts and last error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from typing import Any

from engine.commands.db import add_database_options, open_database


def send_command(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from engine.service.mail import MailSettingsError, SmtpSettings, deliver_outbox

    try:
        settings = SmtpSettings.from_env(os.environ)
    except MailSettingsError as exc:
        print(f"mail settings: {exc}", file=sys.stderr)
        return 2
    database = None
    try:
        database = open_database(args, upgrade=False)
        while True:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            report = deliver_outbox(database.transaction, settings, now, limit=args.limit)
            print(f"sent {report.sent} mail(s), {report.failed} kept queued after an error", flush=True)
            if args.once:
                return 1 if report.failed and not report.sent else 0
            time.sleep(args.interval)
    except SQLAlchemyError as exc:
        print(f"cannot read the outbox: {exc.__class__.__name__}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if database is not None:
            database.engine.dispose()


def queued_command(args: argparse.Namespace) -> int:
    from engine.service.mail import queued

    database = open_database(args, upgrade=False)
    try:
        for row in queued(database.transaction):
            error = row["last_error"] or ""
            print(
                f"{row['id']}\t{row['recipient']}\t{row['attempts']}\t{row['next_attempt_at']:%Y-%m-%d %H:%M}\t{error}"
            )
    finally:
        database.engine.dispose()
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("mail", help="the mail outbox")
    sub = parser.add_subparsers(dest="mail_command", metavar="COMMAND", required=True)
    send = sub.add_parser("send", help="send the due mails of the outbox through SMTP")
    add_database_options(send)
    send.add_argument(
        "--once", action="store_true", help="send what is due and stop (for cron, tests, a worker)"
    )
    send.add_argument("--limit", type=int, default=100, help="mails per round (100)")
    send.add_argument(
        "--interval", type=float, default=30.0, help="seconds between rounds without --once (30)"
    )
    send.set_defaults(func=send_command)
    listing = sub.add_parser("queued", help="list the mails not sent yet, with their attempts and last error")
    add_database_options(listing)
    listing.set_defaults(func=queued_command)
