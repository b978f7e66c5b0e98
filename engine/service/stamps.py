"""QR stamp sheets of batches and the count of their public page's scans (`service.stamps`).

A register's `stamps:` block (docs/definitions.md) lays out the sheet: the service decides who may
print, how many labels, and what each label says (the lines, resolved from the batch's values), and
audits each print; the web draws the PDF. Every code on a sheet is the batch's public address
(`trace.identity`: the product's code and the lot), the page whose visits are counted here, per
batch and day, with nothing about the visitor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.definitions.model import Register, RegisterField, StampSheet, Text
from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied
from engine.messages import say
from engine.numbers import NumberProblem, parse_number
from engine.permissions import Actor, in_scope, roles_of
from engine.service.records import _facts
from engine.storage.repository import Repository, Row
from engine.storage.trace_store import lot_key

if TYPE_CHECKING:
    from engine.service import Service

SCAN_DAYS_SHOWN = 30  # the days of counts the batch page shows


@dataclass(frozen=True)
class StampLineValue:
    """One line under the code: `label` then the field's value (a ref: its record's title), or `text`."""

    label: Text | None
    text: Text | None
    field: RegisterField | None
    value: Any
    ref_title: str | None
    bold: bool


@dataclass(frozen=True)
class PrintedSheet:
    layout: StampSheet
    record_id: int
    product_code: str
    lot: str
    quantity: int
    lines: tuple[StampLineValue, ...]

    @property
    def pages(self) -> int:
        return -(-self.quantity // self.layout.per_page)


@dataclass(frozen=True)
class ScanReport:
    record_id: int
    days: tuple[tuple[dt.date, int], ...]  # the last SCAN_DAYS_SHOWN days with a scan, oldest first
    total: int  # over those days


class StampUseCases:
    def __init__(self, base: Service) -> None:
        self.base = base

    # --- printing -----------------------------------------------------------------------

    def layout(self, register_id: str) -> StampSheet:
        sheet = self.base.register(register_id).stamps
        if sheet is None:
            raise NotFound(say("stamps.none", register=register_id), register=register_id)
        return sheet

    def may_print(self, actor: Actor, register_id: str, record_id: Any) -> bool:
        with self.base._tx(write=False) as repo:
            row, reg = self.base._load_record(repo, actor, register_id, record_id)
            reg = dataclasses.replace(reg, stamps=self.base.register(register_id).stamps)
            return reg.stamps is not None and self._allowed(actor, reg, row)

    def address(self, actor: Actor, register_id: str, record_id: Any) -> tuple[str, str]:
        """The product code and lot of the batch's public address, nothing printed (Conflict without one)."""
        with self.base._tx(write=False) as repo:
            row, reg = self.base._load_record(repo, actor, register_id, record_id)
            return self._address(repo, reg, row)

    def print_sheet(
        self, actor: Actor, register_id: str, record_id: Any, quantity: Any, *, locale: str | None = None
    ) -> PrintedSheet:
        """Check and audit one print of `quantity` labels (a typed number, read in `locale`); what to draw.

        NotFound outside the actor's scope (as for the record); PermissionDenied without a role of
        `stamps.roles` in scope; InvalidForm for a quantity outside 1..max_labels; Conflict for an
        archived batch or one without a public address."""
        base = self.base
        with base._tx() as repo:
            row, reg = base._load_record(repo, actor, register_id, record_id)
            # the sheet in force now (a batch pinned to an older register text prints as the others do)
            sheet = base.register(register_id).stamps
            reg = dataclasses.replace(reg, stamps=sheet)
            if sheet is None:
                raise NotFound(say("stamps.none", register=reg.id), register=reg.id)
            if not self._allowed(actor, reg, row):
                raise PermissionDenied(say("stamps.not_allowed"), reason="role")
            count = _quantity(quantity, sheet.max_labels, locale)
            if row["status"] != "active":
                raise Conflict(say("record.archived", record_id=row["id"]), record_id=row["id"])
            product_code, lot = self._address(repo, reg, row)
            lines = tuple(self._line(repo, reg, row, line) for line in sheet.lines)
            printed = PrintedSheet(sheet, row["id"], product_code, lot, count, lines)
            event = repo.append_event(
                at=base.now(), actor=actor.id, action="stamps.print", definition_hash=row["definition_hash"],
                payload={"register": reg.id, "record": row["id"], "code": row["code"], "product_code": product_code,
                         "lot": lot, "quantity": count, "pages": printed.pages},
            )  # fmt: skip
            repo.link_event(event.seq, row["id"])
        return printed

    def _allowed(self, actor: Actor, reg: Register, row: Row) -> bool:
        assert reg.stamps is not None
        roles = [r for r in roles_of(actor, self.base._roleset(reg)) if r.id in reg.stamps.roles]
        return any(in_scope(actor, role, _facts(row).as_dossier()) for role in roles)

    def _address(self, repo: Repository, reg: Register, row: Row) -> tuple[str, str]:
        """The product code and lot of the batch's public address (`trace.identity`)."""
        identity = reg.trace_identity
        data = row["data"] or {}
        ref = reg.field(identity.product) if identity else None
        product_id = str(data.get(identity.product, "")) if identity else ""
        lot = str(data.get(identity.lot) or "").strip() if identity else ""
        found = (
            repo.records_by_ids(ref.ref.register, [int(product_id)])
            if ref is not None and ref.ref is not None and ref.ref.register and product_id.isdigit()
            else []
        )
        if not lot or not found or not found[0]["code"]:
            raise Conflict(say("stamps.no_address"), record_id=row["id"])
        return str(found[0]["code"]), lot

    def _line(self, repo: Repository, reg: Register, row: Row, line: Any) -> StampLineValue:
        f = reg.field(line.field) if line.field else None
        value = (row["data"] or {}).get(f.id) if f is not None else None
        title = None
        if f is not None and f.ref is not None and f.ref.register and not f.many and str(value).isdigit():
            found = repo.records_by_ids(f.ref.register, [int(str(value))])
            title = found[0]["title"] if found else None
        return StampLineValue(line.label, line.text, f, value, title, line.bold)

    # --- scans --------------------------------------------------------------------------

    def count_scan(self, product_code: str, lot: str) -> bool:
        """One visit of /t/{product code}/10/{lot}: the batch's count of today goes up by one.
        False (nothing counted) when no active batch has that address."""
        base = self.base
        code, key = " ".join(product_code.split())[:100], lot_key(lot)
        if not key:
            return False
        with base._tx() as repo:
            record_id = self._batch_id(repo, code, key)
            if record_id is None:
                return False
            repo.scan_add(record_id, base.now().date())
        return True

    def _batch_id(self, repo: Repository, code: str, key: str) -> int | None:
        """The batch of the address, found as the public trace page finds it (the newest active one)."""
        for reg in self.base.catalog.registers.values():
            identity = reg.trace_identity
            ref = reg.field(identity.product) if identity else None
            if ref is None or ref.ref is None or not ref.ref.register:
                continue
            product = repo.record_by_code(ref.ref.register, code) or repo.record_by_code(
                ref.ref.register, code.upper()
            )
            if product is None or product["status"] != "active":
                continue
            found = repo.batches_by_identity(reg.id, product["id"], key, limit=1)
            if found:
                return int(found[0]["id"])
        return None

    def scans(self, actor: Actor, register_id: str, record_id: Any) -> ScanReport:
        """The batch's scans a day over the last SCAN_DAYS_SHOWN days (NotFound outside the scope)."""
        base = self.base
        since = base.now().date() - dt.timedelta(days=SCAN_DAYS_SHOWN - 1)
        with base._tx(write=False) as repo:
            row, _ = base._load_record(repo, actor, register_id, record_id)
            days = tuple(repo.scan_days(row["id"], since))
        return ScanReport(row["id"], days, sum(n for _, n in days))

    def scan_totals(self, actor: Actor, register_id: str, record_ids: list[int]) -> dict[int, int]:
        """Scans over the last SCAN_DAYS_SHOWN days of the batches the actor may see among `record_ids`."""
        base = self.base
        since = base.now().date() - dt.timedelta(days=SCAN_DAYS_SHOWN - 1)
        visible = []
        with base._tx(write=False) as repo:
            for rid in record_ids[:200]:
                try:
                    row, _ = base._load_record(repo, actor, register_id, rid)
                except NotFound:
                    continue
                visible.append(row["id"])
            return repo.scan_totals(visible, since)


def _quantity(value: Any, most: int, locale: str | None) -> int:
    problem = InvalidForm(say("record.invalid", count=1), {"quantity": say("stamps.quantity", max=most)})
    if isinstance(value, bool):
        raise problem
    if isinstance(value, int):
        number = value
    else:
        try:
            number = int(parse_number(str(value).strip()[:20], locale, integer=True))
        except NumberProblem:
            raise problem from None
    if not 1 <= number <= most:
        raise problem
    return number
