"""A council member's score sheet and the council's result, both read from the scoring-form YAML."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import scoring
from engine.definitions.model import ScoringForm
from engine.errors import InvalidForm, PermissionDenied
from engine.service.scores import commune_roles, council_roles
from web.auth import login_required
from web.i18n import current_language, tr
from web.problems import error_text, field_problems
from web.runtime import runtime
from web.views.dossier_page import reason_text

bp = Blueprint("scoring", __name__, url_prefix="/dossiers")


def _rules(form: ScoringForm, fixed: dict[str, str]) -> dict[str, Any]:
    """What scoring.js needs to preview totals and stars: bands, options, floors, flags."""
    return {
        "max": form.max_points,
        "bands": [{"stars": b.stars, "min": b.min, "below": b.below} for b in form.stars],
        "rejection": [f.id for f in form.rejection],
        "criteria": [
            {
                "id": c.id,
                "fixed": fixed.get(c.id),
                "options": [
                    {"id": o.id, "points": o.points, "floor": o.floor, "knockout": o.knockout}
                    for o in c.options
                ],
                "knockouts": [k.id for k in c.knockouts],
                "gate": c.gate.id if c.gate else None,
            }
            for c in form.criteria()
        ],
        "text": {
            "capped": _("Tiêu chí %(c)s chưa đạt mức tối thiểu: hạng tối đa %(n)s sao.", c="%s", n="%d"),
            "stopped": _("Dừng chấm tại tiêu chí %(c)s.", c="%s"),
            "rejected": _("Hồ sơ bị loại."),
            "knocked": _("Bị loại theo tiêu chí %(c)s.", c="%s"),
        },
    }


def _context(dossier_id: int) -> dict[str, Any]:
    rt = runtime()
    d = rt.service.get_dossier(g.actor, dossier_id)
    pinned = rt.pinned(g.actor, d)
    workflow = pinned.workflow
    form = pinned.scoring_form
    if form is None:
        abort(404)
    roleset = pinned.roleset
    rows = rt.service.score_sheets(g.actor, d.id)
    communal = commune_roles(form)
    commune_rows = [r for r in rows if r["role"] in communal and r["final"]]
    commune_sheet = commune_rows[-1] if commune_rows else None
    mine = [r for r in rows if r["member"] == g.actor.id and r["state"] == d.state]
    my_roles = set(g.actor.roles) & set(roleset.roles)
    scoring_roles = {r for r in my_roles if "score" in roleset.roles[r].can}
    in_council = bool(scoring_roles & council_roles(form, roleset))
    my_criteria = set()
    for c in form.criteria():
        assessor = c.assessed_by or form.default_assessor
        if assessor in scoring_roles or (in_council and assessor == form.default_assessor):
            my_criteria.add(c.id)
        elif in_council and assessor in communal and commune_sheet is None:
            my_criteria.add(c.id)  # nobody from the commune scored it: the council answers it
    seat = rt.service.score_decision(g.actor, d.id)
    fixed = {}
    if commune_sheet is not None:
        fixed = {k: v for k, v in commune_sheet["answers"].items() if k not in my_criteria}
    return {
        "d": d,
        "workflow": workflow,
        "form": form,
        "rows": rows,
        "mine": mine[-1] if mine else None,
        "my_criteria": my_criteria,
        "fixed": fixed,
        "commune_sheet": commune_sheet,
        "editable": seat.allowed,
        # Someone who scores somewhere but not here is told why (and where their council sits).
        "refusal": None
        if seat.allowed or not scoring_roles
        else tr(seat.message)
        if seat.message
        else seat.reason,
    }


def _render(
    ctx: dict[str, Any], answers: dict[str, str], flags: set[str], status: int = 200
) -> ResponseReturnValue:
    form = ctx["form"]
    sheet_result = None
    if ctx["mine"] is not None:
        commune = ctx["commune_sheet"]
        commune_sheet = (
            scoring.Sheet(dict(commune["answers"]), frozenset(commune["flags"])) if commune else None
        )
        saved = ctx["mine"]
        sheet_result = scoring.score_sheet(
            form, scoring.Sheet(dict(saved["answers"]), frozenset(saved["flags"])), commune_sheet
        )
    shown = {**ctx["fixed"], **answers}
    return render_template(
        "scoring.html",
        d=ctx["d"],
        form=form,
        answers=shown,
        flags=flags,
        my_criteria=ctx["my_criteria"],
        editable=ctx["editable"],
        refusal=ctx["refusal"],
        sheet_result=sheet_result,
        sheet_final=bool(ctx["mine"] and ctx["mine"]["final"]),
        rules=_rules(form, ctx["fixed"]),
        role_label=runtime().role_label,
    ), status


@bp.route("/<int:dossier_id>/score", methods=["GET", "POST"])
@login_required
def sheet(dossier_id: int) -> ResponseReturnValue:
    ctx = _context(dossier_id)
    form: ScoringForm = ctx["form"]
    if request.method == "GET":
        saved = ctx["mine"]
        answers = dict(saved["answers"]) if saved else {}
        return _render(ctx, answers, set(saved["flags"]) if saved else set())
    answers = {
        c.id: request.form.get(f"c.{c.id}", "")
        for c in form.criteria()
        if c.id in ctx["my_criteria"] and request.form.get(f"c.{c.id}")
    }
    flags = {f for f in request.form.getlist("flag") if f}
    final = request.form.get("final") == "1"
    try:
        runtime().service.save_score_sheet(g.actor, ctx["d"].id, answers, sorted(flags), final=final)
    except InvalidForm as exc:
        flash(
            _(
                "Chưa lưu: %(problems)s",
                problems="; ".join(f"{k}: {v}" for k, v in field_problems(exc.problems).items()),
            ),
            "error",
        )
        return _render(ctx, answers, flags, status=422)
    except PermissionDenied as exc:
        flash(error_text(exc), "error")
        return _render(ctx, answers, flags, status=403)
    flash(_("Đã nộp phiếu chấm điểm.") if final else _("Đã lưu nháp phiếu chấm điểm."), "success")
    return redirect(url_for("scoring.sheet", dossier_id=dossier_id))


@bp.get("/<int:dossier_id>/council")
@login_required
def council(dossier_id: int) -> ResponseReturnValue:
    rt = runtime()
    ctx = _context(dossier_id)
    d = ctx["d"]
    result = rt.service.council_result(g.actor, d.id)
    forms = rt.forms_in(rt.pinned(g.actor, d))
    actions = rt.service.available_actions(g.actor, d.id)
    return render_template(
        "council.html",
        d=d,
        form=ctx["form"],
        result=result,
        rows=ctx["rows"],
        explanation=result.describe(current_language()),
        actions=actions,
        reason_text=lambda a: reason_text(a, ctx["workflow"], forms),
        role_label=rt.role_label,
        state_label=lambda s: tr(ctx["workflow"].states[s].label) if s in ctx["workflow"].states else s,
    )
