"""Plan routes: the plans the caller may see, a plan's progress, and the items behind a figure."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for

from engine.definitions.model import Plan
from engine.service.budget import Entry
from web.api import bp
from web.api.auth import current_actor, field, json_body
from web.api.errors import ApiError
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


BUDGET_MEMBERS = frozenset({"line", "amount", "spent_on", "note", "reference"})


def _entry(entry: Entry) -> dict[str, Any]:
    return {"id": entry.id, "line": entry.line_id, "amount": entry.amount, "spent_on": entry.spent_on.isoformat(),
            "note": entry.note, "reference": entry.reference, "actor": entry.actor,
            "recorded_at": entry.recorded_at.isoformat()}  # fmt: skip


@bp.get("/plans/<plan>/budget")
def plan_budget(plan: str) -> Response:
    """Planned against spent per line and per source, and the entries (newest first)."""
    found = runtime().service.budget.budget(current_actor(), plan[:100])
    return jsonify({
        "plan": found.plan.id, "planned": found.planned, "spent": found.spent, "may_record": found.may_record,
        "lines": [{"id": b.line.id, "label": plain(b.line.label) if b.line.label else None,
                   "source": b.line.source, "planned": b.planned, "spent": b.spent, "remaining": b.remaining,
                   "allow_overrun": b.line.allow_overrun} for b in found.lines],
        "sources": [{"id": s.source.id, "label": plain(s.source.label), "planned": s.planned, "spent": s.spent}
                    for s in found.sources],
        "entries": [_entry(e) for e in found.entries],
    })  # fmt: skip


@bp.post("/plans/<plan>/budget")
def record_spending(plan: str) -> tuple[Response, int]:
    """One spending entry against a line; 422 `invalid_form` saying by how much when it overruns."""
    data = json_body()
    unknown = sorted(set(data) - BUDGET_MEMBERS)
    if unknown:
        raise ApiError(422, f"Unknown member '{unknown[0][:40]}'.", code="invalid_request",
                       problems={unknown[0][:40]: "unknown"})  # fmt: skip
    entry = runtime().service.budget.record(
        current_actor(), plan[:100], field(data, "line", str, required=True),
        amount=field(data, "amount", (int, float), required=True),
        spent_on=field(data, "spent_on", str, required=True),
        note=field(data, "note", str, required=True), reference=field(data, "reference", str),
    )  # fmt: skip
    return jsonify(_entry(entry)), 201


@bp.get("/plans/<plan>/report.xlsx")
def plan_report(plan: str) -> Response:
    made = runtime().service.plans.report(current_actor(), plan[:100], _arg("area"), _arg("period"))
    return report_response(made, "xlsx")
