"""A plan's budget (issue 13): planned against spent per line and per source, and spending
recorded against a line by an officer whose role holds `record_spending` (roles file) in a scope
that sees the plan's own area. An entry that would take a line above its planned amount is refused,
saying by how much, unless the plan's YAML allows the line's overrun (`allow_overrun`).

The check and the entry are one transaction with the line's row locked (engine/storage/budget_store.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.definitions.model import BudgetLine, BudgetSource, Plan, Text
from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.limits import MAX_LENGTH, text_problem
from engine.messages import Message, say
from engine.numbers import NumberProblem, format_number, read_decimal
from engine.permissions import Actor, granted
from engine.storage import budget_store

if TYPE_CHECKING:
    from engine.service.base import ServiceBase
    from engine.service.plans import PlansUseCases

PERMISSION = "record_spending"
MAX_AMOUNT = Decimal(10) ** 12  # đồng; a line's planned amount is bounded alike (plan.json)
MAX_ENTRIES_SHOWN = 200

Money = int | float


@dataclass(frozen=True)
class LineBudget:
    line: BudgetLine
    source: BudgetSource | None
    planned: Money
    spent: Money

    @property
    def remaining(self) -> Money:
        return _money(_hundredths(self.planned) - _hundredths(self.spent))

    @property
    def over(self) -> bool:
        return self.spent > self.planned


@dataclass(frozen=True)
class SourceBudget:
    source: BudgetSource
    planned: Money
    spent: Money


@dataclass(frozen=True)
class Entry:
    id: int
    line_id: str
    amount: Money
    spent_on: dt.date
    note: str
    reference: str | None
    actor: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class Budget:
    plan: Plan
    lines: tuple[LineBudget, ...]
    sources: tuple[SourceBudget, ...]
    entries: tuple[Entry, ...]  # newest first, at most MAX_ENTRIES_SHOWN
    may_record: bool
    planned: Money
    spent: Money


def _money(hundredths: int) -> Money:
    return hundredths // 100 if hundredths % 100 == 0 else hundredths / 100


def _hundredths(value: Money | Decimal) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


def dong(hundredths: int) -> Text:
    """An amount in đồng as each language writes it: Text("1.200.000,5", "1,200,000.5")."""
    value = _money(hundredths)
    return Text(format_number(value, "vi"), format_number(value, "en"))


class BudgetUseCases:
    """A plan's budget and its spending; reached as `service.budget`."""

    def __init__(self, base: ServiceBase, plans: PlansUseCases) -> None:
        self._base = base
        self._plans = plans

    def budget(self, actor: Actor, plan_id: str) -> Budget:
        plan = self._visible_plan(actor, plan_id)
        with self._base._tx(write=False) as repo:
            spent = budget_store.spent(repo.connection, plan.id)
            rows = budget_store.entries(repo.connection, plan.id, MAX_ENTRIES_SHOWN)
        lines = tuple(
            LineBudget(line, plan.budget_source(line.source), _money(_hundredths(line.planned)),
                       _money(spent.get(line.id, 0)))
            for line in plan.budget
        )  # fmt: skip
        sources = tuple(
            SourceBudget(
                source,
                _money(sum(_hundredths(b.planned) for b in lines if b.line.source == source.id)),
                _money(sum(_hundredths(b.spent) for b in lines if b.line.source == source.id)),
            )
            for source in plan.budget_sources
        )
        entries = tuple(
            Entry(r.id, r.line_id, _money(r.amount_hundredths), r.spent_on, r.note, r.reference, r.actor,
                  r.recorded_at)
            for r in rows
        )  # fmt: skip
        return Budget(plan, lines, sources, entries, self.may_record(actor, plan.id),
                      _money(sum(_hundredths(b.planned) for b in lines)),
                      _money(sum(spent.get(b.id, 0) for b in plan.budget)))  # fmt: skip

    def may_record(self, actor: Actor, plan_id: str) -> bool:
        plan = self._visible_plan(actor, plan_id)
        return self._recording_roles(actor, plan) == "ok"

    def record(
        self,
        actor: Actor,
        plan_id: str,
        line_id: str,
        *,
        amount: str | int | float,
        spent_on: str | dt.date,
        note: str,
        reference: str | None = None,
        locale: str | None = None,
    ) -> Entry:
        """Store one spending entry against a line, audited; InvalidForm (by field) when it cannot be."""
        plan = self._visible_plan(actor, plan_id)
        allowed = self._recording_roles(actor, plan)
        if allowed != "ok":
            raise PermissionDenied(say("budget.no_permission", permission=PERMISSION), reason=allowed)
        line = plan.budget_line(line_id)
        if line is None:
            raise NotFound(say("budget.line_not_found", plan=plan.id, line=line_id[:100]))
        hundredths, day, problems = self._read(amount, spent_on, note, reference, locale)
        if problems:
            raise InvalidForm(next(iter(problems.values())), problems)
        now = self._base.now()
        reference = (reference or "").strip() or None
        with self._base._tx() as repo:
            conn = repo.connection
            budget_store.lock_line(conn, plan.id, line.id, now)
            before = budget_store.spent(conn, plan.id).get(line.id, 0)
            planned = _hundredths(line.planned)
            if before + hundredths > planned and not line.allow_overrun:
                over = before + hundredths - planned
                message = say("budget.overrun", line=line.label or Text(line.id), over=dong(over),
                              spent=dong(before), planned=dong(planned))  # fmt: skip
                raise InvalidForm(message, {"amount": message})
            entry_id = budget_store.add_entry(
                conn, plan_id=plan.id, line_id=line.id, amount_hundredths=hundredths, spent_on=day,
                note=note.strip(), reference=reference, actor=actor.id, at=now,
                definition_hash=plan.source.sha256 if plan.source else None,
            )  # fmt: skip
            repo.append_event(
                at=now, actor=actor.id, action="record_spending",
                definition_hash=plan.source.sha256 if plan.source else None,
                payload={"plan": plan.id, "plan_version": plan.version, "line": line.id, "entry": entry_id,
                         "amount": str(Decimal(hundredths) / 100), "spent_on": day.isoformat(),
                         "note": note.strip(), "reference": reference,
                         "over_planned": before + hundredths > planned},
            )  # fmt: skip
        return Entry(entry_id, line.id, _money(hundredths), day, note.strip(), reference, actor.id, now)

    # --- reading what was typed --------------------------------------------------------

    def _read(
        self, amount: str | int | float, spent_on: str | dt.date, note: str, reference: str | None,
        locale: str | None,
    ) -> tuple[int, dt.date, dict[str, Message]]:  # fmt: skip
        problems: dict[str, Message] = {}
        hundredths = 0
        try:
            hundredths = _amount(amount, locale)
        except NumberProblem as exc:
            problems["amount"] = exc.message
        day = self._base.now().date()
        try:
            day = _day(spent_on, day)
        except ValueError as exc:
            problems["spent_on"] = exc.args[0]
        if not note.strip():
            problems["note"] = say("budget.note_required")
        for name, value, limit in (("note", note, MAX_LENGTH["budget_note"]),
                                   ("reference", reference, MAX_LENGTH["budget_reference"])):  # fmt: skip
            problem = text_problem(value, limit)
            if problem is not None:
                problems[name] = problem
        return hundredths, day, problems

    # --- scope ----------------------------------------------------------------------

    def _visible_plan(self, actor: Actor, plan_id: str) -> Plan:
        """The plan, if the reader sees its own area (the budget is the whole plan's); else NotFound."""
        plan = self._plans.plan(actor, plan_id)
        if not self._plans.sees_own_area(plan, self._base.area_filter(actor)):
            raise NotFound(say("plan.not_found", plan=plan_id[:100]))
        return plan

    def _recording_roles(self, actor: Actor, plan: Plan) -> str:
        """'ok' when a role of the actor grants `record_spending` and sees the plan's own area;
        otherwise why not: "role" or "scope"."""
        granting = frozenset(
            grant
            for roleset in self._base.catalog.roles.values()
            for role in granted(actor.roles, roleset)
            if PERMISSION in role.can
            for grant in (role.qualified, role.id)
            if grant in actor.roles
        )
        if not granting:
            return "role"
        narrowed = dataclasses.replace(actor, roles=granting)
        return "ok" if self._plans.sees_own_area(plan, self._base.area_filter(narrowed)) else "scope"


def _amount(raw: str | int | float, locale: str | None) -> int:
    """Hundredths of a đồng: more than 0, at most MAX_AMOUNT, at most two decimals."""
    if isinstance(raw, bool):
        raise NumberProblem(say("field.number"))
    value = read_decimal(raw, locale) if isinstance(raw, str) else Decimal(str(raw))
    if not value.is_finite():
        raise NumberProblem(say("field.number"))
    if value <= 0 or value > MAX_AMOUNT:
        raise NumberProblem(say("budget.amount_range", max=dong(int(MAX_AMOUNT) * 100)))
    if value * 100 != (value * 100).to_integral_value():
        raise NumberProblem(say("budget.amount_decimals"))
    return int(value * 100)


def _day(raw: str | dt.date, today: dt.date) -> dt.date:
    day = raw if isinstance(raw, dt.date) else _iso_day(raw)
    if day is None or day.year < 2000:
        raise ValueError(say("budget.bad_date", typed=str(raw).strip()[:20]))
    if day > today:
        raise ValueError(say("budget.future_date", day=day, today=today))
    return day


def _iso_day(raw: str) -> dt.date | None:
    text = raw.strip()
    if len(text) != 10:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
