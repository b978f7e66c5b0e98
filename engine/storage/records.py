"""Records of registers: rows, filter values and the audit events that concern each record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from engine import audit
from engine.errors import Conflict
from engine.storage import tables as t
from engine.storage.audit_store import _event, _loads

Row = dict[str, Any]
COUNT_CAP = 1_000  # counts above this read "more than 1,000": pages are keyset, nobody needs the exact number
TERMS = "_q"  # the facet rows that hold a record's search words (its title and code, normalised)
RARE = 2_000  # a search word on fewer records than this is looked up by its index range, else probed per row


class RecordStore:
    connection: Connection

    def add_record(self, **values: Any) -> int:
        try:
            with self.connection.begin_nested():
                result = self.connection.execute(insert(t.records).values(version=1, **values))
        except IntegrityError as exc:
            raise Conflict(f"code {values.get('code')!r} is taken", code=values.get("code")) from exc
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def record(self, record_id: int) -> Row | None:
        found = (
            self.connection.execute(select(t.records).where(t.records.c.id == record_id)).mappings().first()
        )
        return dict(found) if found is not None else None

    def records_by_ids(self, register_id: str, ids: Sequence[int]) -> list[Row]:
        r = t.records.c
        q = select(t.records).where(r.register_id == register_id, r.id.in_(list(ids)))
        return [dict(x) for x in self.connection.execute(q).mappings()]

    def update_record(self, record_id: int, version: int, **values: Any) -> bool:
        """Compare-and-set on the version; False when someone else saved first."""
        r = t.records.c
        q = (
            update(t.records)
            .where(r.id == record_id, r.version == version)
            .values(version=version + 1, **values)
        )
        try:
            with self.connection.begin_nested():
                changed = self.connection.execute(q).rowcount
        except IntegrityError as exc:
            raise Conflict(f"code {values.get('code')!r} is taken", code=values.get("code")) from exc
        return bool(changed == 1)

    def set_facets(self, register_id: str, record_id: int, facets: Mapping[str, Sequence[str]]) -> None:
        self.connection.execute(delete(t.record_facets).where(t.record_facets.c.record_id == record_id))
        rows = [
            {"record_id": record_id, "field": name, "value": value[:200], "register_id": register_id}
            for name, values in facets.items()
            for value in dict.fromkeys(values)
        ]
        if rows:
            self.connection.execute(insert(t.record_facets), rows)

    def link_event(self, seq: int, record_id: int) -> None:
        self.connection.execute(insert(t.record_events).values(seq=seq, record_id=record_id))

    def record_history(self, record_id: int) -> list[tuple[audit.AuditEvent, Any]]:
        """The audit events of one record, oldest first, with their payloads."""
        e, link = t.audit_events.c, t.record_events.c
        q = (
            select(t.audit_events)
            .join(t.record_events, link.seq == e.seq)
            .where(link.record_id == record_id)
            .order_by(e.seq)
        )
        return [(_event(r), _loads(r.payload)) for r in self.connection.execute(q)]

    def list_records(
        self,
        register_id: str,
        *,
        area: Any,
        filters: Mapping[str, str],
        words: Sequence[str],
        status: str | None,
        before: int | None,
        limit: int,
    ) -> tuple[list[Row], int]:
        """A keyset page, newest first (ids below `before`), and the count of matches (capped)."""
        r = t.records.c
        conditions: list[Any] = [r.register_id == register_id]
        clause = _area_clause(area)
        if clause is not None:
            conditions.append(clause)
        if status:
            conditions.append(r.status == status)
        for key in ("province_code", "commune_code"):
            if filters.get(key):
                conditions.append(getattr(r, key) == filters[key])
        for name, value in filters.items():
            if name in ("province_code", "commune_code") or not value:
                continue
            # EXISTS probes the facets' primary key (record, field, value) while the page walks the
            # (register, status, area, id) index newest first: a page stops after `limit` matches.
            f = t.record_facets.c
            conditions.append(
                select(f.record_id).where(f.record_id == r.id, f.field == name, f.value == value).exists()
            )
        for word in words:
            conditions.append(self._word_condition(register_id, word))
        where = and_(*conditions)
        page = select(t.records).where(where)
        if before is not None:
            page = page.where(r.id < before)
        rows = [dict(x) for x in self.connection.execute(page.order_by(r.id.desc()).limit(limit)).mappings()]
        counted = select(r.id).where(where).limit(COUNT_CAP + 1)
        total = self.connection.execute(select(func.count()).select_from(counted.subquery())).scalar_one()
        return rows, int(total)

    def _word_condition(self, register_id: str, word: str) -> Any:
        """Records with a search word starting with `word`: a rare word by its range in the facet index
        (the few ids), a common one probed on each row the page walks (it stops after a page)."""
        f = t.record_facets.c
        in_range = and_(f.field == TERMS, f.value >= word, f.value < word + "\U0010ffff")
        hits = select(f.record_id).where(f.register_id == register_id, in_range)
        found = self.connection.execute(select(func.count()).select_from(hits.limit(RARE + 1).subquery()))
        if found.scalar_one() <= RARE:
            return t.records.c.id.in_(hits)
        return select(f.record_id).where(f.record_id == t.records.c.id, in_range).exists()

    def register_counts(self) -> dict[str, int]:
        r = t.records.c
        q = select(r.register_id, func.count()).where(r.status == "active").group_by(r.register_id)
        return {reg: int(n) for reg, n in self.connection.execute(q)}

    def dossier_facts(self, dossier_id: int) -> Row | None:
        d = t.dossiers.c
        q = select(d.id, d.province_code, d.commune_code, d.producer_org, d.definition_hash).where(
            d.id == dossier_id
        )
        found = self.connection.execute(q).mappings().first()
        return dict(found) if found is not None else None

    def dossiers_with_links(self, province_code: str, before_id: int) -> list[Row]:
        """Dossiers of a province opened before `before_id` that name records, newest first (the
        links are JSON, read here rather than queried, so both databases answer alike)."""
        d = t.dossiers.c
        q = (
            select(d.id, d.links, d.filed_on, d.created_at)
            .where(d.province_code == province_code, d.id < before_id, d.links.is_not(None))
            .order_by(d.id.desc())
            .limit(5_000)
        )
        return [dict(x) for x in self.connection.execute(q).mappings()]

    def certificate_facts(self, number: str) -> Row | None:
        c, d = t.certificates.c, t.dossiers.c
        q = (
            select(c.number, d.id.label("dossier_id"), d.province_code, d.commune_code, d.producer_org)
            .join(t.dossiers, d.id == c.dossier_id)
            .where(c.number == number)
        )
        found = self.connection.execute(q).mappings().first()
        return dict(found) if found is not None else None


def _area_clause(area: Any) -> Any:
    if area is None or area.everything:
        return None
    r = t.records.c
    parts = []
    if area.provinces:
        parts.append(r.province_code.in_(sorted(area.provinces)))
    if area.communes:
        parts.append(r.commune_code.in_(sorted(area.communes)))
    if area.organisations:
        parts.append(r.organisation.in_(sorted(area.organisations)))
    return or_(*parts) if parts else r.id.is_(None)
