"""The timers table: arm, cancel, claim and settle a dossier's timers (engine/service/timers.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from engine.storage import tables as t

Row = dict[str, Any]


class TimerStore:
    connection: Connection

    def arm_timer(self, *, dossier_id: int, state: str, timer: str, phase: str, due_at: dt.datetime,
                  created_at: dt.datetime) -> int:  # fmt: skip
        result = self.connection.execute(
            insert(t.timers).values(
                dossier_id=dossier_id,
                state=state,
                timer=timer,
                phase=phase,
                due_at=due_at,
                status="pending",
                attempts=0,
                created_at=created_at,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def cancel_timers(self, dossier_id: int, states: set[str], at: dt.datetime) -> list[Row]:
        """The dossier's pending (or parked, or paused) timers of `states` are cancelled; returns them."""
        c = t.timers.c
        cond = and_(
            c.dossier_id == dossier_id,
            c.state.in_(sorted(states)),
            c.status.in_(("pending", "parked", "paused")),
        )
        rows = [dict(r) for r in self.connection.execute(select(t.timers).where(cond)).mappings()]
        if rows:
            ids = [r["id"] for r in rows]
            self.connection.execute(
                update(t.timers).where(c.id.in_(ids)).values(status="cancelled", done_at=at)
            )
        return rows

    def dossier_timers(self, dossier_id: int) -> list[Row]:
        q = select(t.timers).where(t.timers.c.dossier_id == dossier_id).order_by(t.timers.c.id)
        return [dict(r) for r in self.connection.execute(q).mappings()]

    def claim_due_timers(self, now: dt.datetime, limit: int, lease_until: dt.datetime) -> list[Row]:
        """Pending timers due by `now` and not claimed by a live worker, claimed until `lease_until`.
        PostgreSQL skips rows another worker is claiming (FOR UPDATE SKIP LOCKED); SQLite's
        write transaction already holds the database."""
        c = t.timers.c
        q = (
            select(c.id)
            .where(
                c.status == "pending", c.due_at <= now, or_(c.claimed_until.is_(None), c.claimed_until < now)
            )
            .order_by(c.due_at, c.id)
            .limit(limit)
        )
        if self.connection.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        ids = [r[0] for r in self.connection.execute(q)]
        if not ids:
            return []
        self.connection.execute(update(t.timers).where(c.id.in_(ids)).values(claimed_until=lease_until))
        rows = self.connection.execute(
            select(t.timers).where(c.id.in_(ids)).order_by(c.due_at, c.id)
        ).mappings()
        return [dict(r) for r in rows]

    def timer_for_update(self, timer_id: int) -> Row | None:
        """The timer row, locked until the transaction ends (PostgreSQL; SQLite's writer holds all)."""
        q = select(t.timers).where(t.timers.c.id == timer_id)
        if self.connection.dialect.name == "postgresql":
            q = q.with_for_update()
        found = self.connection.execute(q).mappings().first()
        return dict(found) if found is not None else None

    def set_timer(self, timer_id: int, **values: Any) -> None:
        self.connection.execute(update(t.timers).where(t.timers.c.id == timer_id).values(**values))

    def open_dossier_ids(self) -> list[int]:
        """Every dossier's id, oldest first (the timer backfill skips those in terminal states)."""
        return [int(r[0]) for r in self.connection.execute(select(t.dossiers.c.id).order_by(t.dossiers.c.id))]

    def parked_timers(self) -> list[Row]:
        q = select(t.timers).where(t.timers.c.status == "parked").order_by(t.timers.c.id)
        return [dict(r) for r in self.connection.execute(q).mappings()]
