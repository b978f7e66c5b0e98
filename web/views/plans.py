"""Plan pages for officers: the plans in their scope, a plan's progress, and what a figure counted."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from engine.errors import InvalidForm
from web.auth import login_required
from web.plan_downloads import report_response
from web.problems import error_text
from web.runtime import runtime
from web.views import plan_charts

bp = Blueprint("plans", __name__, url_prefix="/plans")
MAX_ARG = 20


def _args() -> tuple[str | None, str | None]:
    return request.args.get("area", "")[:MAX_ARG] or None, request.args.get("period", "")[:MAX_ARG] or None


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("plans/index.html", plans=runtime().service.plans.all(g.actor))


@bp.get("/<plan_id>")
@login_required
def progress(plan_id: str) -> ResponseReturnValue:
    plans = runtime().service.plans
    area, period = _args()
    codes = plans.areas(g.actor, plan_id[:100])
    areas = list(plans.area_names(codes).items())  # (code, name): the select shows names
    try:
        found = plans.progress(g.actor, plan_id[:100], area, period)
    except InvalidForm as exc:
        plan = plans.plan(g.actor, plan_id[:100])
        return render_template("plans/progress.html", plan=plan, progress=None, areas=areas,
                               error=error_text(exc), area=area, period=period or ""), 400  # fmt: skip
    return render_template("plans/progress.html", plan=found.plan, progress=found, areas=areas, error=None,
                           area=found.area, period=found.period.label,
                           **_charts(plan_id[:100], found.area, found.period.label))  # fmt: skip


def _charts(plan_id: str, area: str, period: str) -> dict[str, Any]:
    """The progress month by month and the comparison of the areas under `area`, with their tables."""
    plans = runtime().service.plans
    comparison = plans.by_area(g.actor, plan_id, area, period or None)
    names = plans.area_names(comparison.areas)
    return {
        "progress_chart": plan_charts.progress_chart(plans.monthly(g.actor, plan_id, area, period or None)),
        "area_chart": plan_charts.area_chart(comparison, names),
    }


@bp.get("/<plan_id>/<indicator_id>")
@login_required
def items(plan_id: str, indicator_id: str) -> ResponseReturnValue:
    plans = runtime().service.plans
    area, period = _args()
    try:
        indicator, counted = plans.items(g.actor, plan_id[:100], indicator_id[:100], area, period)
    except InvalidForm as exc:
        return render_template("error.html", message=error_text(exc)), 400
    plan = plans.plan(g.actor, plan_id[:100])
    return render_template("plans/items.html", plan=plan, indicator=indicator, items=counted,
                           area=area or "", period=period or "")  # fmt: skip


@bp.get("/<plan_id>/report.<any(xlsx, csv):fmt>")
@login_required
def report(plan_id: str, fmt: str) -> ResponseReturnValue:
    """The periodic report of the area and period shown, as the dashboard's download buttons ask."""
    area, period = _args()
    try:
        made = runtime().service.plans.report(g.actor, plan_id[:100], area, period)
    except InvalidForm as exc:
        return render_template("error.html", message=error_text(exc)), 400
    return report_response(made, fmt)
