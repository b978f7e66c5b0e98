"""What the consistency check reads: every dossier and record event in seq order, and the rows it is
compared with."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from engine.storage import tables as t

STREAM_BATCH = 5000


class ReplayReads:
    connection: Connection

    def _stream(self, query: Any) -> Iterator[Any]:
        result = self.connection.execution_options(yield_per=STREAM_BATCH).execute(query)
        try:
            yield from result
        finally:
            result.close()

    def dossier_event_stream(self) -> Iterator[tuple[int, int, str, str | None, str]]:
        """(seq, dossier_id, action, to_state, payload text) of every event on a dossier, in seq order."""
        e = t.audit_events.c
        q = select(e.seq, e.dossier_id, e.action, e.to_state, e.payload).where(e.dossier_id.is_not(None))
        for row in self._stream(q.order_by(e.seq)):
            yield int(row[0]), int(row[1]), row[2], row[3], row[4]

    def dossier_state_stream(self) -> Iterator[tuple[int, str, int | None]]:
        """(id, state, stars) of every dossier."""
        d = t.dossiers.c
        for row in self._stream(select(d.id, d.state, d.stars).order_by(d.id)):
            yield int(row[0]), row[1], row[2]

    def certificate_stream(self) -> Iterator[dict[str, Any]]:
        c = t.certificates.c
        q = select(c.number, c.dossier_id, c.stars, c.status, c.expires_on).order_by(c.id)
        for row in self._stream(q):
            yield dict(row._mapping)

    def evidence_stream(self) -> Iterator[dict[str, Any]]:
        v = t.evidence.c
        q = select(v.id, v.dossier_id, v.filename, v.sha256).order_by(v.id)
        for row in self._stream(q):
            yield dict(row._mapping)

    def record_event_stream(self) -> Iterator[tuple[int, str, str]]:
        """(seq, action, payload text) of every event on a register's record, in seq order. Read from
        the chain itself (the payload names the record), not from record_events, which it does not seal."""
        e = t.audit_events.c
        q = select(e.seq, e.action, e.payload).where(e.dossier_id.is_(None), e.action.like("record.%"))
        for row in self._stream(q.order_by(e.seq)):
            yield int(row[0]), row[1], row[2]

    def record_stream(self) -> Iterator[dict[str, Any]]:
        """(id, register, status, data) of every record."""
        r = t.records.c
        for row in self._stream(select(r.id, r.register_id, r.status, r.data).order_by(r.id)):
            yield dict(row._mapping)
