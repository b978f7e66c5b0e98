"""Append-only audit storage: insert under the head lock, read in order. No update, no delete."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, insert, select

from engine import audit
from engine.checkpoints import FIELDS, Checkpoint
from engine.storage import statements as st
from engine.storage import tables as t

READ_BATCH = 5000
CHAIN_BATCH = 20_000  # rows per driver fetch in `audit verify` (~10 MB at most)


def _loads(text: str | None) -> Any:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


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
        cursor = (st.PREPARED_HEAD_FOR_UPDATE if postgres else st.PREPARED_HEAD).run(self.connection)
        heads = cursor.fetchall()
        cursor.close()
        if len(heads) != 1:
            raise RuntimeError(f"the audit head row is missing or duplicated ({len(heads)} rows)")
        head_seq, head_hash = heads[0]
        payload_text = audit.canonical_payload(payload or {})
        draft = audit.AuditEvent(
            seq=0,
            at=at.isoformat(timespec="microseconds"),
            actor=actor,
            action=action,
            dossier_id=None if dossier_id is None else str(dossier_id),
            from_state=from_state,
            to_state=to_state,
            definition_hash=definition_hash,
            payload_digest=audit.text_digest(payload_text),
            comment=comment,
        )
        event = audit.seal(draft, audit.Head(int(head_seq), head_hash))
        st.PREPARED_INSERT_EVENT.run(
            self.connection,
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
                payload=payload_text,
                comment=event.comment,
                prev_hash=event.prev_hash,
                hash=event.hash,
            ),
        ).close()
        moved = st.PREPARED_MOVE_HEAD.run(self.connection, {"b_seq": event.seq, "b_hash": event.hash})
        if moved.rowcount != 1:
            raise RuntimeError("the audit head row did not move")
        moved.close()
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

    def snapshot_reads(self) -> None:
        """Let every later read of this transaction see one snapshot; call it before any read.

        SQLite's read transaction already holds one snapshot from its first read. PostgreSQL's
        default READ COMMITTED takes a new one per statement: a verification that streams the
        chain and then reads the head would count events appended in between as a deleted tail.
        """
        if self.connection.dialect.name == "postgresql":
            self.connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def chain_rows(self) -> Iterator[tuple[Any, ...]]:
        """Every stored event as a plain tuple (audit.ROW_FIELDS, then the payload text), in seq order.

        This feeds the hot loop of `audit verify` (audit.verify_rows): a plain DBAPI cursor
        (server-side on PostgreSQL) inside the repository's transaction, rows fetched in
        large batches, no result-row or event objects.
        """
        columns = ", ".join((*audit.ROW_FIELDS, "payload"))
        dbapi = self.connection.connection.dbapi_connection
        assert dbapi is not None
        postgres = self.connection.dialect.name == "postgresql"
        cursor = dbapi.cursor(name="ocopflow_audit_chain") if postgres else dbapi.cursor()
        try:
            cursor.execute(f"SELECT {columns} FROM audit_events ORDER BY seq")
            while rows := cursor.fetchmany(CHAIN_BATCH):
                yield from rows
        finally:
            cursor.close()

    # --- signed checkpoints (engine/checkpoints.py) ------------------------------------------

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        self.connection.execute(insert(t.audit_checkpoints).values(**checkpoint.as_dict()))

    def checkpoints(self) -> dict[int, Checkpoint]:
        """Every stored checkpoint by seq."""
        q = select(*(t.audit_checkpoints.c[name] for name in FIELDS)).order_by(t.audit_checkpoints.c.seq)
        return {int(r[0]): Checkpoint(int(r[0]), *r[1:]) for r in self.connection.execute(q)}

    def last_checkpoint(self) -> Checkpoint | None:
        c = t.audit_checkpoints.c
        row = self.connection.execute(
            select(*(c[name] for name in FIELDS)).order_by(c.seq.desc()).limit(1)
        ).first()
        return None if row is None else Checkpoint(int(row[0]), *row[1:])

    def audit_hashes(self, seqs: Iterable[int]) -> dict[int, str]:
        """seq -> stored hash for those of `seqs` that exist."""
        wanted, out = sorted(set(seqs)), {}
        c = t.audit_events.c
        for i in range(0, len(wanted), 500):
            q = select(c.seq, c.hash).where(c.seq.in_(wanted[i : i + 500]))
            out.update({int(s): str(h) for s, h in self.connection.execute(q)})
        return out

    def last_events(self, n: int) -> list[audit.AuditEvent]:
        q = select(t.audit_events).order_by(t.audit_events.c.seq.desc()).limit(n)
        return [_event(r) for r in self.connection.execute(q)]

    def dossier_events(self, dossier_id: int) -> list[tuple[audit.AuditEvent, Any]]:
        q = select(t.audit_events).where(t.audit_events.c.dossier_id == dossier_id)
        return [
            (_event(r), _loads(r.payload)) for r in self.connection.execute(q.order_by(t.audit_events.c.seq))
        ]

    def fired_by(self, dossier_id: int, to_states: Iterable[str]) -> dict[str, frozenset[str]]:
        """transition id -> the actors who fired it on this dossier (for separation of duties).

        Only events that entered one of `to_states` are read: the targets of the
        transitions a duty names, so a long history costs nothing here.
        """
        out: dict[str, set[str]] = {}
        states = sorted(set(to_states))
        if not states:
            return {}
        params: dict[str, Any] = {"b_id": dossier_id, **{f"b_state{i}": s for i, s in enumerate(states)}}
        for row in st.fired(len(states)).rows(self.connection, params):
            transition = _loads(row["payload"]).get("transition")
            if transition:
                out.setdefault(transition, set()).add(row["actor"])
        return {k: frozenset(v) for k, v in out.items()}
