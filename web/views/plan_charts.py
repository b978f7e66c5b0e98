"""The dashboard's two charts of a plan, as data for static/plan-charts.js and as the rows of the
table printed beside each chart (the same numbers, for people who cannot see the chart).

The figures are the service's (`plans.monthly`, `plans.by_area`); this module only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from engine.service.plans import AreaComparison, MonthlySeries
from web.i18n import number_text, tr


@dataclass(frozen=True)
class Chart:
    data: dict[str, Any]  # what the script draws (embedded as JSON in a data attribute)
    columns: tuple[str, ...]  # the table's header after its first column
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (first cell, the other cells)
    note: str = ""


def _column(indicator: Any) -> str:
    return f"{tr(indicator.label)} ({tr(indicator.unit)})"


def _dataset_label(indicator: Any) -> str:
    """The legend's words: the label alone (the unit is in the table's header), so it fits a phone."""
    return tr(indicator.label)


def progress_chart(monthly: MonthlySeries) -> Chart | None:
    """Cumulative actual at each month end; as a share of the target when every indicator has
    one (indicators of different units then share one axis), else the figures themselves."""
    if not monthly.months or not monthly.indicators:
        return None
    percent = all(s.target for s in monthly.indicators)
    labels = [f"{m.month:02d}/{m.year}" for m in monthly.months]
    datasets = []
    for s in monthly.indicators:
        values = [round(v / s.target * 100, 1) if percent and s.target else v for v in s.values]
        datasets.append({"label": _dataset_label(s.indicator), "data": values})
    y_title = _("% mục tiêu (lũy kế)") if percent else _("Thực hiện (lũy kế)")
    columns = tuple(_column(s.indicator) for s in monthly.indicators)
    rows = tuple(
        (label, tuple(_cell(s.values[i], s.target if percent else None) for s in monthly.indicators))
        for i, label in enumerate(labels)
    )
    data = {"type": "line", "labels": labels, "datasets": datasets, "yTitle": y_title, "xTitle": _("Tháng")}
    return Chart(data, columns, rows)


def area_chart(comparison: AreaComparison, names: dict[str, str]) -> Chart | None:
    """The actual in each area under the one shown; the areas with no figure at all are left out
    of the chart and its table, and counted in the note."""
    if not comparison.areas or not comparison.indicators:
        return None
    shown = [i for i, _code in enumerate(comparison.areas) if any(f.values[i] for f in comparison.indicators)]
    left_out = len(comparison.areas) - len(shown)
    note = _("%(n)d địa bàn khác chưa có số liệu (0).", n=left_out) if left_out else ""
    if not shown:
        return Chart({}, (), (), note)
    labels = [names.get(comparison.areas[i], comparison.areas[i]) for i in shown]
    datasets = [
        {"label": _dataset_label(f.indicator), "data": [f.values[i] for i in shown]}
        for f in comparison.indicators
    ]
    columns = tuple(_column(f.indicator) for f in comparison.indicators)
    rows = tuple(
        (label, tuple(_cell(f.values[i], f.targets[i]) for f in comparison.indicators))
        for label, i in zip(labels, shown, strict=True)
    )
    data = {"type": "bar", "labels": labels, "datasets": datasets, "yTitle": _("Thực hiện"), "xTitle": ""}
    return Chart(data, columns, rows, note)


def _cell(value: float, target: float | None) -> str:
    text = number_text(value)
    if target:
        text += f" ({number_text(round(value / target * 100))} %)"
    return text
