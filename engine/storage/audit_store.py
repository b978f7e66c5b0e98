"""Append-only audit storage: insert under the head lock, read in order. No update, no delete."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, select

from engine import audit
from engine.storage import statements as st
from engine.storage import tables as t

READ_BATCH = 5000


def _event(row: Any) -> audit.AuditEvent:
    return audit.AuditEvent(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        dossier_id=None if row.dossier_id is None else str(row.dossier_id),
        from_state=row.from_state,
        to_state=row.to_state,
        definition_hash=row.definition_hash,
        payload_digest=row.payload_digest,
        comment=row.comment,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class AuditStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def append_event(
        self,
        *,
        at: dt.datetime,
        actor: str,
        action: str,
        dossier_id: int | None = None,
        from_state: str | None = None,
        to_state: str | None = None,
        definition_hash: str | None = None,
        payload: dict[str, Any] | None = None,
        comment: str | None = None,
    ) -> audit.AuditEvent:
        """Lock the head, chain the event to the last one, insert it and move the head."""
        postgres = self.connection.dialect.name == "postgresql"
        head = self.connection.execute(st.HEAD_FOR_UPDATE if postgres else st.HEAD).one()
        prev_hash = head.hash or audit.GENESIS
        payload = json.loads(json.dumps(payload or {}, default=str))
        draft = audit.AuditEvent(
            seq=int(head.seq) + 1,
            at=at.isoformat(timespec="microseconds"),
            actor=actor,
            action=action,
            dossier_id=None if dossier_id is None else str(dossier_id),
            from_state=from_state,
            to_state=to_state,
            definition_hash=definition_hash,
            payload_digest=audit.payload_digest(payload),
            comment=comment,
            prev_hash=prev_hash,
        )
        event = replace(draft, hash=audit.chain_hash(prev_hash, draft))
        self.connection.execute(
            st.INSERT_EVENT,
            dict(
                seq=event.seq,
                at=event.at,
                actor=event.actor,
                action=event.action,
                dossier_id=dossier_id,
                from_state=event.from_state,
                to_state=event.to_state,
                definition_hash=event.definition_hash,
                payload_digest=event.payload_digest,
                payload=payload,
                comment=event.comment,
                prev_hash=event.prev_hash,
                hash=event.hash,
            ),
        )
        self.connection.execute(st.MOVE_HEAD, {"b_seq": event.seq, "b_hash": event.hash})
        return event

    def audit_head(self) -> tuple[int, str]:
        head = self.connection.execute(select(t.audit_head.c.seq, t.audit_head.c.hash)).one()
        return int(head.seq), str(head.hash)

    def iter_events(self) -> Iterator[audit.AuditEvent]:
        """Every event in seq order, read in keyset batches so memory stays flat."""
        last = -1
        while True:
            q = select(t.audit_events).where(t.audit_events.c.seq > last).order_by(t.audit_events.c.seq)
            rows = self.connection.execute(q.limit(READ_BATCH)).all()
            if not rows:
                return
            for row in rows:
                yield _event(row)
            last = rows[-1].seq

    def iter_payloads(self) -> Iterator[tuple[int, str, Any]]:
        """(seq, payload_digest, payload) in seq order, in keyset batches."""
        e = t.audit_events.c
        last = -1
        while True:
            q = (
                select(e.seq, e.payload_digest, e.payload)
                .where(e.seq > last)
                .order_by(e.seq)
                .limit(READ_BATCH)
            )
            rows = self.connection.execute(q).all()
            if not rows:
                return
            for row in rows:
                yield int(row.seq), row.payload_digest, row.payload
            last = rows[-1].seq

    def last_events(self, n: int) -> list[audit.AuditEvent]:
        q = select(t.audit_events).order_by(t.audit_events.c.seq.desc()).limit(n)
        return [_event(r) for r in self.connection.execute(q)]

    def dossier_events(self, dossier_id: int) -> list[tuple[audit.AuditEvent, Any]]:
        q = select(t.audit_events).where(t.audit_events.c.dossier_id == dossier_id)
        return [(_event(r), r.payload) for r in self.connection.execute(q.order_by(t.audit_events.c.seq))]

    def fired_by(self, dossier_id: int, to_states: Iterable[str]) -> dict[str, frozenset[str]]:
        """transition id -> the actors who fired it on this dossier (for separation of duties).

        Only events that entered one of `to_states` are read: the targets of the
        transitions a duty names, so a long history costs nothing here.
        """
        out: dict[str, set[str]] = {}
        params = {"b_id": dossier_id, "b_states": sorted(set(to_states))}
        for row in self.connection.execute(st.FIRED, params):
            transition = (row.payload or {}).get("transition")
            if transition:
                out.setdefault(transition, set()).add(row.actor)
        return {k: frozenset(v) for k, v in out.items()}
