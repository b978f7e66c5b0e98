"""Onboarding import: a province's existing spreadsheet of records, previewed, then written whole.

`RecordImportUseCases(service)` is attached to `Service` as `service.imports`:
- `template(register_id, lang) -> bytes` — an .xlsx with one column per importable field, headed
  by its label (the columns are the register's fields: nothing here names one);
- `preview(actor, register_id, filename, data, *, locale) -> ImportPlan` — every row with what it
  will do (create, update, unchanged) and every problem by row and column; writes nothing;
- `confirm(...)` — the same plan decided again inside one transaction, then every row written
  (each record audited as any create or edit, and one `record.import` event for the file), or
  nothing at all when any problem remains.
A row names its record by the register's `import.key`: a second import of the same file finds
every record and changes none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from engine.definitions.model import Register, RegisterField, Text
from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.messages import Message, say
from engine.permissions import Actor
from engine.record_access import RecordFacts, may_record
from engine.service.import_files import Cell, Table, TableProblem, read_table
from engine.service.record_values import changed_fields, check_record
from engine.storage.repository import Repository, Row

if TYPE_CHECKING:
    from engine.service.records import RecordUseCases

SKIPPED_TYPES = ("geometry", "table")  # shapes come by GeoJSON, tables have no one cell
ALL_RECORDS = 1_000_000  # the register's records the importer compares rows with (bounded by the DB)
_YES = frozenset({"có", "co", "x", "yes", "y", "true", "1", "đúng"})
_NO = frozenset({"không", "khong", "no", "n", "false", "0", "sai"})


@dataclass(frozen=True)
class CellProblem:
    column: str  # the column's header as the file has it (a missing column: the field's label)
    message: Message


@dataclass(frozen=True)
class RowPlan:
    line: int  # the row number the person sees in their spreadsheet
    action: str  # create, update, unchanged or refused
    title: str
    values: dict[str, Any]  # what the record will hold
    changed: tuple[str, ...] = ()  # the fields an update changes
    record_id: int | None = None
    code: str | None = None
    problems: tuple[CellProblem, ...] = ()


@dataclass(frozen=True)
class ImportPlan:
    register: Register
    filename: str
    digest: str  # SHA-256 of the file: the confirmation names the file it previewed
    columns: tuple[tuple[str, str | None], ...]  # (header, field id or None)
    problems: tuple[CellProblem, ...]  # of the file as a whole (its columns)
    rows: tuple[RowPlan, ...]
    written: bool = False

    @property
    def problem_count(self) -> int:
        return len(self.problems) + sum(len(r.problems) for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "unchanged": 0, "refused": 0}
        for r in self.rows:
            out[r.action] += 1
        return out


def normalise(text: str) -> str:
    """A header or an option as people type it: case, accents' composition, spaces and a trailing
    '*' (a required mark) do not matter."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().rstrip("*").strip().casefold()


# A cell that clears its field on update (a blank cell keeps the stored value); both spellings of
# the Vietnamese word, and the English one, read as headers and options are.
CLEAR_WORDS = frozenset(normalise(w) for w in ("[xoá]", "[xóa]", "[clear]"))
CLEAR = object()  # what `_cell` reads from such a cell


def importable(reg: Register) -> list[RegisterField]:
    return [f for f in reg.fields if f.type not in SKIPPED_TYPES]


def _names(f: RegisterField) -> set[str]:
    return {normalise(n) for n in (f.id, f.label.vi, f.label.en or "") if n}


def _label(text: Text, lang: str) -> str:
    return text.get(lang)


class RecordImportUseCases:
    def __init__(self, service: RecordUseCases) -> None:
        self.service = service

    # --- the template -------------------------------------------------------------------

    def template(self, register_id: str, lang: str = "vi") -> bytes:
        """An empty workbook whose header row is the importable fields' labels (required ones marked *)."""
        import openpyxl

        reg = self._importable(register_id)
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = reg.id[:31]
        sheet.append([_label(f.label, lang) + (" *" if f.required else "") for f in importable(reg)])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    # --- preview and confirm ------------------------------------------------------------

    def preview(
        self, actor: Actor, register_id: str, filename: str, data: bytes, *, locale: str | None = "vi"
    ) -> ImportPlan:
        reg = self._allowed(actor, register_id)
        table = self._table(filename, data)
        with self.service._tx(write=False) as repo:
            return self._plan(repo, actor, reg, filename, data, table, locale)

    def confirm(
        self, actor: Actor, register_id: str, filename: str, data: bytes, *, locale: str | None = "vi"
    ) -> ImportPlan:
        reg = self._allowed(actor, register_id)
        table = self._table(filename, data)
        svc = self.service
        now = svc.now()
        with svc._tx() as repo:
            plan = self._plan(repo, actor, reg, filename, data, table, locale)
            if plan.problem_count:
                raise InvalidForm(say("import.has_problems", count=plan.problem_count), _flat(plan))
            roleset = svc._roleset(reg)
            done: list[RowPlan] = []
            for r in plan.rows:
                if r.action == "create":
                    row = svc._create_record(repo, actor, reg, roleset, r.values, now, locale=None)
                    r = replace(r, record_id=row["id"], code=row["code"])
                elif r.action == "update" and r.record_id is not None:
                    current, pinned = svc._load_record(repo, actor, reg.id, r.record_id)
                    svc._edit_record(repo, actor, current, pinned, r.values, now, locale=None)
                done.append(r)
            counts = plan.counts
            repo.append_event(
                at=now, actor=actor.id, action="record.import", definition_hash=svc.registry.hash_of(reg),
                payload={"register": reg.id, "file": filename[:300], "sha256": plan.digest,
                         "created": counts["create"], "updated": counts["update"],
                         "unchanged": counts["unchanged"]},
            )  # fmt: skip
        return replace(plan, rows=tuple(done), written=True)

    # --- pieces -------------------------------------------------------------------------

    def _importable(self, register_id: str) -> Register:
        reg = self.service.register(register_id)
        if not reg.import_key:
            raise NotFound(say("import.not_importable", register=register_id), register=register_id)
        return reg

    def _allowed(self, actor: Actor, register_id: str) -> Register:
        reg = self._importable(register_id)
        if not may_record(actor, reg, self.service._roleset(reg), "create", None):
            raise PermissionDenied(say("record.not_allowed", action="create"), reason="role")
        return reg

    @staticmethod
    def _table(filename: str, data: bytes) -> Table:
        try:
            return read_table(filename, data)
        except TableProblem as exc:
            raise InvalidForm(exc.message, {"file": exc.message}) from exc

    def _plan(self, repo: Repository, actor: Actor, reg: Register, filename: str, data: bytes, table: Table,
              locale: str | None) -> ImportPlan:  # fmt: skip
        fields = importable(reg)
        by_name = {name: f for f in fields for name in _names(f)}
        columns: list[tuple[str, str | None]] = []
        problems: list[CellProblem] = []
        seen: set[str] = set()
        for header in table.header:
            f = by_name.get(normalise(header)) if header else None
            if header and f is None:
                known = [_label(x.label, locale or "vi") for x in fields]
                problems.append(CellProblem(header, say("import.unknown_column", column=header, known=known)))
            elif f is not None and f.id in seen:
                problems.append(CellProblem(header, say("import.duplicate_column", column=header)))
                f = None
            if f is not None:
                seen.add(f.id)
            columns.append((header, f.id if f else None))
        for f in fields:
            if f.id not in seen and (f.required or f.id in reg.import_key):
                label = _label(f.label, locale or "vi")
                problems.append(CellProblem(label, say("import.missing_column", column=label)))
        existing = self._existing(repo, actor, reg)
        lookups = _Lookups(self.service, repo, actor)
        rows: list[RowPlan] = []
        first_line: dict[tuple[str, ...], int] = {}
        header_of = {fid: h for h, fid in columns if fid}
        for line, cells in table.rows:
            rows.append(self._row(repo, actor, reg, line, cells, columns, header_of, existing, first_line,
                                  lookups, locale))  # fmt: skip
        digest = hashlib.sha256(data).hexdigest()
        return ImportPlan(reg, filename, digest, tuple(columns), tuple(problems), tuple(rows))

    def _existing(self, repo: Repository, actor: Actor, reg: Register) -> dict[tuple[str, ...], Row]:
        """The register's active records the actor may see, by their import key."""
        roleset = self.service._roleset(reg)
        rows, _ = repo.list_records(reg.id, area=self.service._area(actor, reg, roleset), filters={}, words=[],
                                    status="active", before=None, limit=ALL_RECORDS)  # fmt: skip
        return {_key(reg, r["data"] or {}): r for r in rows}

    def _row(self, repo: Repository, actor: Actor, reg: Register, line: int, cells: tuple[Cell, ...],
             columns: list[tuple[str, str | None]], header_of: dict[str, str],
             existing: dict[tuple[str, ...], Row], first_line: dict[tuple[str, ...], int], lookups: _Lookups,
             locale: str | None) -> RowPlan:  # fmt: skip
        svc = self.service
        problems: list[CellProblem] = []
        read: dict[str, Any] = {}
        cleared: set[str] = set()
        typed: dict[str, str] = {}  # what each cell showed, for the problems the checks find
        for (header, fid), cell in zip(columns, cells, strict=False):
            f = reg.field(fid) if fid else None
            if f is None:
                continue
            value, problem = _cell(f, cell, lookups, locale)
            if cell is not None:
                typed[f.id] = _plain(cell)[:80]
            if value is CLEAR and f.id in reg.import_key:
                problem = say("import.clear_key")
            if problem is not None:
                problems.append(CellProblem(header, problem))
            elif value is CLEAR:
                cleared.add(f.id)
            elif value is not None:
                read[f.id] = value
        key = _key(reg, read)
        found = existing.get(key) if all(key) else None
        kept = {k: v for k, v in (found["data"] or {}).items() if k not in cleared} if found else {}
        values = {**kept, **read}
        title = str(values.get(reg.title_field) or "")
        if key in first_line and all(key):
            names = ", ".join(header_of.get(k, k) for k in reg.import_key)
            message = say("import.duplicate_row", line=first_line[key], key=names)
            problems.append(CellProblem(header_of.get(reg.import_key[0], reg.import_key[0]), message))
        elif all(key):
            first_line[key] = line
        if problems:
            return RowPlan(line, "refused", title, values, problems=tuple(problems))
        checked = check_record(
            reg, values, units=svc.units_of(reg), today=svc.now().date(),
            resolve=lambda f, v: svc._ref_visible(repo, actor, f, v), locale=None,
        )  # fmt: skip
        for fid, message in {**checked.problems, **checked.missing_refs}.items():
            if fid in typed and fid in read:
                message = say("import.cell", value=typed[fid], problem=message)
            problems.append(CellProblem(header_of.get(fid, fid), message))
        place = svc._place(reg, checked.values)
        facts = RecordFacts(
            place[0], place[1], found["organisation"] if found else actor.organisation or None
        )
        if not problems and not may_record(
            actor, reg, svc._roleset(reg), "edit" if found else "create", facts
        ):
            area = place[1] or place[0] or "—"
            problems.append(
                CellProblem(header_of.get(reg.area, reg.area), say("record.area_outside", area=area))
            )
        if problems:
            return RowPlan(line, "refused", title, values, problems=tuple(problems))
        if found is None:
            return RowPlan(line, "create", title, checked.values)
        changed = tuple(changed_fields(found["data"] or {}, checked.values))
        return RowPlan(line, "update" if changed else "unchanged", title, checked.values, changed,
                       found["id"], found["code"])  # fmt: skip


def _key(reg: Register, values: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple("" if values.get(k) in (None, "") else normalise(str(values[k])) for k in reg.import_key)


def _flat(plan: ImportPlan) -> dict[str, Message]:
    out = {f"file.{p.column}": p.message for p in plan.problems}
    for r in plan.rows:
        for p in r.problems:
            out[f"row {r.line}.{p.column}"] = p.message
    return out


class _Lookups:
    """The records a `ref` cell may name in another register: by code, by its import key, or by
    its title when only one record has it (the ones the importer may see)."""

    def __init__(self, service: RecordUseCases, repo: Repository, actor: Actor) -> None:
        self.service, self.repo, self.actor = service, repo, actor
        self.cache: dict[str, dict[str, int | None]] = {}

    def find(self, register_id: str, text: str) -> int | None:
        if register_id not in self.cache:
            self.cache[register_id] = self._index(register_id)
        return self.cache[register_id].get(normalise(text))

    def _index(self, register_id: str) -> dict[str, int | None]:
        other = self.service.catalog.registers.get(register_id)
        roleset = self.service.catalog.roles.get(other.roles) if other else None
        if other is None or roleset is None:
            return {}
        area = self.service._area(self.actor, other, roleset)
        rows, _ = self.repo.list_records(other.id, area=area, filters={}, words=[], status="active", before=None,
                                         limit=ALL_RECORDS)  # fmt: skip
        out: dict[str, int | None] = {}
        for r in rows:
            names = [r["title"]]
            if len(other.import_key) == 1:
                names.append(str((r["data"] or {}).get(other.import_key[0]) or ""))
            for name in names:
                if name:
                    n = normalise(name)
                    out[n] = r["id"] if n not in out else None  # two records of one title name neither
        for r in rows:
            if r["code"]:
                out[normalise(r["code"])] = r["id"]
        return out


def _plain(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).strip()


def _cell(f: RegisterField, cell: Cell, lookups: _Lookups, locale: str | None) -> tuple[Any, Message | None]:
    """One cell read for its field: (value to check, or a problem naming what was typed)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None, None
    text = _plain(cell)
    if normalise(text) in CLEAR_WORDS:
        return CLEAR, None
    if f.type == "number":
        if isinstance(cell, bool) or not isinstance(cell, int | float):
            from engine import numbers

            try:
                return numbers.parse_number(text, locale, integer=f.integer), None
            except numbers.NumberProblem as problem:
                return None, say("import.cell", value=text, problem=problem.message)
        return cell, None
    if f.type == "date":
        day = _date(cell)
        return (day, None) if day else (None, say("import.cell", value=text, problem=say("import.date")))
    if f.type in ("choice", "multi_choice"):
        items = [text] if f.type == "choice" else [t for t in re.split(r"[;,\n]", text) if t.strip()]
        by_name = {
            normalise(n): o.value for o in f.options for n in (o.value, o.label.vi, o.label.en or "") if n
        }
        picked = [by_name.get(normalise(t), t.strip()) for t in items]
        return (picked[0] if f.type == "choice" else picked), None
    if f.type == "yes_no":
        word = normalise(text)
        if isinstance(cell, bool):
            return cell, None
        return (True, None) if word in _YES else (False, None) if word in _NO else (text, None)
    if f.type == "ref" and f.ref is not None:
        items = [t.strip() for t in re.split(r"[;,\n]", text)] if f.many else [text]
        if f.ref.kind != "register" or not f.ref.register:
            return (items if f.many else items[0]), None
        ids = []
        for item in items:
            found = lookups.find(f.ref.register, item)
            if found is None:
                return None, say("import.cell", value=item,
                                 problem=say("field.ref_unknown", target=f.ref.register, value=item))  # fmt: skip
            ids.append(found)
        return (ids if f.many else ids[0]), None
    return text, None


def _date(cell: Cell) -> str | None:
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    text = str(cell).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return None
