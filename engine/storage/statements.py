"""Statements built once and reused: the hot path skips SQL construction and cache-key work.

Two kinds. SQLAlchemy statement objects (the expanding IN lists): SQLAlchemy
memoizes their cache key, so executing the same object with new values costs
little more than its execute machinery. `Prepared` statements (every statement a
fire runs, a dossier read, the audit append): compiled once per dialect and run
on the transaction's DBAPI cursor with SQLAlchemy's own type conversions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Select, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError

from engine.storage import tables as t

_cache: dict[tuple[str, ...], Any] = {}
_lock = threading.Lock()


def cached(key: tuple[str, ...], build: Callable[[], Any]) -> Any:
    statement = _cache.get(key)
    if statement is None:
        with _lock:
            statement = _cache.setdefault(key, build())
    return statement


d, fa, ev, ss, ck, ce, ae, ah = (
    t.dossiers.c,
    t.form_answers.c,
    t.evidence.c,
    t.score_sheets.c,
    t.clocks.c,
    t.certificates.c,
    t.audit_events.c,
    t.audit_head.c,
)


class _Plan:
    """One statement compiled for one dialect, with the conversions SQLAlchemy would apply to it."""

    __slots__ = ("binds", "columns", "fixed", "keys", "names", "positional", "results", "sql")

    def __init__(self, statement: Any, keys: tuple[str, ...], dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) or None)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a prepared statement cannot hold expanding or literal-execute parameters")
        prefetch = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
        if prefetch:  # Connection.execute would compute these Python-side defaults; this would send NULL
            raise ValueError(f"a prepared statement must be given every column with a default: {prefetch}")
        self.sql = str(compiled)
        self.positional = bool(dialect.positional)
        self.names: tuple[str, ...] = tuple(compiled.positiontup) if self.positional else ()
        # Values written into the statement itself (`WHERE id = 1`) travel as bound parameters.
        self.fixed = {name: bp.value for name, bp in compiled.binds.items() if not bp.required}
        # Every bound value goes through its column type's processor, as in Connection.execute
        # (SQLite: datetimes and dates to ISO text, JSON to text, booleans to 0/1).
        processors = {
            name: proc
            for name, bp in compiled.binds.items()
            if (proc := bp.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self.binds: tuple[tuple[Any, Callable[[Any], Any]], ...] = (
            tuple((i, processors[n]) for i, n in enumerate(self.names) if n in processors)
            if self.positional
            else tuple(processors.items())
        )
        self.columns: tuple[Any, ...] = (
            tuple(statement.selected_columns) if isinstance(statement, Select) else ()
        )
        self.keys = tuple(column.key for column in self.columns)
        # Result processors may depend on the driver's type codes (PostgreSQL): built from the
        # first result's description, then reused.
        self.results: tuple[tuple[int, Callable[[Any], Any]], ...] | None = None

    def arguments(self, params: dict[str, Any] | None) -> Any:
        values = {**self.fixed, **params} if params else dict(self.fixed)
        if self.positional:
            args = [values[name] for name in self.names]
            for i, proc in self.binds:
                args[i] = proc(args[i])
            return tuple(args)
        for name, proc in self.binds:
            values[name] = proc(values[name])
        return values

    def result_processors(
        self, dialect: Any, description: Any
    ) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
        if self.results is None:
            found = []
            for i, (column, described) in enumerate(zip(self.columns, description, strict=True)):
                proc = column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                if proc is not None:
                    found.append((i, proc))
            self.results = tuple(found)
        return self.results


class Prepared:
    """A fixed statement compiled once per dialect and run on the transaction's DBAPI cursor.

    For the statements every fire runs: SQLAlchemy's execute costs ~50-80 µs a
    statement (cache key, execution context, result object), the driver's a few.
    Same SQL, same connection and so the same transaction. Values are converted
    both ways by the column types' own processors, taken from SQLAlchemy once per
    dialect, so dates, datetimes, booleans and JSON read and write exactly as through
    `Connection.execute`. Driver errors are raised as SQLAlchemy's exception classes
    (IntegrityError, OperationalError, ...), a lost connection invalidated as
    SQLAlchemy does. Not for expanding IN lists (those are rendered per call), and
    SQLAlchemy's execute events and echo logging do not see these statements.
    """

    def __init__(self, statement: Any, keys: Iterable[str] = ()) -> None:
        self.statement = statement
        self.keys = tuple(keys)
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Any) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans.setdefault(dialect.name, _Plan(self.statement, self.keys, dialect))
        return plan

    def _execute(self, connection: Any, params: dict[str, Any] | None) -> tuple[_Plan, Any]:
        dialect = connection.dialect
        plan = self._plan(dialect)
        args = plan.arguments(params)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(plan.sql, args)
        except dialect.loaded_dbapi.Error as exc:
            cursor.close()
            raise _wrapped(connection, plan.sql, args, exc) from exc
        return plan, cursor

    def run(self, connection: Any, params: dict[str, Any] | None = None) -> Any:
        """Execute on `connection` (a SQLAlchemy Connection in a transaction); the DBAPI cursor."""
        return self._execute(connection, params)[1]

    def rowcount(self, connection: Any, params: dict[str, Any] | None = None) -> int:
        """Run a write; the number of rows it matched."""
        cursor = self._execute(connection, params)[1]
        count = int(cursor.rowcount)
        cursor.close()
        return count

    def rows(self, connection: Any, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a SELECT; its rows as dicts by column key, values converted as SQLAlchemy converts them."""
        plan, cursor = self._execute(connection, params)
        try:
            fetched = cursor.fetchall()
            processors = plan.result_processors(connection.dialect, cursor.description)
        finally:
            cursor.close()
        keys = plan.keys
        if not processors:
            return [dict(zip(keys, row, strict=True)) for row in fetched]
        out = []
        for row in fetched:
            values = list(row)
            for i, proc in processors:
                values[i] = proc(values[i])
            out.append(dict(zip(keys, values, strict=True)))
        return out

    def first(self, connection: Any, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        found = self.rows(connection, params)
        return found[0] if found else None


def _wrapped(connection: Any, sql: str, args: Any, exc: Exception) -> Exception:
    """The driver's error as SQLAlchemy would raise it; a lost connection is invalidated."""
    dialect = connection.dialect
    lost = bool(dialect.is_disconnect(exc, connection.connection.dbapi_connection, None))
    if lost:
        connection.invalidate(exc)
    wrapped: Exception = DBAPIError.instance(
        sql,
        args,
        exc,
        dialect.loaded_dbapi.Error,
        hide_parameters=connection.engine.hide_parameters,
        connection_invalidated=lost,
        dialect=dialect,
    )
    return wrapped


# The writes of a fire: one prepared statement per set of columns written.
def update_dossier(keys: Iterable[str], *, compare_version: bool) -> Prepared:
    """UPDATE dossiers SET <keys> WHERE id = :b_id [AND version = :b_version]."""
    names = tuple(sorted(keys))

    def build() -> Prepared:
        q = update(t.dossiers).where(d.id == bindparam("b_id"))
        if compare_version:
            q = q.where(d.version == bindparam("b_version"))
        return Prepared(q.values({name: bindparam(name) for name in names}))

    prepared: Prepared = cached(("update_dossier", str(compare_version), *names), build)
    return prepared


def update_clock(keys: Iterable[str]) -> Prepared:
    """UPDATE clocks SET <keys> WHERE dossier_id = :b_id AND name = :b_name."""
    names = tuple(sorted(keys))

    def build() -> Prepared:
        q = update(t.clocks).where(ck.dossier_id == bindparam("b_id"), ck.name == bindparam("b_name"))
        return Prepared(q.values({name: bindparam(name) for name in names}))

    prepared: Prepared = cached(("update_clock", *names), build)
    return prepared


def fired(states: int) -> Prepared:
    """Fire events of a dossier into any of `states` target states: one statement per list length."""

    def build() -> Prepared:
        targets: list[Any] = [bindparam(f"b_state{i}") for i in range(states)]
        return Prepared(
            select(ae.actor, ae.payload).where(
                ae.dossier_id == bindparam("b_id"), ae.action == "fire", ae.to_state.in_(targets)
            )
        )

    prepared: Prepared = cached(("fired", str(states)), build)
    return prepared


# Expanding IN lists: rendered per call, so they stay on Connection.execute.
CLOCKS_FOR = select(t.clocks).where(ck.dossier_id.in_(bindparam("b_ids", expanding=True))).order_by(ck.id)
CERTIFICATES_FOR = (
    select(t.certificates).where(ce.dossier_id.in_(bindparam("b_ids", expanding=True))).order_by(ce.id)
)

# What a fire reads and writes besides the audit append.
DOSSIER = Prepared(select(t.dossiers).where(d.id == bindparam("b_id")))
FORM_ANSWERS = Prepared(select(t.form_answers).where(fa.dossier_id == bindparam("b_id")).order_by(fa.id))
FORM_COMPLETE = Prepared(select(fa.form_id, fa.complete).where(fa.dossier_id == bindparam("b_id")))
EVIDENCE = Prepared(select(t.evidence).where(ev.dossier_id == bindparam("b_id")).order_by(ev.id))
EVIDENCE_TYPES = Prepared(select(ev.document_type).where(ev.dossier_id == bindparam("b_id")).distinct())
CLOCKS = Prepared(select(t.clocks).where(ck.dossier_id == bindparam("b_id")).order_by(ck.id))
SCORE_SHEETS = Prepared(select(t.score_sheets).where(ss.dossier_id == bindparam("b_id")).order_by(ss.id))
USER_FOR_TOKEN = Prepared(  # every bearer-token API call resolves its caller with this
    select(t.users, t.api_tokens.c.expires_at.label("token_expires_at"))
    .join(t.api_tokens, t.api_tokens.c.user_id == t.users.c.id)
    .where(t.api_tokens.c.token_hash == bindparam("b_hash"), t.api_tokens.c.revoked.is_(False))
)
CERTIFICATES = Prepared(select(t.certificates).where(ce.dossier_id == bindparam("b_id")).order_by(ce.id))
NOTIFICATION_KEYS = ("dossier_id", "roles", "area", "message_vi", "message_en", "created_at")
# inline(): no RETURNING of the new id (PostgreSQL would add one); nobody reads it.
INSERT_NOTIFICATION = Prepared(insert(t.notifications).inline(), NOTIFICATION_KEYS)

# The audit append: every write transaction ends with it.
HEAD = select(ah.seq, ah.hash).where(ah.id == 1)
PREPARED_HEAD = Prepared(HEAD)
PREPARED_HEAD_FOR_UPDATE = Prepared(HEAD.with_for_update())
PREPARED_MOVE_HEAD = Prepared(
    update(t.audit_head).where(ah.id == 1).values(seq=bindparam("b_seq"), hash=bindparam("b_hash"))
)
EVENT_KEYS = (
    "seq", "at", "actor", "action", "dossier_id", "from_state", "to_state", "definition_hash", "payload_digest",
    "payload", "comment", "prev_hash", "hash",
)  # fmt: skip
PREPARED_INSERT_EVENT = Prepared(insert(t.audit_events), EVENT_KEYS)
