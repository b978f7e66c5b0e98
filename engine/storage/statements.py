"""Statements built once and reused: the hot path skips SQL construction and cache-key work.

SQLAlchemy memoizes the cache key of a statement object, so executing the same
object with new bound values costs little more than the driver call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from engine.storage import tables as t

_cache: dict[tuple[str, ...], Any] = {}
_lock = threading.Lock()


def cached(key: tuple[str, ...], build: Callable[[], Any]) -> Any:
    statement = _cache.get(key)
    if statement is None:
        with _lock:
            statement = _cache.setdefault(key, build())
    return statement


d, fa, ev, ck, ce, ae, ah = (
    t.dossiers.c,
    t.form_answers.c,
    t.evidence.c,
    t.clocks.c,
    t.certificates.c,
    t.audit_events.c,
    t.audit_head.c,
)

DOSSIER = select(t.dossiers).where(d.id == bindparam("b_id"))
FORM_ANSWERS = select(t.form_answers).where(fa.dossier_id == bindparam("b_id"))
EVIDENCE = select(t.evidence).where(ev.dossier_id == bindparam("b_id")).order_by(ev.id)
CLOCKS = select(t.clocks).where(ck.dossier_id == bindparam("b_id")).order_by(ck.id)
CLOCKS_FOR = select(t.clocks).where(ck.dossier_id.in_(bindparam("b_ids", expanding=True))).order_by(ck.id)
CERTIFICATES = select(t.certificates).where(ce.dossier_id == bindparam("b_id")).order_by(ce.id)
CERTIFICATES_FOR = (
    select(t.certificates).where(ce.dossier_id.in_(bindparam("b_ids", expanding=True))).order_by(ce.id)
)
FIRED = select(ae.actor, ae.payload).where(
    ae.dossier_id == bindparam("b_id"),
    ae.action == "fire",
    ae.to_state.in_(bindparam("b_states", expanding=True)),
)
INSERT_NOTIFICATION = insert(t.notifications)
HEAD = select(ah.seq, ah.hash).where(ah.id == 1)
HEAD_FOR_UPDATE = HEAD.with_for_update()
MOVE_HEAD = update(t.audit_head).where(ah.id == 1).values(seq=bindparam("b_seq"), hash=bindparam("b_hash"))
INSERT_EVENT = insert(t.audit_events)
EVENT_KEYS = (
    "seq", "at", "actor", "action", "dossier_id", "from_state", "to_state", "definition_hash", "payload_digest",
    "payload", "comment", "prev_hash", "hash",
)  # fmt: skip


class Prepared:
    """A fixed statement compiled once per dialect and run on the transaction's DBAPI cursor.

    For the few statements every write runs (the audit append): SQLAlchemy's execute
    costs ~80 µs a statement, the driver's ~2 µs. Same SQL, same connection and so the
    same transaction; only for columns whose values need no type conversion (text,
    integers). Driver errors are not wrapped into SQLAlchemy's exception classes.
    """

    def __init__(self, statement: Any, keys: Iterable[str] = ()) -> None:
        self.statement = statement
        self.keys = tuple(keys)
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def _sql(self, dialect: Any) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=list(self.keys) or None)
            positional = tuple(compiled.positiontup) if dialect.positional else None
            # Values written into the statement itself (`WHERE id = 1`) travel as bound parameters.
            fixed = {name: bp.value for name, bp in compiled.binds.items() if not bp.required}
            found = self._compiled.setdefault(dialect.name, (str(compiled), positional, fixed))
        return found

    def run(self, connection: Any, params: dict[str, Any] | None = None) -> Any:
        """Execute on `connection` (a SQLAlchemy Connection in a transaction); the DBAPI cursor."""
        sql, positional, fixed = self._sql(connection.dialect)
        values = {**fixed, **params} if params else fixed
        cursor = connection.connection.cursor()
        cursor.execute(sql, tuple(values[k] for k in positional) if positional is not None else values)
        return cursor


def update_dossier(keys: Iterable[str], *, compare_version: bool) -> Any:
    """UPDATE dossiers SET <keys> WHERE id = :b_id [AND version = :b_version]."""
    names = tuple(sorted(keys))

    def build() -> Any:
        q = update(t.dossiers).where(d.id == bindparam("b_id"))
        if compare_version:
            q = q.where(d.version == bindparam("b_version"))
        return q.values({name: bindparam(name) for name in names})

    return cached(("update_dossier", str(compare_version), *names), build)


def update_clock(keys: Iterable[str]) -> Any:
    names = tuple(sorted(keys))

    def build() -> Any:
        q = update(t.clocks).where(ck.dossier_id == bindparam("b_id"), ck.name == bindparam("b_name"))
        return q.values({name: bindparam(name) for name in names})

    return cached(("update_clock", *names), build)


# The audit append, run on the driver (see Prepared): every write transaction ends with it.
PREPARED_HEAD = Prepared(HEAD)
PREPARED_HEAD_FOR_UPDATE = Prepared(HEAD_FOR_UPDATE)
PREPARED_INSERT_EVENT = Prepared(INSERT_EVENT, EVENT_KEYS)
PREPARED_MOVE_HEAD = Prepared(MOVE_HEAD)
