"""The periodic report of a plan (issue 13): the figures of the area asked about and of each area
under it, counted as the dashboard counts them, for engine/plan_report.py to lay out.

The area's own figures are `plans.progress` (one statement per indicator); the areas under it are
`plans.by_area` (one statement per indicator for all of them): no query per area.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.permissions import Actor
from engine.plan_report import AreaReport, PlanReport, ReportRow

if TYPE_CHECKING:
    from engine.definitions.model import Indicator
    from engine.service.plans import PlansUseCases

NOT_COUNTED = "Không đếm được từ dữ liệu của phần mềm"


def build(
    plans: PlansUseCases, actor: Actor, plan_id: str, area: str | None, period: str | None
) -> PlanReport:
    progress = plans.progress(actor, plan_id, area, period)
    plan = progress.plan
    comparison = plans.by_area(actor, plan_id, progress.area, period)
    names = plans.area_names([progress.area, *comparison.areas])
    numbers = {i.id: n for n, i in enumerate(plan.indicators, start=1)}
    own = AreaReport(
        progress.area,
        names[progress.area],
        tuple(
            _row(numbers[r.indicator.id], r.indicator, r.target, r.actual, r.share)
            for r in progress.indicators
        ),
    )
    under: list[AreaReport] = []
    for index, code in enumerate(comparison.areas):
        counted = {f.indicator.id: (f.targets[index], f.values[index]) for f in comparison.indicators}
        rows = []
        for indicator in plan.indicators:
            target, actual = counted.get(indicator.id, (None, None))
            share = actual / target if actual is not None and target else None
            rows.append(_row(numbers[indicator.id], indicator, target, actual, share))
        under.append(AreaReport(code, names[code], tuple(rows)))
    return PlanReport(
        plan_id=plan.id,
        title=plan.title.vi,
        legal_basis=plan.legal_basis,
        period=progress.period.label,
        start=progress.period.start,
        end=progress.period.end,
        made_on=plans.today(),
        area=own,
        areas=tuple(under),
    )


def _row(
    number: int, indicator: Indicator, target: float | None, actual: float | None, share: float | None
) -> ReportRow:
    notes = [] if actual is not None else [NOT_COUNTED]
    if indicator.description is not None:
        notes.append(indicator.description.vi)
    notes.append(f"Nguồn: {indicator.source}")
    return ReportRow(number, indicator.label.vi, indicator.unit.vi, target, actual, share, ". ".join(notes))
