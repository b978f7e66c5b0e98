"""A scorer's sheet, its check-your-answers page, the engine's preview, and the council's result.

Everything scored here is the engine's: the reader's seat and criteria come from
`service.sheet_view`, running totals from `service.preview_sheet` (scoring.js only
posts the radios and shows what comes back), and the council from `service.council_progress`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import scoring
from engine.definitions.model import ScoringForm
from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.service.scores import SheetView, unanswered
from web.auth import login_required
from web.i18n import current_language, number_text, tr
from web.problems import error_text, field_problems
from web.runtime import runtime
from web.views.dossier_page import reason_text

bp = Blueprint("scoring", __name__, url_prefix="/dossiers")


def _view(dossier_id: int) -> tuple[Any, SheetView]:
    rt = runtime()
    d = rt.service.get_dossier(g.actor, dossier_id)
    try:
        view = rt.service.sheet_view(g.actor, d.id)
    except NotFound:
        abort(404)
    return d, view


def _posted(view: SheetView) -> tuple[dict[str, str], set[str]]:
    """The answers to the reader's own criteria and the ticked boxes, as posted."""
    answers = {
        c.id: request.form[f"c.{c.id}"]
        for c in view.form.criteria()
        if c.id in view.criteria and request.form.get(f"c.{c.id}")
    }
    return answers, {f for f in request.form.getlist("flag") if f}


def _refusal(view: SheetView) -> str | None:
    """Why someone who scores somewhere cannot score here (and where their council sits)."""
    if view.decision.allowed or view.decision.reason in ("role", "permission"):
        return None
    return tr(view.decision.message) if view.decision.message else view.decision.reason


def _render_sheet(
    d: Any,
    view: SheetView,
    answers: dict[str, str],
    flags: set[str],
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    form = view.form
    shown = {**view.fixed, **answers}
    preview = scoring.score_sheet(
        form, scoring.Sheet({k: v for k, v in answers.items()}), view.assessors_sheet
    )
    todo = unanswered(preview, view.criteria) if view.decision.allowed and not view.final else []
    return render_template(
        "scoring.html",
        d=d,
        form=form,
        view=view,
        answers=shown,
        flags=flags,
        my_criteria=view.criteria,
        editable=view.decision.allowed and not view.final,
        refusal=_refusal(view),
        sheet_result=view.result,
        sheet_final=view.final,
        todo=todo,
        labels={c.id: c.label for c in form.criteria()},
        errors=errors or {},
        role_label=runtime().role_label,
    ), status


@bp.get("/<int:dossier_id>/score")
@login_required
def sheet(dossier_id: int) -> ResponseReturnValue:
    d, view = _view(dossier_id)
    saved = view.mine
    answers = dict(saved["answers"]) if saved else {}
    return _render_sheet(d, view, answers, set(saved["flags"]) if saved else set())


@bp.post("/<int:dossier_id>/score")
@login_required
def save(dossier_id: int) -> ResponseReturnValue:
    """Save a draft; 'check and submit' saves it too and then shows the check-your-answers page."""
    d, view = _view(dossier_id)
    answers, flags = _posted(view)
    try:
        runtime().service.save_score_sheet(g.actor, d.id, answers, sorted(flags), final=False)
    except InvalidForm as exc:
        flash(_("Chưa lưu: hãy sửa các tiêu chí được nêu bên dưới."), "error")
        return _render_sheet(d, view, answers, flags, errors=field_problems(exc.problems), status=422)
    except PermissionDenied as exc:
        flash(error_text(exc), "error")
        return _render_sheet(d, view, answers, flags, status=403)
    if request.form.get("final") == "1":
        return redirect(url_for("scoring.confirm", dossier_id=dossier_id))
    flash(_("Đã lưu nháp phiếu chấm điểm."), "success")
    return redirect(url_for("scoring.sheet", dossier_id=dossier_id))


def _render_confirm(d: Any, view: SheetView, status: int = 200) -> ResponseReturnValue:
    form = view.form
    result = view.result
    todo = unanswered(result, view.criteria) if result is not None else [c.id for c in form.criteria()]
    options = {c.id: {o.id: o for o in c.options} for c in form.criteria()}
    return render_template(
        "scoring_confirm.html",
        d=d,
        form=form,
        view=view,
        result=result,
        todo=todo,
        labels={c.id: c.label for c in form.criteria()},
        options=options,
    ), status


@bp.get("/<int:dossier_id>/score/confirm")
@login_required
def confirm(dossier_id: int) -> ResponseReturnValue:
    """Check your answers: the saved draft, its total and stars, what is still unscored."""
    d, view = _view(dossier_id)
    if view.mine is None or view.final or not view.decision.allowed:
        return redirect(url_for("scoring.sheet", dossier_id=dossier_id))
    return _render_confirm(d, view)


@bp.post("/<int:dossier_id>/score/confirm")
@login_required
def submit(dossier_id: int) -> ResponseReturnValue:
    """Make the saved draft final: exactly what the check-your-answers page showed."""
    d, view = _view(dossier_id)
    if view.mine is None:
        return redirect(url_for("scoring.sheet", dossier_id=dossier_id))
    mine = view.mine
    try:
        runtime().service.save_score_sheet(
            g.actor, d.id, dict(mine["answers"]), list(mine["flags"]), final=True
        )
    except (InvalidForm, PermissionDenied) as exc:
        flash(error_text(exc), "error")
        return _render_confirm(d, runtime().service.sheet_view(g.actor, d.id), status=422)
    flash(_("Đã nộp phiếu chấm điểm chính thức."), "success")
    return redirect(url_for("scoring.sheet", dossier_id=dossier_id))


@bp.post("/<int:dossier_id>/score/preview")
@login_required
def preview(dossier_id: int) -> ResponseReturnValue:
    """The engine's running total and star preview for the radios as they are (nothing saved)."""
    d, view = _view(dossier_id)
    answers, flags = _posted(view)
    result, todo = runtime().service.preview_sheet(g.actor, d.id, answers, flags)
    lang = current_language()
    return jsonify(
        total=f"{number_text(round(result.total, 2))} / {number_text(view.form.max_points)}",
        stars="★" * result.stars if result.stars else "—",
        stars_label=str(result.stars or 0),
        answered=f"{len(view.criteria) - len(todo)} / {len(view.criteria)}",
        notes=result.describe(lang),
        todo=[{"id": cid, "label": f"{cid}. {tr(_label(view.form, cid))}"} for cid in todo],
    )


def _label(form: ScoringForm, cid: str) -> Any:
    return next((c.label for c in form.criteria() if c.id == cid), cid)


@bp.get("/<int:dossier_id>/council")
@login_required
def council(dossier_id: int) -> ResponseReturnValue:
    rt = runtime()
    d = rt.service.get_dossier(g.actor, dossier_id)
    pinned = rt.pinned(g.actor, d)
    if pinned.scoring_form is None:
        abort(404)
    workflow = pinned.workflow
    progress = rt.service.council_progress(g.actor, d.id)
    forms = rt.forms_in(pinned)
    actions = rt.service.available_actions(g.actor, d.id)
    view = rt.service.sheet_view(g.actor, d.id)
    return render_template(
        "council.html",
        d=d,
        form=pinned.scoring_form,
        result=progress.result,
        progress=progress,
        view=view,
        explanation=progress.result.describe(current_language()),
        actions=actions,
        reason_text=lambda a: reason_text(a, workflow, forms),
        role_label=rt.role_label,
        state_label=lambda s: tr(workflow.states[s].label) if s in workflow.states else s,
    )


@bp.post("/<int:dossier_id>/council/reopen")
@login_required
def reopen(dossier_id: int) -> ResponseReturnValue:
    """The chair reopens a member's final sheet, with a reason (audited)."""
    rt = runtime()
    d = rt.service.get_dossier(g.actor, dossier_id)
    member = request.form.get("member", "")
    names = {s.member: s.name for s in rt.service.council_progress(g.actor, d.id).seats}
    try:
        rt.service.reopen_score_sheet(g.actor, d.id, member, request.form.get("reason", ""))
    except (InvalidForm, PermissionDenied) as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("scoring.council", dossier_id=dossier_id, _anchor="reopen"))
    flash(
        _(
            "Đã mở lại phiếu của %(member)s: người chấm có thể sửa và nộp lại.",
            member=names.get(member, member),
        ),
        "success",
    )
    return redirect(url_for("scoring.council", dossier_id=dossier_id))
