"""Spending against a plan's budget lines: the line's lock row, the entries and their sums.

Amounts are integers in hundredths of a đồng (tables.budget_entries), summed by the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from engine.storage import tables as t


@dataclass(frozen=True)
class EntryRow:
    id: int
    line_id: str
    amount_hundredths: int
    spent_on: dt.date
    note: str
    reference: str | None
    actor: str
    recorded_at: dt.datetime


def lock_line(conn: Connection, plan_id: str, line_id: str, now: dt.datetime) -> None:
    """Hold the line's row until the transaction ends (created with its first entry).

    PostgreSQL: SELECT … FOR UPDATE, so a second writer waits here and then reads the first one's
    committed entry. SQLite: write transactions open with BEGIN IMMEDIATE, one writer at a time.
    """
    lines = t.budget_lines
    key = (lines.c.plan_id == plan_id) & (lines.c.line_id == line_id)
    query = select(lines.c.plan_id).where(key).with_for_update()
    if conn.execute(query).first() is not None:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(lines).values(plan_id=plan_id, line_id=line_id, created_at=now))
    except IntegrityError:
        pass  # another writer created it first: wait for its lock below
    conn.execute(query).first()


def spent(conn: Connection, plan_id: str) -> dict[str, int]:
    """Line id -> the sum of its entries, in hundredths of a đồng."""
    e = t.budget_entries
    rows = conn.execute(
        select(e.c.line_id, func.sum(e.c.amount_hundredths))
        .where(e.c.plan_id == plan_id)
        .group_by(e.c.line_id)
    ).all()
    return {line: int(total or 0) for line, total in rows}


def add_entry(
    conn: Connection,
    *,
    plan_id: str,
    line_id: str,
    amount_hundredths: int,
    spent_on: dt.date,
    note: str,
    reference: str | None,
    actor: str,
    at: dt.datetime,
    definition_hash: str | None,
) -> int:
    result = conn.execute(
        insert(t.budget_entries).values(
            plan_id=plan_id, line_id=line_id, amount_hundredths=amount_hundredths, spent_on=spent_on,
            note=note, reference=reference, actor=actor, recorded_at=at, definition_hash=definition_hash,
        )
    )  # fmt: skip
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def entries(conn: Connection, plan_id: str, limit: int) -> list[EntryRow]:
    """The plan's entries, newest first, at most `limit`."""
    e = t.budget_entries
    rows = conn.execute(
        select(e.c.id, e.c.line_id, e.c.amount_hundredths, e.c.spent_on, e.c.note, e.c.reference, e.c.actor,
               e.c.recorded_at)
        .where(e.c.plan_id == plan_id)
        .order_by(e.c.spent_on.desc(), e.c.id.desc())
        .limit(limit)
    ).all()  # fmt: skip
    return [EntryRow(*r) for r in rows]
