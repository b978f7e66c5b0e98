"""Progress of a plan (issue 13): per indicator the target, the actual counted from the data and
the share, for an area and a period, within the reader's scope; and the items behind a figure.

Each figure is one SQL statement built by engine/plan_counting.py; nothing here loops over rows.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine import plan_counting
from engine.definitions.model import Indicator, Plan
from engine.errors import InvalidForm, NotFound
from engine.messages import say
from engine.permissions import Actor
from engine.plan_report import PlanReport
from engine.service import plan_reports
from engine.storage import tables as t
from engine.storage.repository import AreaFilter

if TYPE_CHECKING:
    from engine.service.base import ServiceBase

# Who reads at the console: whoever can run `ocopflow` on the server holds the database anyway.
CONSOLE = Actor(id="console", roles=frozenset(), display_name="ocopflow report")

_PERIOD = re.compile(r"^([0-9]{4})(?:-Q([1-4])|-([0-9]{2}))?$")


@dataclass(frozen=True)
class Period:
    label: str  # as asked: "", "2026", "2026-Q3", "2026-07"
    start: dt.date
    end: dt.date
    year: int | None  # the target year; None: the plan's whole period


@dataclass(frozen=True)
class IndicatorProgress:
    indicator: Indicator
    target: float | None
    actual: float | None  # None: not countable from the data (the indicator says why)
    share: float | None  # actual / target, when both are known and the target is not 0


@dataclass(frozen=True)
class Progress:
    plan: Plan
    area: str
    period: Period
    indicators: tuple[IndicatorProgress, ...]


@dataclass(frozen=True)
class CountedItem:
    """One row a figure counted: a dossier or a certificate."""

    subject: str
    id: int
    label: str  # the product's name
    reference: str  # certificate number, or the dossier's product set
    dossier_id: int
    day: dt.date


@dataclass(frozen=True)
class IndicatorSeries:
    indicator: Indicator
    target: float | None
    values: tuple[float, ...]  # one per month of `MonthlySeries.months`


@dataclass(frozen=True)
class MonthlySeries:
    """The actual at the end of each month of the period, counted from the period's start."""

    area: str
    period: Period
    months: tuple[dt.date, ...]  # month ends, up to the current month
    indicators: tuple[IndicatorSeries, ...]  # the countable indicators


@dataclass(frozen=True)
class AreaFigures:
    indicator: Indicator
    targets: tuple[float | None, ...]  # one per area of `AreaComparison.areas`
    values: tuple[float, ...]


@dataclass(frozen=True)
class AreaComparison:
    """The actual in each area directly under the area asked about, same period."""

    area: str
    period: Period
    areas: tuple[str, ...]
    indicators: tuple[AreaFigures, ...]


def parse_period(plan: Plan, raw: str | None) -> Period:
    first, last = plan.period
    text = (raw or "").strip()
    if not text:
        year = first if first == last else None
        return Period("", dt.date(first, 1, 1), dt.date(last, 12, 31), year)
    found = _PERIOD.match(text)
    year = int(found.group(1)) if found else 0
    if found is None or not first <= year <= last or (found.group(3) and not 1 <= int(found.group(3)) <= 12):
        raise InvalidForm(
            say("plan.bad_period", period=text[:20], first=first, last=last),
            {"period": say("plan.bad_period", period=text[:20], first=first, last=last)},
        )
    if found.group(2):
        quarter = int(found.group(2))
        start_month, end_month = 3 * quarter - 2, 3 * quarter
    elif found.group(3):
        start_month = end_month = int(found.group(3))
    else:
        start_month, end_month = 1, 12
    end_day = calendar.monthrange(year, end_month)[1]
    return Period(text, dt.date(year, start_month, 1), dt.date(year, end_month, end_day), year)


class PlansUseCases:
    """Plans and their progress, read-only; reached as `service.plans`."""

    def __init__(self, base: ServiceBase) -> None:
        self._base = base

    def all(self, actor: Actor) -> list[Plan]:
        """The plans with at least one area the reader may see, by id."""
        scope = self._scope(actor)
        return [p for _, p in sorted(self._base.catalog.plans.items()) if self._areas_for(p, scope)]

    def plan(self, actor: Actor, plan_id: str) -> Plan:
        plan = self._base.catalog.plans.get(plan_id)
        if plan is None or not self._areas_for(plan, self._scope(actor)):
            raise NotFound(say("plan.not_found", plan=plan_id[:100]))
        return plan

    def areas(self, actor: Actor, plan_id: str) -> list[str]:
        """The areas of the plan the reader may ask about, the plan's own area first."""
        plan = self.plan(actor, plan_id)
        return self._areas_for(plan, self._scope(actor))

    def progress(
        self, actor: Actor, plan_id: str, area: str | None = None, period: str | None = None
    ) -> Progress:
        plan = self.plan(actor, plan_id)
        code = self._area(actor, plan, area)
        when = parse_period(plan, period)
        counted = self._counted_area(plan, code)
        rows: list[IndicatorProgress] = []
        with self._base._tx(write=False) as repo:
            for indicator in plan.indicators:
                actual: float | None = None
                if indicator.count is not None:
                    value = repo.connection.execute(
                        plan_counting.statement(indicator.count, when.start, when.end, counted)
                    ).scalar()
                    actual = _shown(indicator, value)
                target = _target(plan, indicator, code, when.year)
                share = actual / target if actual is not None and target else None
                rows.append(IndicatorProgress(indicator, target, actual, share))
        return Progress(plan, code, when, tuple(rows))

    def monthly(
        self, actor: Actor, plan_id: str, area: str | None = None, period: str | None = None
    ) -> MonthlySeries:
        """Progress month by month: for each month end of the period up to today, the actual over
        [period start, month end]; one SQL statement per indicator."""
        plan = self.plan(actor, plan_id)
        code = self._area(actor, plan, area)
        when = parse_period(plan, period)
        ends = _month_ends(when.start, min(when.end, self._base.now().date()))
        counted = self._counted_area(plan, code)
        rows: list[IndicatorSeries] = []
        with self._base._tx(write=False) as repo:
            for indicator in plan.indicators:
                if indicator.count is None:
                    continue
                values: dict[dt.date, float] = {}
                if ends:
                    statement = plan_counting.series_statement(indicator.count, when.start, ends, counted)
                    values = {
                        _as_date(e): _shown(indicator, v) for e, v in repo.connection.execute(statement)
                    }
                target = _target(plan, indicator, code, when.year)
                rows.append(IndicatorSeries(indicator, target, tuple(values.get(e, 0.0) for e in ends)))
        return MonthlySeries(code, when, tuple(ends), tuple(rows))

    def by_area(
        self, actor: Actor, plan_id: str, area: str | None = None, period: str | None = None
    ) -> AreaComparison:
        """The areas under the one asked about (those the reader may see), compared on each
        countable indicator; one SQL statement per indicator."""
        plan = self.plan(actor, plan_id)
        code = self._area(actor, plan, area)
        when = parse_period(plan, period)
        children = self.children(actor, plan, code)
        rows: list[AreaFigures] = []
        with self._base._tx(write=False) as repo:
            for indicator in plan.indicators:
                if indicator.count is None:
                    continue
                values: dict[str, float] = {}
                if children:
                    statement = plan_counting.by_area_statement(
                        indicator.count, when.start, when.end, children
                    )
                    values = {c: _shown(indicator, v) for c, v in repo.connection.execute(statement)}
                targets = tuple(_target(plan, indicator, c, when.year) for c in children)
                rows.append(AreaFigures(indicator, targets, tuple(values.get(c, 0.0) for c in children)))
        return AreaComparison(code, when, tuple(children), tuple(rows))

    def children(self, actor: Actor, plan: Plan, code: str) -> list[str]:
        """The plan's areas the reader may see directly under `code` (the plan's own area: the
        areas it covers, else the units whose parent is `code`)."""
        allowed = self._areas_for(plan, self._scope(actor))
        if code == plan.issued_by and code not in plan.areas:
            return [a for a in allowed if a in plan.areas]
        parents = self._parents()
        return [a for a in allowed if parents.get(a) == code]

    def items(
        self,
        actor: Actor,
        plan_id: str,
        indicator_id: str,
        area: str | None = None,
        period: str | None = None,
    ) -> tuple[Indicator, list[CountedItem]]:
        """What a figure counted: the rows of its subject, same period and area, by id."""
        plan = self.plan(actor, plan_id)
        indicator = plan.indicator(indicator_id)
        if indicator is None or indicator.count is None:
            raise NotFound(say("plan.indicator_not_found", plan=plan.id, indicator=indicator_id[:100]))
        code = self._area(actor, plan, area)
        when = parse_period(plan, period)
        keys = plan_counting.items_statement(
            indicator.count, when.start, when.end, self._counted_area(plan, code)
        )
        subject = indicator.count.subject
        with self._base._tx(write=False) as repo:
            if subject == "certificates":
                c = t.certificates
                q: Any = (
                    c.select()
                    .with_only_columns(c.c.id, c.c.product_name, c.c.number, c.c.dossier_id, c.c.issued_on)
                    .where(c.c.id.in_(keys.scalar_subquery()))
                    .order_by(c.c.id)
                )
            else:
                d = t.dossiers
                q = (
                    d.select()
                    .with_only_columns(d.c.id, d.c.product_name, d.c.product_set, d.c.id, d.c.filed_on)
                    .where(d.c.id.in_(keys.scalar_subquery()))
                    .order_by(d.c.id)
                )
            rows = repo.connection.execute(q).all()
        return indicator, [CountedItem(subject, r[0], r[1], str(r[2]), r[3], r[4]) for r in rows]

    def report(
        self, actor: Actor, plan_id: str, area: str | None = None, period: str | None = None
    ) -> PlanReport:
        """The periodic report: the area's figures and those of each area under it (a period
        with no data: zeros)."""
        return plan_reports.build(self, actor, plan_id, area, period)

    def today(self) -> dt.date:
        return self._base.now().date()

    def area_names(self, codes: list[str] | tuple[str, ...]) -> dict[str, str]:
        """The names of units by code, as the units files give them (a code not found: itself)."""
        names: dict[str, str] = {}
        for units in self._base.catalog.units.values():
            names.update((c, units.units[c].name) for c in codes if c in units.units)
        return {c: names.get(c, c) for c in codes}

    # --- scope ----------------------------------------------------------------------

    def _scope(self, actor: Actor) -> AreaFilter:
        """The reader's areas; the console (`ocopflow report` without --as) reads every area."""
        return AreaFilter(everything=True) if actor is CONSOLE else self._base.area_filter(actor)

    def _area(self, actor: Actor, plan: Plan, area: str | None) -> str:
        allowed = self._areas_for(plan, self._scope(actor))
        code = area if area else allowed[0] if allowed else ""
        if code not in allowed:
            raise NotFound(say("plan.area_not_found", plan=plan.id, area=code[:20]))
        return code

    def sees_own_area(self, plan: Plan, scope: AreaFilter) -> bool:
        """Does `scope` see the plan's own (issuing) area, the whole plan (its budget is the whole's)?"""
        return plan.issued_by in self._areas_for(plan, scope)

    def _areas_for(self, plan: Plan, scope: AreaFilter) -> list[str]:
        """The plan's own area and its areas (and the communes of a province it covers) the scope sees."""
        parents = self._parents()
        candidates = [plan.issued_by, *[a for a in plan.areas if a != plan.issued_by]]
        candidates += sorted(c for c, p in parents.items() if p in plan.areas and c not in candidates)
        return [c for c in candidates if _sees(scope, c, parents.get(c), plan)]

    def _parents(self) -> dict[str, str]:
        return {
            code: unit.parent
            for units in self._base.catalog.units.values()
            for code, unit in units.units.items()
            if unit.parent
        }

    @staticmethod
    def _counted_area(plan: Plan, code: str) -> str | tuple[str, ...]:
        """The plan's own area counts over the plan's areas; any other area counts itself."""
        return plan.areas if code == plan.issued_by and code not in plan.areas else code


def _sees(scope: AreaFilter, code: str, parent: str | None, plan: Plan) -> bool:
    if scope.everything:
        return True
    if code == plan.issued_by and code not in plan.areas:
        # the plan's whole: a reader of the issuing province
        return code in scope.provinces
    return (
        code in scope.provinces
        or code in scope.communes
        or (parent is not None and parent in scope.provinces)
    )


def _target(plan: Plan, indicator: Indicator, area: str, year: int | None) -> float | None:
    whole = area == plan.issued_by or plan.areas == (area,)
    for target in indicator.targets:
        if target.year == year and (target.area == area or (target.area is None and whole)):
            return target.value
    return None


def _shown(indicator: Indicator, value: Any) -> float:
    """A counted value as shown and targeted: a share as a percentage."""
    actual = float(value or 0)
    if indicator.count is not None and indicator.count.aggregate == "share":
        return round(actual * 100, 1)
    return actual


def _month_ends(start: dt.date, until: dt.date) -> list[dt.date]:
    """The last day of each month from `start`'s month to `until`'s (none when until < start)."""
    ends: list[dt.date] = []
    year, month = start.year, start.month
    while (year, month) <= (until.year, until.month):
        ends.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def _as_date(value: Any) -> dt.date:
    """A date as the database hands back a bound date (SQLite: its ISO text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
