"""The auditors' questions over the append-only log, answered in SQL: a filtered page, its count, the
actions in use, the export stream and the tail that incremental verification reads. Read-only.

Paging is keyset on `seq` (newest first), not LIMIT/OFFSET: a page costs the same at any depth, and
events appended while an auditor pages do not shift rows from one page to the next (with OFFSET a
new event pushes the last row of page 1 onto page 2, shown twice, or one is skipped). Each filter
has an index that yields rows in seq order (revision 0003: actor, action, at; dossier_id from 0001).

`at` is the ISO text that was hashed (`2026-07-01T09:00:00.000001`); a day range is a string range
on it, which every collation orders like the dates because all values share one layout.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, exists, false, func, select, text

from engine import audit
from engine.storage import tables as t

EXPORT_BATCH = 5000  # rows per keyset batch of an export (memory stays flat)
_COLUMNS = tuple(t.audit_events.c[name] for name in audit.ROW_FIELDS)

# The distinct actions by a loose index scan: one index probe per action instead of reading every
# row (a plain DISTINCT reads the whole index). The same SQL runs on SQLite and PostgreSQL.
_ACTIONS = text(
    "WITH RECURSIVE found(action) AS ("
    " SELECT MIN(action) FROM audit_events"
    " UNION ALL"
    " SELECT (SELECT MIN(e.action) FROM audit_events e WHERE e.action > found.action)"
    " FROM found WHERE found.action IS NOT NULL"
    ") SELECT action FROM found WHERE action IS NOT NULL"
)


@dataclass(frozen=True)
class AuditFilter:
    """Which events an auditor asks for; None or empty means any. `until` is inclusive."""

    actor: str | None = None
    dossier_id: int | None = None
    action: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    transition: str | None = None  # a fire of this transition (its id, read from the payload)


# What an event is about, kept from its payload for the auditors' labels (never the answers).
SUBJECT_KEYS = ("transition", "form", "document_type", "role", "username", "kind", "def_id")
MAX_ID = 2**31 - 1  # audit_events.dossier_id is an Integer column


def _where(f: AuditFilter) -> list[ColumnElement[bool]]:
    c = t.audit_events.c
    out: list[ColumnElement[bool]] = []
    if f.actor:
        out.append(c.actor == f.actor)
    if f.dossier_id is not None:
        # No stored id lies outside the column's range; PostgreSQL refuses such a value outright.
        fits = 0 <= f.dossier_id <= MAX_ID
        out.append(c.dossier_id == f.dossier_id if fits else false())
    if f.action:
        out.append(c.action == f.action)
    if f.transition:
        # The stored payload is canonical JSON (compact, sorted keys): `"transition":"<id>"` reads
        # exactly so, its closing quote ends the id, and no other key of a fire's payload is named so.
        needle = '"transition":' + json.dumps(f.transition, ensure_ascii=False)
        out.append(c.action == "fire")
        out.append(c.payload.contains(needle, autoescape=True))
    if f.since is not None:
        out.append(c.at >= f.since.isoformat())
    if f.until is not None and f.until < dt.date.max:
        out.append(c.at < (f.until + dt.timedelta(days=1)).isoformat())
    return out


def subjects(payload: str | None) -> dict[str, str]:
    """The SUBJECT_KEYS of a stored payload that hold text (a broken payload has none)."""
    try:
        value = json.loads(payload) if payload else {}
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: value[k] for k in SUBJECT_KEYS if isinstance(value.get(k), str)}


class AuditQueries:
    """Mixed into the Repository; every method runs on the repository's open transaction."""

    connection: Connection

    def audit_page(
        self, f: AuditFilter, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[audit.AuditEvent]:
        """Up to `limit` matching events, newest first: older than `before`, or the oldest ones
        newer than `after` (the page before, when paging back towards the newest)."""
        c = t.audit_events.c
        q = select(*_COLUMNS).where(*_where(f)).limit(limit)
        if after is not None:
            q = q.where(c.seq > after).order_by(c.seq.asc())
            rows = list(self.connection.execute(q))
            rows.reverse()
        else:
            if before is not None:
                q = q.where(c.seq < before)
            rows = list(self.connection.execute(q.order_by(c.seq.desc())))
        return [audit.event_from_row(row) for row in rows]

    def audit_exists(self, f: AuditFilter, *, before: int | None = None, after: int | None = None) -> bool:
        """Whether any matching event is older than `before` / newer than `after` (for the pager)."""
        c = t.audit_events.c
        conditions = _where(f)
        if before is not None:
            conditions.append(c.seq < before)
        if after is not None:
            conditions.append(c.seq > after)
        return bool(self.connection.execute(select(exists().where(*conditions))).scalar())

    def audit_count(self, f: AuditFilter, *, cap: int) -> int:
        """How many events match, counted up to `cap + 1` (more than `cap` reads "more than")."""
        counted = select(t.audit_events.c.seq).where(*_where(f)).limit(cap + 1).subquery()
        return int(self.connection.execute(select(func.count()).select_from(counted)).scalar_one())

    def audit_actions(self) -> list[str]:
        return [str(row[0]) for row in self.connection.execute(_ACTIONS)]

    def audit_subjects(self, seqs: list[int]) -> dict[int, dict[str, str]]:
        """What each of these events is about (SUBJECT_KEYS of its payload), by seq."""
        if not seqs:
            return {}
        c = t.audit_events.c
        rows = self.connection.execute(select(c.seq, c.payload).where(c.seq.in_(seqs)))
        return {int(seq): subjects(payload) for seq, payload in rows}

    def audit_export(self, f: AuditFilter, *, upto: int) -> Iterator[tuple[audit.AuditEvent, dict[str, str]]]:
        """Matching events with seq <= `upto`, oldest first, each with its subjects, read in keyset
        batches."""
        c = t.audit_events.c
        base = (
            select(*_COLUMNS, c.payload)
            .where(*_where(f), c.seq <= upto)
            .order_by(c.seq.asc())
            .limit(EXPORT_BATCH)
        )
        last = 0
        while True:
            rows = self.connection.execute(base.where(c.seq > last)).all()
            for row in rows:
                yield audit.event_from_row(row), subjects(row[-1])
            if len(rows) < EXPORT_BATCH:
                return
            last = rows[-1][0]

    def audit_tail(self, after: int, upto: int) -> Iterator[tuple[Any, ...]]:
        """The stored rows after `after` up to `upto`, in seq order, as `audit.verify_rows` reads them
        (ROW_FIELDS, then the payload text)."""
        c = t.audit_events.c
        q = select(*_COLUMNS, c.payload).where(c.seq > after, c.seq <= upto).order_by(c.seq)
        for row in self.connection.execute(q):
            yield tuple(row)

    def audit_hash(self, seq: int) -> str | None:
        """The stored hash of one event (None when there is no such event)."""
        q = select(t.audit_events.c.hash).where(t.audit_events.c.seq == seq)
        found = self.connection.execute(q).scalar()
        return None if found is None else str(found)
