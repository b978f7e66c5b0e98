"""Trace events of batch records: appended, never changed (triggers refuse UPDATE and DELETE)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select

from engine.storage import tables as t

Row = dict[str, Any]


class TraceStore:
    connection: Connection

    def add_trace_event(self, *, inputs: Sequence[int] = (), **values: Any) -> None:
        self.connection.execute(insert(t.trace_events).values(**values))
        for record_id in inputs:
            self.connection.execute(
                insert(t.trace_inputs).values(seq=values["seq"], input_record_id=record_id)
            )

    def trace_events(self, record_ids: Iterable[int]) -> list[Row]:
        """The events of these batches, in the order they were recorded, each with its `inputs`."""
        ids = sorted(set(record_ids))
        if not ids:
            return []
        e = t.trace_events.c
        rows = [dict(r) for r in self.connection.execute(
            select(t.trace_events).where(e.record_id.in_(ids)).order_by(e.seq)).mappings()]  # fmt: skip
        i = t.trace_inputs.c
        inputs: dict[int, list[int]] = {}
        seqs = [r["seq"] for r in rows if r["step"] == "transforming"]
        if seqs:
            q = select(i.seq, i.input_record_id).where(i.seq.in_(seqs)).order_by(i.seq, i.input_record_id)
            for seq, rid in self.connection.execute(q):
                inputs.setdefault(seq, []).append(rid)
        for r in rows:
            r["inputs"] = inputs.get(r["seq"], [])
        return rows
