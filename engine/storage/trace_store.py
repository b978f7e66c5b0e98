"""Trace events of batch records: appended, never changed (triggers refuse UPDATE and DELETE)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select

from engine.storage import tables as t

Row = dict[str, Any]
IDENTITY_LOT = "_lot"  # facet rows of a batch's identity (trace.identity): folded lot, product id
IDENTITY_PRODUCT = "_product"


def lot_key(lot: str) -> str:
    """A lot as looked up: spaces around and case do not matter (a typed lot \"ab-12 \" is AB-12)."""
    return " ".join(str(lot).split()).casefold()[:200]


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

    def record_by_code(self, register_id: str, code: str) -> Row | None:
        r = t.records.c
        q = select(t.records).where(r.register_id == register_id, r.code == code)
        found = self.connection.execute(q).mappings().first()
        return dict(found) if found is not None else None

    def batches_by_identity(
        self, register_id: str, product_id: int, lot_key: str, *, limit: int = 10
    ) -> list[Row]:
        """Active batches of a product with this folded lot, newest first (their identity facets)."""
        r, f = t.records.c, t.record_facets.c
        has = [select(f.record_id).where(f.record_id == r.id, f.field == name, f.value == value).exists()
               for name, value in ((IDENTITY_PRODUCT, str(product_id)), (IDENTITY_LOT, lot_key))]  # fmt: skip
        q = select(t.records).where(r.register_id == register_id, r.status == "active", *has)
        return [dict(x) for x in self.connection.execute(q.order_by(r.id.desc()).limit(limit)).mappings()]
