"""What someone who can write to the database does to hide a change, in SQL, on both databases.

The append-only triggers (revision 0004_tamper) refuse UPDATE and DELETE of audit rows, so the
attacker first drops them, as a table owner can. Then come the rewrites that a keyless hash
chain cannot see: every event after an edit re-sealed, events renumbered after a deletion,
the tail cut and the head moved back, and the stored checkpoints deleted so only the
auditor's exported file still knows the old head.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from engine import audit

GUARDED = ("audit_events", "audit_checkpoints")
COLUMNS = (*audit.ROW_FIELDS, "payload")


def drop_guards(conn: Any) -> None:
    if conn.dialect.name == "postgresql":
        for table in GUARDED:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"))
    else:
        for table in GUARDED:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))


def sql(database: Any, statement: str, **params: Any) -> None:
    """Run one statement as the attacker: guards dropped first, in the same transaction."""
    with database.engine.begin() as conn:
        drop_guards(conn)
        conn.execute(text(statement), params)


Event = dict[str, Any]


def rewrite(database: Any, change: Callable[[list[Event]], list[Event]], *, reseal: bool = True) -> None:
    """Read every event, let `change` edit the list, renumber and re-seal it from GENESIS, store it
    in place of the old chain, move the head to its end and delete the stored checkpoints."""
    with database.engine.begin() as conn:
        drop_guards(conn)
        rows = conn.execute(text(f"SELECT {', '.join(COLUMNS)} FROM audit_events ORDER BY seq")).all()
        events = change([dict(zip(COLUMNS, row, strict=True)) for row in rows])
        previous: audit.Link | None = None
        sealed = []
        for e in events:
            draft = audit.AuditEvent(0, e["at"], e["actor"], e["action"],
                                     None if e["dossier_id"] is None else str(e["dossier_id"]), e["from_state"],
                                     e["to_state"], e["definition_hash"], audit.text_digest(e["payload"]),
                                     e["comment"])  # fmt: skip
            event = audit.seal(draft, previous) if reseal else draft
            previous = event
            sealed.append({**event.as_dict(), "dossier_id": e["dossier_id"], "payload": e["payload"]})
        conn.execute(text("DELETE FROM audit_events"))
        conn.execute(text("DELETE FROM audit_checkpoints"))
        placeholders = ", ".join(f":{c}" for c in COLUMNS)
        conn.execute(text(f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES ({placeholders})"), sealed)
        last = sealed[-1] if sealed else {"seq": 0, "hash": audit.GENESIS}
        conn.execute(text("UPDATE audit_head SET seq = :seq, hash = :hash"), last)


def truncate_and_rewind(database: Any, keep: int) -> None:
    """Cut every event after `keep`, move the head back onto event `keep`, delete the checkpoints."""
    rewrite(database, lambda events: events[:keep])
