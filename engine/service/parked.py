"""`service.parked`: the background jobs that need the administrator, and their retry.

A timer is parked after `timers.MAX_ATTEMPTS` failures (engine/service/timers.py); a mail after
`mail.MAX_MAIL_ATTEMPTS` (engine/service/mail.py). `jobs(actor)` lists both with their last error,
and the mails still being retried (an error, not yet parked). A retry makes the job due now with
its count of attempts restarted; it is audited (`retry_timer`, `retry_mail`) like any change, and
the worker's next round runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from engine.errors import NotFound
from engine.messages import say
from engine.permissions import Actor
from engine.storage import tables as t
from engine.storage.repository import Row

if TYPE_CHECKING:
    from engine.service import Service

ID_MAX = 2**31 - 1
LISTED = 200  # at most this many of each kind on the page, oldest first


@dataclass(frozen=True)
class ParkedJobs:
    timers: list[Row]  # parked timers, with their dossier, state, timer, attempts, last_error
    mails: list[Row]  # unsent mails with an error: parked (parked_at) or still being retried


class ParkedJobUseCases:
    def __init__(self, base: Service) -> None:
        self.base = base

    def jobs(self, actor: Actor) -> ParkedJobs:
        self.base.require(actor, "administer")
        with self.base._tx(write=False) as repo:
            timers = repo.parked_timers()[:LISTED]
            m = t.mail_outbox.c
            q = (
                select(
                    m.id,
                    m.recipient,
                    m.subject,
                    m.attempts,
                    m.last_error,
                    m.created_at,
                    m.next_attempt_at,
                    m.parked_at,
                )
                .where(m.sent_at.is_(None), m.last_error.is_not(None))
                .order_by(m.id)
                .limit(LISTED)
            )
            mails = [dict(r) for r in repo.connection.execute(q).mappings()]
        return ParkedJobs(timers, mails)

    def retry_timer(self, actor: Actor, timer_id: int) -> None:
        """A parked timer due again now; NotFound unless it is parked."""
        self.base.require(actor, "administer")
        now = self.base.now()
        with self.base._tx() as repo:
            row = repo.timer_for_update(timer_id) if 0 < timer_id <= ID_MAX else None
            if row is None or row["status"] != "parked":
                raise NotFound(say("job.not_parked", kind="timer", id=timer_id))
            repo.set_timer(timer_id, status="pending", attempts=0, due_at=now, claimed_until=None)
            repo.append_event(at=now, actor=actor.id, action="retry_timer", dossier_id=row["dossier_id"],
                              payload={"id": timer_id, "timer": row["timer"], "state": row["state"],
                                       "error": row["last_error"]})  # fmt: skip

    def retry_mail(self, actor: Actor, outbox_id: int) -> None:
        """An unsent mail (parked or waiting for its next attempt) due again now."""
        self.base.require(actor, "administer")
        now = self.base.now()
        m = t.mail_outbox.c
        with self.base._tx() as repo:
            row = None
            if 0 < outbox_id <= ID_MAX:
                row = (
                    repo.connection.execute(
                        select(m.id, m.recipient, m.last_error).where(m.id == outbox_id, m.sent_at.is_(None))
                    )
                    .mappings()
                    .first()
                )
            if row is None:
                raise NotFound(say("job.not_parked", kind="mail", id=outbox_id))
            repo.connection.execute(
                update(t.mail_outbox)
                .where(m.id == outbox_id)
                .values(parked_at=None, attempts=0, next_attempt_at=now)
            )
            repo.append_event(at=now, actor=actor.id, action="retry_mail",
                              payload={"id": outbox_id, "recipient": row["recipient"], "error": row["last_error"]})  # fmt: skip
