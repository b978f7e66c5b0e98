"""A plan's budget on its dashboard: planned against spent per line and per source, the entries,
and the form an officer records spending with (adds routes to plans.bp; issue 13)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.limits import MAX_LENGTH
from engine.service.budget import Budget
from web.auth import login_required
from web.i18n import current_language
from web.problems import error_text, field_problems
from web.runtime import runtime
from web.views.plans import bp

FIELDS = ("line", "amount", "spent_on", "note", "reference")
MAX_AMOUNT_TYPED = 30


@bp.app_template_global("plan_budget")
def plan_budget(plan_id: str) -> Budget | None:
    """The plan's budget for the dashboard, or None when the reader does not see the whole plan."""
    if getattr(g, "actor", None) is None:
        return None
    try:
        found: Budget = runtime().service.budget.budget(g.actor, plan_id)
    except NotFound:
        return None
    return found if found.plan.budget else None


@bp.app_template_global("budget_today")
def budget_today() -> str:
    """The latest day spending may be dated (the service's today), for the form's date picker."""
    return runtime().service.now().date().isoformat()


def _typed() -> dict[str, str]:
    limits = {"line": 100, "amount": MAX_AMOUNT_TYPED, "spent_on": 20, "note": MAX_LENGTH["budget_note"],
              "reference": MAX_LENGTH["budget_reference"]}  # fmt: skip
    # one character over the limit, so the service refuses a long text instead of cutting it
    return {name: request.form.get(name, "")[: limits[name] + 1] for name in FIELDS}


@bp.get("/<plan_id>/budget")
@login_required
def budget(plan_id: str) -> ResponseReturnValue:
    found = runtime().service.budget.budget(g.actor, plan_id[:100])
    return _page(found, {}, {}, 200)


@bp.post("/<plan_id>/budget")
@login_required
def record_spending(plan_id: str) -> ResponseReturnValue:
    service = runtime().service
    found = service.budget.budget(g.actor, plan_id[:100])
    typed = _typed()
    try:
        entry = service.budget.record(
            g.actor, found.plan.id, typed["line"], amount=typed["amount"], spent_on=typed["spent_on"],
            note=typed["note"], reference=typed["reference"] or None, locale=current_language(),
        )  # fmt: skip
    except InvalidForm as exc:
        errors = {**field_problems(exc.problems), "_": error_text(exc)}
        return _page(service.budget.budget(g.actor, found.plan.id), typed, errors, 422)
    except PermissionDenied:
        abort(403)
    flash(_("Đã ghi khoản chi số %(id)d.", id=entry.id), "success")
    return redirect(url_for("plans.progress", plan_id=found.plan.id, _anchor="budget"))


def _page(found: Budget, values: dict[str, str], errors: dict[str, str], status: int) -> ResponseReturnValue:
    context: dict[str, Any] = {"plan": found.plan, "budget": found, "budget_values": values,
                               "budget_errors": errors, "today": budget_today()}  # fmt: skip
    return render_template("plans/budget.html", **context), status
