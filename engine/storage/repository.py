"""The repository: every SQL statement the service needs, over one open transaction.

`Database.transaction()` opens a transaction and yields a `Repository`; leaving
the block commits, an exception rolls everything back. Rows come back as plain
dicts. Audit rows are only ever inserted (see audit_store.py).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, String, and_, cast, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from engine.errors import Conflict
from engine.storage import statements as st
from engine.storage import tables as t
from engine.storage.audit_query import AuditQueries
from engine.storage.audit_store import AuditStore
from engine.storage.credentials import CredentialStore
from engine.storage.db import writer_queue
from engine.storage.records import RecordStore
from engine.storage.replay_reads import ReplayReads
from engine.storage.round_store import RoundStore
from engine.storage.search import like_pattern, search_text
from engine.storage.stamp_store import StampStore
from engine.storage.timer_store import TimerStore
from engine.storage.trace_store import TraceStore

Row = dict[str, Any]
COUNT_CAP = 10_000  # list totals above this are reported as COUNT_CAP + 1 ("more than 10,000")


@dataclass(frozen=True)
class AreaFilter:
    """Which dossiers a reader may list: any of these conditions (empty: none; everything: all)."""

    everything: bool = False
    provinces: frozenset[str] = frozenset()
    communes: frozenset[str] = frozenset()
    organisations: frozenset[str] = frozenset()


def _row(mapping: Mapping[Any, Any] | None) -> Row | None:
    return dict(mapping) if mapping is not None else None


class Repository(
    AuditStore,
    AuditQueries,
    ReplayReads,
    RecordStore,
    CredentialStore,
    TraceStore,
    TimerStore,
    RoundStore,
    StampStore,
):
    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self.connection = connection

    # --- users and tokens ---------------------------------------------------------

    def add_user(self, **values: Any) -> int:
        try:
            with self.connection.begin_nested():
                result = self.connection.execute(insert(t.users).values(**values))
        except IntegrityError as exc:
            raise Conflict(f"user {values.get('username')!r} already exists") from exc
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def user_by_username(self, username: str) -> Row | None:
        q = select(t.users).where(t.users.c.username == username)
        return _row(self.connection.execute(q).mappings().first())

    def user_by_id(self, user_id: int) -> Row | None:
        return _row(
            self.connection.execute(select(t.users).where(t.users.c.id == user_id)).mappings().first()
        )

    def update_user(self, user_id: int, **values: Any) -> None:
        self.connection.execute(update(t.users).where(t.users.c.id == user_id).values(**values))

    def users(self) -> list[Row]:
        return [dict(r) for r in self.connection.execute(select(t.users).order_by(t.users.c.id)).mappings()]

    def user_for_token(self, token_hash: str) -> Row | None:
        return st.USER_FOR_TOKEN.first(self.connection, {"b_hash": token_hash})

    # --- definitions -----------------------------------------------------------------

    def add_definition(self, **values: Any) -> int:
        try:
            with self.connection.begin_nested():
                result = self.connection.execute(insert(t.definitions).values(**values))
                self.bump_catalog()
        except IntegrityError as exc:
            raise Conflict(
                f"definition {values.get('def_id')!r} {values.get('version')!r} is already stored"
            ) from exc
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def update_definition(self, row_id: int, **values: Any) -> None:
        self.connection.execute(update(t.definitions).where(t.definitions.c.id == row_id).values(**values))
        self.bump_catalog()

    def catalog_version(self) -> int:
        """The number every change of the stored definitions bumps (0 before revision 0004)."""
        found = self.connection.execute(
            select(t.catalog_version.c.version).where(t.catalog_version.c.id == 1)
        )
        return int(found.scalar() or 0)

    def bump_catalog(self) -> None:
        c = t.catalog_version.c
        self.connection.execute(update(t.catalog_version).where(c.id == 1).values(version=c.version + 1))

    def definitions_in_bundle(self, bundle: str) -> list[Row]:
        q = select(t.definitions).where(t.definitions.c.bundle == bundle).order_by(t.definitions.c.id)
        return [dict(r) for r in self.connection.execute(q).mappings()]

    def dossiers_pinning(self, sha256: str) -> list[Row]:
        """Dossiers whose workflow or pinned set names this hash (the JSON is searched as text)."""
        d = t.dossiers.c
        q = select(t.dossiers).where(
            (d.definition_hash == sha256) | (cast(d.definition_set, String).like(f"%{sha256}%"))
        )
        return [dict(r) for r in self.connection.execute(q.order_by(d.id)).mappings()]

    def definition_by_hash(self, kind: str, sha256: str) -> Row | None:
        q = select(t.definitions).where(t.definitions.c.kind == kind, t.definitions.c.sha256 == sha256)
        return _row(self.connection.execute(q.order_by(t.definitions.c.id)).mappings().first())

    def definitions(self, kind: str | None = None, def_id: str | None = None) -> list[Row]:
        q = select(t.definitions).order_by(t.definitions.c.id)
        if kind:
            q = q.where(t.definitions.c.kind == kind)
        if def_id:
            q = q.where(t.definitions.c.def_id == def_id)
        return [dict(r) for r in self.connection.execute(q).mappings()]

    def definition_heads(self, kinds: Sequence[str]) -> list[Row]:
        """`definitions` of these kinds without the source text: enough to choose the version in effect."""
        c = t.definitions.c
        q = select(*(col for col in t.definitions.c if col.name != "source")).where(c.kind.in_(kinds))
        return [dict(r) for r in self.connection.execute(q.order_by(c.id)).mappings()]

    # --- dossiers --------------------------------------------------------------------

    def add_dossier(self, **values: Any) -> int:
        folded = search_text(values.get("product_name", ""), values.get("producer_org", ""))
        result = self.connection.execute(insert(t.dossiers).values(version=1, search_text=folded, **values))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def dossier(self, dossier_id: int) -> Row | None:
        return st.DOSSIER.first(self.connection, {"b_id": dossier_id})

    def update_dossier(self, dossier_id: int, version: int, **values: Any) -> int:
        """Compare-and-set on the version column; a stale version raises Conflict."""
        values["version"] = version + 1
        q = st.update_dossier(values, compare_version=True)
        if q.rowcount(self.connection, {"b_id": dossier_id, "b_version": version, **values}) != 1:
            raise Conflict(
                f"dossier {dossier_id} was changed by someone else (version {version} is stale)",
                dossier_id=dossier_id,
                version=version,
            )
        return version + 1

    def set_dossier_fields(self, dossier_id: int, **values: Any) -> None:
        """Fields written after a successful compare-and-set in the same transaction."""
        st.update_dossier(values, compare_version=False).rowcount(
            self.connection, {"b_id": dossier_id, **values}
        )

    def _area_clause(self, area: AreaFilter) -> Any:
        if area.everything:
            return None
        d = t.dossiers.c
        parts = []
        if area.provinces:
            parts.append(d.province_code.in_(sorted(area.provinces)))
        if area.communes:
            parts.append(d.commune_code.in_(sorted(area.communes)))
        if area.organisations:
            parts.append(d.producer_org.in_(sorted(area.organisations)))
        return or_(*parts) if parts else d.id.is_(None)

    def list_dossiers(
        self, area: AreaFilter, filters: Mapping[str, Any], page: int, per_page: int
    ) -> tuple[list[Row], int]:
        d = t.dossiers.c
        conditions = []
        clause = self._area_clause(area)
        if clause is not None:
            conditions.append(clause)
        for name in ("state", "workflow_id", "kind", "province_code", "commune_code", "product_set", "stars"):
            value = filters.get(name)
            if value is None or value == "":
                continue
            column = getattr(d, name)
            if isinstance(value, list | tuple | set | frozenset):
                conditions.append(column.in_(sorted(value)))
            else:
                conditions.append(column == value)
        year = filters.get("year")
        if isinstance(year, int) and 1 <= year < 9999:
            # A range on filed_on rather than extract(year): the same on both databases, and indexable.
            conditions.append(and_(d.filed_on >= dt.date(year, 1, 1), d.filed_on < dt.date(year + 1, 1, 1)))
        joined = filters.get("round")
        if isinstance(joined, str) and joined.count(":") == 2:
            # `series:year:id` (engine/definitions/rounds.py RoundOf.key): the dossiers that joined it
            series, year_text, round_id = joined.split(":")
            r = t.dossier_rounds.c
            in_round = select(r.dossier_id).where(
                r.series == series,
                r.year == (int(year_text) if year_text.isdigit() else -1),
                r.round_id == round_id,
            )
            conditions.append(d.id.in_(in_round))
        if filters.get("q"):
            # folded on both sides: "mut" finds "Mứt", "MỨT" finds "mứt"; the code as typed
            pattern = like_pattern(str(filters["q"]))
            conditions.append(
                or_(d.search_text.like(pattern, escape="\\"), d.product_code.ilike(pattern, escape="\\"))
            )
        where = and_(*conditions) if conditions else None
        q = select(t.dossiers).order_by(d.id.desc()).limit(per_page).offset((page - 1) * per_page)
        # Counting stops at COUNT_CAP: past it a reader filters, and counting 100k rows costs more than the page.
        counted = select(d.id).limit(COUNT_CAP + 1)
        if where is not None:
            q = q.where(where)
            counted = counted.where(where)
        rows = [dict(r) for r in self.connection.execute(q).mappings()]
        total = self.connection.execute(select(func.count()).select_from(counted.subquery())).scalar_one()
        return rows, int(total)

    def dossiers_in_states(self, workflow_id: str, states: Sequence[str], area: AreaFilter) -> list[Row]:
        d = t.dossiers.c
        q = select(t.dossiers).where(d.workflow_id == workflow_id, d.state.in_(list(states)))
        clause = self._area_clause(area)
        if clause is not None:
            q = q.where(clause)
        return [dict(r) for r in self.connection.execute(q.order_by(d.id)).mappings()]

    def next_sequence(self, name: str) -> int:
        """A gap-free counter per name (product codes, certificate numbers)."""
        q = update(t.sequences).where(t.sequences.c.name == name).values(value=t.sequences.c.value + 1)
        if self.connection.execute(q).rowcount == 0:
            try:
                with self.connection.begin_nested():
                    self.connection.execute(insert(t.sequences).values(name=name, value=1))
                return 1
            except IntegrityError:
                self.connection.execute(q)
        value = self.connection.execute(select(t.sequences.c.value).where(t.sequences.c.name == name))
        return int(value.scalar_one())

    # --- forms, evidence, score sheets ---------------------------------------------

    def form_answers(self, dossier_id: int) -> dict[str, Row]:
        return {r["form_id"]: r for r in st.FORM_ANSWERS.rows(self.connection, {"b_id": dossier_id})}

    def complete_forms(self, dossier_id: int) -> frozenset[str]:
        """Ids of the dossier's forms saved complete (no answers read)."""
        rows = st.FORM_COMPLETE.rows(self.connection, {"b_id": dossier_id})
        return frozenset(r["form_id"] for r in rows if r["complete"])

    def save_form_answers(self, dossier_id: int, form_id: str, **values: Any) -> None:
        fa = t.form_answers.c
        q = update(t.form_answers).where(fa.dossier_id == dossier_id, fa.form_id == form_id).values(**values)
        if self.connection.execute(q).rowcount == 0:
            self.connection.execute(
                insert(t.form_answers).values(dossier_id=dossier_id, form_id=form_id, **values)
            )

    def mark_forms_incomplete(self, dossier_id: int, form_ids: Sequence[str]) -> None:
        fa = t.form_answers.c
        q = update(t.form_answers).where(fa.dossier_id == dossier_id, fa.form_id.in_(list(form_ids)))
        self.connection.execute(q.values(complete=False))

    def add_evidence(self, **values: Any) -> int:
        result = self.connection.execute(insert(t.evidence).values(**values))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def remove_evidence(self, dossier_id: int, evidence_id: int) -> None:
        e = t.evidence.c
        self.connection.execute(delete(t.evidence).where(e.id == evidence_id, e.dossier_id == dossier_id))

    def evidence(self, dossier_id: int) -> list[Row]:
        return st.EVIDENCE.rows(self.connection, {"b_id": dossier_id})

    def evidence_hashes(self) -> set[str]:
        """Every file name (SHA-256) an evidence row refers to."""
        return set(self.connection.execute(select(t.evidence.c.sha256).distinct()).scalars())

    def evidence_types(self, dossier_id: int) -> frozenset[str]:
        """The document types the dossier holds evidence for."""
        return frozenset(
            r["document_type"] for r in st.EVIDENCE_TYPES.rows(self.connection, {"b_id": dossier_id})
        )

    def save_score_sheet(self, dossier_id: int, member: str, state: str, **values: Any) -> None:
        s = t.score_sheets.c
        q = update(t.score_sheets).where(s.dossier_id == dossier_id, s.member == member, s.state == state)
        if self.connection.execute(q.values(**values)).rowcount == 0:
            self.connection.execute(
                insert(t.score_sheets).values(dossier_id=dossier_id, member=member, state=state, **values)
            )

    def score_sheets(self, dossier_id: int) -> list[Row]:
        return st.SCORE_SHEETS.rows(self.connection, {"b_id": dossier_id})

    # --- clocks, certificates, notifications -----------------------------------------

    def clocks(self, dossier_id: int) -> list[Row]:
        return st.CLOCKS.rows(self.connection, {"b_id": dossier_id})

    def save_clock(self, dossier_id: int, name: str, **values: Any) -> None:
        q = st.update_clock(values)
        if q.rowcount(self.connection, {"b_id": dossier_id, "b_name": name, **values}) == 0:
            self.connection.execute(insert(t.clocks).values(dossier_id=dossier_id, name=name, **values))

    def running_clocks(self, area: AreaFilter) -> list[tuple[Row, Row]]:
        """(clock, dossier) for every clock not stopped, in the reader's area."""
        q = (
            select(t.clocks, t.dossiers)
            .join(t.dossiers, t.dossiers.c.id == t.clocks.c.dossier_id)
            .where(t.clocks.c.stopped_on.is_(None))
        )
        clause = self._area_clause(area)
        if clause is not None:
            q = q.where(clause)
        out = []
        for r in self.connection.execute(q.order_by(t.clocks.c.due_on)):
            clock = {c.name: r._mapping[c] for c in t.clocks.c}
            dossier = {c.name: r._mapping[c] for c in t.dossiers.c}
            out.append((clock, dossier))
        return out

    def add_certificate(self, **values: Any) -> int:
        result = self.connection.execute(insert(t.certificates).values(**values))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def certificate_by_number(self, number: str) -> Row | None:
        q = select(t.certificates).where(t.certificates.c.number == number)
        return _row(self.connection.execute(q).mappings().first())

    def certificate_by_typed_number(self, normalized: str) -> Row | None:
        """The certificate whose number, spaces dropped and upper-cased, is `normalized`."""
        c = t.certificates.c
        folded = func.upper(func.replace(c.number, " ", ""))
        q = select(t.certificates).where(or_(c.number == normalized, folded == normalized)).order_by(c.id)
        return _row(self.connection.execute(q).mappings().first())

    def certificates_for_dossiers(self, ids: Sequence[int]) -> list[Row]:
        if len(ids) == 1:  # the common case; an expanding IN is re-rendered on every execution
            return st.CERTIFICATES.rows(self.connection, {"b_id": ids[0]})
        rows = self.connection.execute(st.CERTIFICATES_FOR, {"b_ids": list(ids)}).mappings()
        return [dict(r) for r in rows]

    def clocks_for_dossiers(self, ids: Sequence[int]) -> list[Row]:
        if len(ids) == 1:
            return self.clocks(ids[0])
        return [dict(r) for r in self.connection.execute(st.CLOCKS_FOR, {"b_ids": list(ids)}).mappings()]

    def certificates_for_product(self, product_code: str | None, dossier_id: int) -> list[Row]:
        c = t.certificates.c
        cond = c.dossier_id == dossier_id
        if product_code:
            cond = or_(cond, c.product_code == product_code)
        q = select(t.certificates).where(cond).order_by(c.id)
        return [dict(r) for r in self.connection.execute(q).mappings()]

    def set_certificate_status(self, certificate_id: int, status: str, revoked_on: dt.date | None) -> None:
        q = update(t.certificates).where(t.certificates.c.id == certificate_id)
        self.connection.execute(q.values(status=status, revoked_on=revoked_on))

    def add_notification(
        self,
        *,
        dossier_id: int,
        roles: list[str],
        area: str | None,
        message_vi: str,
        message_en: str | None,
        created_at: dt.datetime,
        returning: bool = False,
    ) -> int | None:
        """Store a notification; its id with `returning` (the fast insert returns none)."""
        values = dict(
            dossier_id=dossier_id,
            roles=roles,
            area=area,
            message_vi=message_vi,
            message_en=message_en,
            created_at=created_at,
        )
        if returning:
            key = self.connection.execute(insert(t.notifications).values(**values)).inserted_primary_key
            return int(key[0])  # type: ignore[index]
        st.INSERT_NOTIFICATION.run(self.connection, values).close()
        return None

    def notifications(self, dossier_id: int) -> list[Row]:
        q = select(t.notifications).where(t.notifications.c.dossier_id == dossier_id)
        return [dict(r) for r in self.connection.execute(q.order_by(t.notifications.c.id)).mappings()]


class _Writer:
    """The one connection a process's SQLite write transactions reuse, one at a time.

    SQLite runs one write transaction at a time and the writer queue already lines writers
    up, so they can share a connection instead of checking one out of the pool for each
    (pool checkout, reset and check-in cost ~50 µs of a ~600 µs fire). Used only by the
    writer holding `lock`; anyone finding it taken (a nested write, a queue that timed out)
    takes a pool connection as before. A forked process opens its own.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.connection: Connection | None = None
        self.pid = 0
        self.inherited: list[Connection] = []  # a parent's, never touched nor garbage-collected here

    def get(self) -> Connection:
        connection = self.connection
        if connection is not None and self.pid != os.getpid():
            self.inherited.append(connection)
            connection = None
        if connection is not None and (connection.closed or connection.invalidated):
            connection.close()
            connection = None
        if connection is None:
            connection = self.connection = self.engine.connect()
            self.pid = os.getpid()
        return connection

    def discard_if_dirty(self) -> None:
        """After a failed write: never reuse a connection SQLite left inside its transaction.

        A COMMIT that fails (a deferred constraint, a full disk) leaves the SQLite
        transaction open, still holding the write lock; handed back to a pool it would
        be rolled back, here it would be reused. Invalidating closes it (SQLite rolls
        back and releases the lock); the next writer opens a fresh one.
        """
        connection = self.connection
        if connection is None:
            return
        try:
            driver = connection.connection.driver_connection
            dirty = connection.invalidated or driver is None or bool(driver.in_transaction)
        except Exception:  # closed, or the driver cannot say: do not trust it
            dirty = True
        if dirty:
            with suppress(Exception):
                connection.invalidate()
            with suppress(Exception):
                connection.close()
            self.connection = None

    def close(self) -> None:
        """Back to the pool (when the Database goes, so the pool never sees it garbage-collected)."""
        if self.connection is not None and self.pid == os.getpid():
            self.connection.close()
        self.connection = None


class Database:
    """Opens transactions; `transaction` is the repository factory the service is handed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Writes open their connections with the option set once here, not copied per call.
        self._write_engine = engine.execution_options(ocopflow_write=True)
        self._writers = writer_queue(engine)
        self._writer = _Writer(self._write_engine) if self._writers is not None else None
        if self._writer is not None:
            weakref.finalize(self, self._writer.close)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Repository]:
        if not write or self._writers is None:
            with (self._write_engine if write else self.engine).connect() as connection, connection.begin():
                yield Repository(connection)
            return
        # SQLite writers queue for their turn before BEGIN IMMEDIATE (see db.WriterQueue).
        with self._writers.turn():
            writer = self._writer
            if writer is not None and writer.lock.acquire(blocking=False):
                try:
                    connection = writer.get()
                    with connection.begin():
                        yield Repository(connection)
                except BaseException:
                    writer.discard_if_dirty()
                    raise
                finally:
                    writer.lock.release()
                return
            with self._write_engine.connect() as connection, connection.begin():
                yield Repository(connection)
