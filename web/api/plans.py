"""Plan routes: the plans the caller may see, a plan's progress, and the items behind a figure."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for

from engine.definitions.model import Plan
from web.api import bp
from web.api.auth import current_actor
from web.api.serialize import plain
from web.plan_downloads import report_response
from web.runtime import runtime

MAX_ARG = 20


def _arg(name: str) -> str | None:
    return request.args.get(name, "")[:MAX_ARG] or None


def _plan(plan: Plan) -> dict[str, Any]:
    return {"id": plan.id, "version": plan.version, "title": plain(plan.title), "legal_basis": plan.legal_basis,
            "issued_by": plan.issued_by, "period": {"from": plan.period[0], "to": plan.period[1]},
            "areas": list(plan.areas)}  # fmt: skip


@bp.get("/plans")
def list_plans() -> Response:
    plans = runtime().service.plans.all(current_actor())
    return jsonify({"items": [_plan(p) for p in plans]})


@bp.get("/plans/<plan>/progress")
def plan_progress(plan: str) -> Response:
    progress = runtime().service.plans.progress(current_actor(), plan[:100], _arg("area"), _arg("period"))
    args: dict[str, Any] = {"area": progress.area, "period": progress.period.label or None}
    rows = []
    for row in progress.indicators:
        i = row.indicator
        counted = i.count is not None
        rows.append({
            "id": i.id, "label": plain(i.label), "unit": plain(i.unit), "source": i.source,
            "description": plain(i.description) if i.description else None,
            "target": row.target, "actual": row.actual, "share": row.share,
            "items": url_for("api.plan_items", plan=plan, indicator=i.id, **args) if counted else None,
        })  # fmt: skip
    return jsonify({"plan": _plan(progress.plan), "area": progress.area, "period": progress.period.label,
                    "start": progress.period.start.isoformat(), "end": progress.period.end.isoformat(),
                    "indicators": rows})  # fmt: skip


@bp.get("/plans/<plan>/indicators/<indicator>/items")
def plan_items(plan: str, indicator: str) -> Response:
    found, items = runtime().service.plans.items(
        current_actor(), plan[:100], indicator[:100], _arg("area"), _arg("period")
    )
    return jsonify({"indicator": found.id, "items": [
        {"subject": i.subject, "id": i.id, "label": i.label, "reference": i.reference,
         "dossier_id": i.dossier_id, "date": i.day.isoformat()} for i in items]})  # fmt: skip


@bp.get("/plans/<plan>/report.xlsx")
def plan_report(plan: str) -> Response:
    made = runtime().service.plans.report(current_actor(), plan[:100], _arg("area"), _arg("period"))
    return report_response(made, "xlsx")
