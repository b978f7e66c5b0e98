"""Records of registers: list, read, create, edit, archive and restore, each change audited.

A record is pinned to the register text it was created under (`definition_hash`, as a dossier
is to its workflow); its values are checked against that version, its permissions read the
register's `access` and the roles file's scopes (engine.record_access).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine import audit, expressions
from engine.definitions.model import Register, RegisterField, RoleSet, Text, UnitSet
from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied
from engine.expressions import Namespace
from engine.messages import say
from engine.permissions import Actor, DossierFacts, visible
from engine.record_access import RecordFacts, acting_roles, may_record
from engine.service.base import ServiceBase, as_dict
from engine.service.forms import _visible
from engine.service.record_values import RecordCheck, changed_fields, check_record
from engine.storage.records import COUNT_CAP, TERMS
from engine.storage.repository import AreaFilter, Repository, Row
from engine.storage.trace_store import IDENTITY_LOT, IDENTITY_PRODUCT, lot_key

PER_PAGE_MAX = 200
IMPORT_MAX = 10_000  # features of one GeoJSON import


@dataclass(frozen=True)
class RecordSnapshot:
    id: int
    register_id: str
    register_version: str
    definition_hash: str
    version: int
    code: str | None
    title: str
    province_code: str | None
    commune_code: str | None
    organisation: str | None
    status: str
    values: dict[str, Any]
    geometry: dict[str, Any] | None
    area_ha: float | None
    created_by: str
    created_at: dt.datetime
    updated_by: str
    updated_at: dt.datetime


@dataclass(frozen=True)
class RecordPage:
    items: tuple[RecordSnapshot, ...]
    total: int  # capped: above `cap` means "more than `cap`"
    next_before: int | None  # the keyset cursor of the next page (None: last page)
    per_page: int
    cap: int = COUNT_CAP


@dataclass(frozen=True)
class RegisterSummary:
    register: Register
    count: int
    may_create: bool
    cap: int = COUNT_CAP


def _snapshot(row: Row) -> RecordSnapshot:
    return RecordSnapshot(
        id=row["id"], register_id=row["register_id"], register_version=row["register_version"],
        definition_hash=row["definition_hash"], version=row["version"], code=row["code"], title=row["title"],
        province_code=row["province_code"], commune_code=row["commune_code"], organisation=row["organisation"],
        status=row["status"], values=dict(row["data"] or {}), geometry=row["geometry"], area_ha=row["area_ha"],
        created_by=row["created_by"], created_at=row["created_at"], updated_by=row["updated_by"],
        updated_at=row["updated_at"],
    )  # fmt: skip


def _facts(row: Mapping[str, Any]) -> RecordFacts:
    return RecordFacts(row["province_code"], row["commune_code"], row["organisation"])


def search_words(text: str) -> list[str]:
    """Lower-case words without diacritics ('Bánh tráng Đ' -> ['banh', 'trang', 'd']): what a search matches."""
    folded = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return [w[:100] for w in re.findall(r"[0-9a-z]+", plain)]


def _terms(title: str, code: str | None) -> list[str]:
    words = search_words(f"{title} {code or ''}")
    return [*words, *([code.lower()[:100]] if code else [])]


def values_digest(values: Mapping[str, Any]) -> str:
    """The SHA-256 of a record's values as its audit events carry it (the consistency check recomputes it)."""
    text = json.dumps(as_dict(values), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class RecordUseCases(ServiceBase):
    # --- definitions ------------------------------------------------------------------

    def register(self, register_id: str) -> Register:
        found = self.catalog.registers.get(register_id)
        if found is None:
            raise NotFound(say("register.not_found", register=register_id), register=register_id)
        return found

    def _register_version(self, repo: Repository, sha256: str) -> Register:
        found = self.registry.model(repo, "register", sha256)
        assert isinstance(found, Register)
        return found

    def _roleset(self, register: Register) -> RoleSet:
        roleset = self.catalog.roles.get(register.roles)
        if roleset is None:
            raise NotFound(say("definition.roles_not_loaded", roles=register.roles, workflow=register.id))
        return roleset

    def units_of(self, register: Register) -> UnitSet | None:
        if register.units:
            return self.catalog.units.get(register.units)
        return next(iter(self.catalog.units.values()), None)

    def registers(self, actor: Actor) -> list[RegisterSummary]:
        """The registers the actor may view, with their count of active records in the actor's area."""
        with self._tx(write=False) as repo:
            out = []
            for reg in self.catalog.registers.values():
                roleset = self.catalog.roles.get(reg.roles)
                if roleset is None or not may_record(actor, reg, roleset, "view", None):
                    continue
                _, count = repo.list_records(reg.id, area=self._area(actor, reg, roleset), filters={}, words=[],
                                             status="active", before=None, limit=0)  # fmt: skip
                out.append(RegisterSummary(reg, count, bool(may_record(actor, reg, roleset, "create", None))))
            return out

    def _area(self, actor: Actor, register: Register, roleset: RoleSet) -> AreaFilter:
        """Which records the actor may list: the dossiers' area rule, over the roles that may view them."""
        viewing = frozenset(r.id for r in acting_roles(actor, register, roleset, "view"))
        return self.area_filter(dataclasses.replace(actor, roles=viewing))

    # --- reading ----------------------------------------------------------------------

    def list_records(
        self,
        actor: Actor,
        register_id: str,
        *,
        filters: Mapping[str, str] | None = None,
        q: str | None = None,
        status: str | None = "active",
        before: int | None = None,
        per_page: int = 50,
    ) -> RecordPage:
        reg = self.register(register_id)
        roleset = self._roleset(reg)
        if not may_record(actor, reg, roleset, "view", None):
            raise NotFound(say("register.not_found", register=register_id), register=register_id)
        wanted = {f.id for f in reg.filters} | {"province_code", "commune_code"}
        clean = {k: str(v)[:200] for k, v in (filters or {}).items() if k in wanted and v not in (None, "")}
        per_page = max(1, min(per_page, PER_PAGE_MAX))
        with self._tx(write=False) as repo:
            rows, total = repo.list_records(reg.id, area=self._area(actor, reg, roleset), filters=clean,
                                            words=search_words((q or "")[:100])[:5], status=status, before=before,
                                            limit=per_page + 1)  # fmt: skip
        more = len(rows) > per_page
        rows = rows[:per_page]
        return RecordPage(tuple(map(_snapshot, rows)), total, rows[-1]["id"] if more else None, per_page)

    def _load_record(
        self, repo: Repository, actor: Actor, register_id: str, record_id: Any
    ) -> tuple[Row, Register]:
        reg = self.register(register_id)
        row = repo.record(int(record_id)) if str(record_id).isdigit() else None
        missing = NotFound(
            say("record.not_found", record_id=record_id, register=register_id), record_id=record_id
        )
        if row is None or row["register_id"] != reg.id:
            raise missing
        if not may_record(actor, reg, self._roleset(reg), "view", _facts(row)):
            raise missing
        return row, self._register_version(repo, row["definition_hash"])

    def get_record(self, actor: Actor, register_id: str, record_id: Any) -> tuple[RecordSnapshot, Register]:
        """The record and the register version it is pinned to; NotFound also outside the actor's area."""
        with self._tx(write=False) as repo:
            row, pinned = self._load_record(repo, actor, register_id, record_id)
            return _snapshot(row), pinned

    def may(self, actor: Actor, register_id: str, action: str, record: RecordSnapshot | None = None) -> bool:
        reg = self.register(register_id)
        facts = (
            RecordFacts(record.province_code, record.commune_code, record.organisation) if record else None
        )
        return bool(may_record(actor, reg, self._roleset(reg), action, facts))

    def ref_titles(
        self, actor: Actor, register: Register, records: Sequence[RecordSnapshot]
    ) -> dict[str, dict[int, str]]:
        """For each reference to another register on these records: id -> "title · code" of the
        records the actor may see (an id missing here is shown as a bare number)."""
        out: dict[str, dict[int, str]] = {}
        with self._tx(write=False) as repo:
            for f in register.fields:
                if f.ref is None or f.ref.kind != "register" or not f.ref.register:
                    continue
                ids = []
                for record in records:
                    value = record.values.get(f.id)
                    ids += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, int)]
                other = self.catalog.registers.get(f.ref.register)
                roleset = self.catalog.roles.get(other.roles) if other else None
                if not ids or other is None or roleset is None:
                    continue
                out[f.id] = {
                    r["id"]: r["title"] + (f" · {r['code']}" if r["code"] else "")
                    for r in repo.records_by_ids(other.id, ids)
                    if may_record(actor, other, roleset, "view", _facts(r))
                }
        return out

    def record_history(
        self, actor: Actor, register_id: str, record_id: Any
    ) -> list[tuple[audit.AuditEvent, Any]]:
        with self._tx(write=False) as repo:
            row, _ = self._load_record(repo, actor, register_id, record_id)
            return repo.record_history(row["id"])

    def iter_geojson(
        self, actor: Actor, register_id: str, *, status: str = "active"
    ) -> Iterator[dict[str, Any]]:
        """Every visible record with a shape, as GeoJSON Features (read in keyset pages of 1,000)."""
        before: int | None = None
        while True:
            page = self.list_records(actor, register_id, status=status, before=before, per_page=PER_PAGE_MAX)
            for r in page.items:
                if r.geometry is None:
                    continue
                props = {
                    "code": r.code,
                    "title": r.title,
                    "area_ha": r.area_ha,
                    "commune_code": r.commune_code,
                }
                yield {"type": "Feature", "id": r.id, "geometry": r.geometry, "properties": props}
            if page.next_before is None:
                return
            before = page.next_before

    def visible_fields(self, register: Register, values: Mapping[str, Any]) -> dict[str, bool]:
        """Which fields a form shows for these values (their `visible_when`)."""
        context = {"answers": Namespace(dict(values)), "dossier": Namespace({}), "today": self.now().date()}
        return {f.id: _visible(f, context) for f in register.fields}

    # --- writing ----------------------------------------------------------------------

    def create_record(
        self, actor: Actor, register_id: str, values: Mapping[str, Any], *, locale: str | None = None
    ) -> RecordSnapshot:
        """`locale`: the language numbers typed as text were written in (None: plain digits only)."""
        reg = self.register(register_id)
        roleset = self._roleset(reg)
        if not may_record(actor, reg, roleset, "create", None):
            raise PermissionDenied(say("record.not_allowed", action="create"), reason="role")
        with self._tx() as repo:
            row = self._create_record(repo, actor, reg, roleset, values, self.now(), locale)
        return _snapshot(row)

    def import_geojson(self, actor: Actor, register_id: str, collection: Any) -> list[RecordSnapshot]:
        """Create one record per Feature of a FeatureCollection (its properties are the values, its
        geometry the register's shape), all or nothing: a problem in any feature writes none, and
        its problems are named `features[n].field`."""
        reg = self.register(register_id)
        roleset = self._roleset(reg)
        if not may_record(actor, reg, roleset, "create", None):
            raise PermissionDenied(say("record.not_allowed", action="create"), reason="role")
        shape = reg.geometry_field
        features = collection.get("features") if isinstance(collection, Mapping) else None
        if shape is None or collection.get("type") != "FeatureCollection" or not isinstance(features, list):
            raise InvalidForm(say("record.invalid", count=1), {"features": say("geometry.type", allowed="FeatureCollection", type=str(collection.get("type") if isinstance(collection, Mapping) else type(collection).__name__))})  # fmt: skip
        if len(features) > IMPORT_MAX:
            raise InvalidForm(
                say("record.invalid", count=1), {"features": say("field.table_too_many", max=IMPORT_MAX)}
            )
        problems: dict[str, Any] = {}
        rows: list[Row] = []
        now = self.now()
        with self._tx() as repo:
            for n, feature in enumerate(features):
                props = feature.get("properties") if isinstance(feature, Mapping) else None
                values = {**(props if isinstance(props, Mapping) else {}), shape.id: feature.get("geometry")
                          if isinstance(feature, Mapping) else None}  # fmt: skip
                try:
                    rows.append(self._create_record(repo, actor, reg, roleset, values, now))
                except (InvalidForm, NotFound) as exc:
                    found = exc.problems if isinstance(exc, InvalidForm) else exc.details.get("problems", {})
                    problems.update({f"features[{n}].{k}": v for k, v in found.items()})
                except (PermissionDenied, Conflict) as exc:
                    problems[f"features[{n}]"] = exc.text
            if problems:
                raise InvalidForm(say("record.invalid", count=len(problems)), problems)
        return [_snapshot(r) for r in rows]

    def _create_record(self, repo: Repository, actor: Actor, reg: Register, roleset: RoleSet, values: Mapping[str, Any],
                now: dt.datetime, locale: str | None = None) -> Row:  # fmt: skip
        checked = self._checked(repo, actor, reg, values, locale)
        place = self._place(reg, checked.values)
        organisation = actor.organisation or None
        facts = RecordFacts(place[0], place[1], organisation)
        if not may_record(actor, reg, roleset, "create", facts):
            raise PermissionDenied(
                say("record.area_outside", area=place[1] or place[0] or "—"), reason="scope"
            )
        code = self._code(repo, reg, checked.values, place, now.date()) if reg.code else None
        sha = self.registry.hash_of(reg)
        row_values = self._columns(reg, checked, place, now, actor)
        try:
            record_id = repo.add_record(
                register_id=reg.id, register_version=reg.version, definition_hash=sha, code=code,
                organisation=organisation, status="active", created_by=actor.id, created_at=now, **row_values,
            )  # fmt: skip
        except Conflict as exc:
            raise Conflict(say("record.code_taken", value=code or ""), code=code) from exc
        repo.set_facets(reg.id, record_id, self._facets(reg, checked.values, row_values["title"], code))
        self._audit(repo, actor, reg, sha, record_id, "record.create", now, code,
                    sorted(checked.values), checked.values)  # fmt: skip
        row = repo.record(record_id)
        assert row is not None
        return row

    def update_record(
        self,
        actor: Actor,
        register_id: str,
        record_id: Any,
        values: Mapping[str, Any],
        *,
        expected_version: int | None = None,
        locale: str | None = None,
    ) -> RecordSnapshot:
        now = self.now()
        with self._tx() as repo:
            row, pinned = self._load_record(repo, actor, register_id, record_id)
            roleset = self._roleset(pinned)
            if not may_record(actor, pinned, roleset, "edit", _facts(row)):
                raise PermissionDenied(say("record.not_allowed", action="edit"), reason="role")
            self._check_record_version(row, expected_version)
            if row["status"] != "active":
                raise Conflict(say("record.archived", record_id=row["id"]), record_id=row["id"])
            fresh = self._edit_record(repo, actor, row, pinned, values, now, locale)
        return _snapshot(fresh)

    def _edit_record(self, repo: Repository, actor: Actor, row: Row, pinned: Register, values: Mapping[str, Any],
                     now: dt.datetime, locale: str | None = None) -> Row:  # fmt: skip
        """Save new values on an active record the actor may edit (checked, audited); its version moves."""
        roleset = self._roleset(pinned)
        checked = self._checked(repo, actor, pinned, values, locale)
        place = self._place(pinned, checked.values)
        if not may_record(
            actor, pinned, roleset, "edit", RecordFacts(place[0], place[1], row["organisation"])
        ):
            raise PermissionDenied(
                say("record.area_outside", area=place[1] or place[0] or "—"), reason="scope"
            )
        changed = changed_fields(row["data"] or {}, checked.values)
        if not repo.update_record(
            row["id"], row["version"], **self._columns(pinned, checked, place, now, actor)
        ):
            self._stale_record(repo, row, row["version"])
        title = str(checked.values.get(pinned.title_field) or "")[:300]
        repo.set_facets(pinned.id, row["id"], self._facets(pinned, checked.values, title, row["code"]))
        self._audit(repo, actor, pinned, row["definition_hash"], row["id"], "record.edit", now, row["code"],
                    changed, checked.values)  # fmt: skip
        fresh = repo.record(row["id"])
        assert fresh is not None
        return fresh

    def set_record_status(
        self,
        actor: Actor,
        register_id: str,
        record_id: Any,
        status: str,
        *,
        expected_version: int | None = None,
    ) -> RecordSnapshot:
        """Archive (status `archived`) or restore (`active`) a record; both need `archive`."""
        if status not in ("active", "archived"):
            raise ValueError(status)
        now = self.now()
        with self._tx() as repo:
            row, pinned = self._load_record(repo, actor, register_id, record_id)
            if not may_record(actor, pinned, self._roleset(pinned), "archive", _facts(row)):
                raise PermissionDenied(say("record.not_allowed", action="archive"), reason="role")
            self._check_record_version(row, expected_version)
            if row["status"] != status:
                if not repo.update_record(row["id"], row["version"], status=status, updated_by=actor.id,
                                          updated_at=now):  # fmt: skip
                    self._stale_record(repo, row, row["version"])
                action = "record.archive" if status == "archived" else "record.restore"
                self._audit(repo, actor, pinned, row["definition_hash"], row["id"], action, now, row["code"], [],
                            row["data"] or {})  # fmt: skip
            fresh = repo.record(row["id"])
        assert fresh is not None
        return _snapshot(fresh)

    # --- pieces -----------------------------------------------------------------------

    @staticmethod
    def _check_record_version(row: Row, expected: int | None) -> None:
        if expected is not None and int(expected) != row["version"]:
            raise Conflict(
                say("record.stale", record_id=row["id"], version=row["version"], expected=expected),
                record_id=row["id"], version=row["version"],
            )  # fmt: skip

    @staticmethod
    def _stale_record(repo: Repository, row: Row, expected: int) -> None:
        now_row = repo.record(row["id"])
        version = now_row["version"] if now_row else expected
        raise Conflict(say("record.stale", record_id=row["id"], version=version, expected=expected),
                       record_id=row["id"], version=version)  # fmt: skip

    def _checked(
        self,
        repo: Repository,
        actor: Actor,
        reg: Register,
        values: Mapping[str, Any],
        locale: str | None = None,
    ) -> RecordCheck:
        def resolve(f: RegisterField, value: Any) -> bool:
            return self._ref_visible(repo, actor, f, value)

        checked = check_record(
            reg, values, units=self.units_of(reg), today=self.now().date(), resolve=resolve, locale=locale
        )
        if checked.problems:
            raise InvalidForm(say("record.invalid", count=len(checked.problems)), checked.problems)
        if checked.missing_refs:
            first = next(iter(checked.missing_refs.values()))
            raise NotFound(first, problems=checked.missing_refs)
        return checked

    def _ref_visible(self, repo: Repository, actor: Actor, f: RegisterField, value: Any) -> bool:
        target = f.ref
        if target is None:
            return False
        if target.kind == "register" and target.register:
            other = self.catalog.registers.get(target.register)
            roleset = self.catalog.roles.get(other.roles) if other else None
            rows = repo.records_by_ids(target.register, [int(value)]) if other and roleset else []
            return bool(rows) and bool(may_record(actor, other, roleset, "view", _facts(rows[0])))  # type: ignore[arg-type]
        if target.kind == "dossier":
            row = repo.dossier_facts(int(value))
        else:
            row = repo.certificate_facts(str(value))
        if row is None:
            return False
        facts = DossierFacts("", "", row["province_code"], row["commune_code"], row["producer_org"])
        return any(visible(actor, rs, facts) for rs in self.catalog.roles.values())

    def _place(self, reg: Register, values: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(province code, commune code) of a record, from its `area` field."""
        code = values.get(reg.area)
        units = self.units_of(reg)
        unit = units.units.get(str(code)) if units and code else None
        if units is None or unit is None:
            return None, None
        # The storage columns hold the first-level unit and the last-level one (docs/definitions.md).
        first = units.areas_of(unit.code).get(units.levels[0]) if units.levels else None
        return first, unit.code if unit.level == units.last_level() and unit.parent else None

    def _code(self, repo: Repository, reg: Register, values: Mapping[str, Any], place: tuple[str | None, str | None],
              day: dt.date) -> str:  # fmt: skip
        assert reg.code is not None
        record = Namespace({**values, "province_code": place[0], "commune_code": place[1]})
        context: dict[str, Any] = {"record": record, "year": day.year, "province_code": place[0] or "",
                                   "commune_code": place[1] or ""}  # fmt: skip
        counter = expressions.render(reg.code.sequence, context) if reg.code.sequence else ""
        context["sequence"] = repo.next_sequence(f"record:{reg.id}:{counter}")
        return expressions.render(reg.code.template, context)[:100]

    @staticmethod
    def _columns(reg: Register, checked: RecordCheck, place: tuple[str | None, str | None], now: dt.datetime,
                 actor: Actor) -> dict[str, Any]:  # fmt: skip
        shape = checked.shape
        title = checked.values.get(reg.title_field)
        return {
            "title": str(title if title is not None else "")[:300],
            "province_code": place[0], "commune_code": place[1], "data": as_dict(checked.values),
            "geometry": shape.geometry if shape else None, "area_ha": shape.area_ha if shape else None,
            "west": shape.bbox[0] if shape else None, "south": shape.bbox[1] if shape else None,
            "east": shape.bbox[2] if shape else None, "north": shape.bbox[3] if shape else None,
            "updated_at": now, "updated_by": actor.id,
        }  # fmt: skip

    @staticmethod
    def _facets(
        reg: Register, values: Mapping[str, Any], title: str, code: str | None
    ) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {TERMS: _terms(title, code)}
        for f in reg.filters:
            value = values.get(f.id)
            if value is None:
                continue
            items = value if isinstance(value, list) else [value]
            out[f.id] = ["yes" if v is True else "no" if v is False else str(v) for v in items]
        identity = reg.trace_identity
        if identity is not None:  # the public trace page finds a batch by product and lot
            lot, product = values.get(identity.lot), values.get(identity.product)
            if lot not in (None, "") and product not in (None, ""):
                out[IDENTITY_LOT], out[IDENTITY_PRODUCT] = [lot_key(str(lot))], [str(product)]
        return out

    @staticmethod
    def _audit(repo: Repository, actor: Actor, reg: Register, sha: str, record_id: int, action: str,
               now: dt.datetime, code: str | None, fields: list[str], values: Mapping[str, Any]) -> None:  # fmt: skip
        event = repo.append_event(
            at=now, actor=actor.id, action=action, definition_hash=sha,
            payload={"register": reg.id, "record": record_id, "code": code, "fields": fields,
                     "values_digest": values_digest(values)},
        )  # fmt: skip
        repo.link_event(event.seq, record_id)


def field_label(reg: Register, field_id: str) -> Text:
    f = reg.field(field_id)
    return f.label if f else Text(field_id)
