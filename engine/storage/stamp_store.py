"""Scan counts of batches' public pages: one row a batch a day, added to with one upsert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.storage import tables as t

_S = t.scan_days.c


class StampStore:
    connection: Connection

    def scan_add(self, record_id: int, day: dt.date, amount: int = 1) -> int:
        """Add to the batch's count of the day atomically (concurrent scans lose nothing); the new count."""
        dialect = postgresql if self.connection.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(t.scan_days).values(record_id=record_id, day=day, scans=amount)
        stmt = stmt.on_conflict_do_update(
            index_elements=[_S.record_id, _S.day], set_={"scans": _S.scans + amount}
        ).returning(_S.scans)
        return int(self.connection.execute(stmt).scalar_one())

    def scan_days(self, record_id: int, since: dt.date) -> list[tuple[dt.date, int]]:
        """(day, scans) of one batch from `since` on, oldest first; days without a scan have no row."""
        q = select(_S.day, _S.scans).where(_S.record_id == record_id, _S.day >= since).order_by(_S.day)
        return [(day, int(n)) for day, n in self.connection.execute(q)]

    def scan_totals(self, record_ids: Sequence[int], since: dt.date) -> dict[int, int]:
        """Scans of each batch from `since` on (batches without any are absent)."""
        if not record_ids:
            return {}
        q = (
            select(_S.record_id, func.sum(_S.scans))
            .where(_S.record_id.in_(sorted(set(record_ids))), _S.day >= since)
            .group_by(_S.record_id)
        )
        return {int(rid): int(n) for rid, n in self.connection.execute(q)}
