"""Everything the dossier page shows, gathered from the service and the dossier's own definitions."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.definitions.model import Form, ScoringForm, UnitSet, Workflow
from engine.errors import NotFound, OcopflowError
from engine.permissions import DossierFacts, in_scope, may_edit_form, may_upload, roles_of
from engine.service.forms import check_answers, dossier_facts, prefilled
from web.formdata import shown_value
from web.i18n import current_language, tr
from web.runtime import runtime
from web.views.certificates import public_url, qr_svg


def step_bar(workflow: Workflow | None, current: int) -> list[dict[str, Any]]:
    """One cell per cycle step; a step's name is its own label if the workflow gives one,
    else the label of its broadest state (the composite with most leaves)."""
    if workflow is None:
        return [{"number": current, "label": str(current)}]
    step_labels = {c.step: c.label for c in workflow.cycle}  # the workflow's own `cycle` names
    last = max(max((s.step for s in workflow.states.values()), default=current), current, *step_labels, 0)
    names: dict[int, str] = {}
    for number in range(1, last + 1):
        if number in step_labels:
            names[number] = tr(step_labels[number])
            continue
        in_step = [s for s in workflow.states.values() if s.step == number and s.parent is None]
        if in_step:
            best = max(in_step, key=lambda s: len(s.children))
            names[number] = tr(best.label)
    return [
        {"number": n, "label": f"{_('Bước')} {n}" + (f" · {names[n]}" if n in names else "")}
        for n in range(1, last + 1)
    ]


def reason_text(action: Any, *_definitions: Any) -> str:
    """Why an action is refused, in the reader's language: the engine's message says it (a catalog
    code, or the definition's own guard or duty text); nothing is rebuilt here."""
    return tr(action.message) or str(action.reason or "")


def missing_link(dossier_id: int, item: Any) -> str:
    """Where a missing item is supplied: its field on this page, the score sheet, the council result."""
    kind = item.reason.partition(":")[0]
    if item.field:
        return f"#field-{item.form}-{item.field}"
    if kind == "form":
        return f"#form-{item.reason.partition(':')[2]}"
    if kind == "evidence":
        return "#evidence"
    if kind == "sheet":
        return url_for("scoring.sheet", dossier_id=dossier_id)
    if kind == "scores":
        return url_for("scoring.council", dossier_id=dossier_id)
    return ""


def dossier_namespace(d: Any) -> Any:
    """The `dossier` name of visible_when, built by the engine's one builder."""
    from engine.context import dossier_names

    return dossier_names(d)


def _form_status(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "empty"
    return "complete" if entry.get("complete") else "partial"


def visible_fields(form: Form, answers: dict[str, Any], dossier_ns: Any) -> dict[str, bool]:
    """Which fields show on these answers: the engine's own check (a rule that errors hides its field)."""
    check = check_answers(form, answers, dossier=dossier_ns, today=runtime().service.now().date())
    return {f.id: f.id not in check.hidden for f in form.fields()}


def dossier_units(unitset: UnitSet | None, units: list[Any], province: str) -> list[Any]:
    """The units a form on this dossier offers: the first-level units and those inside the dossier's
    first-level unit (not the whole country); without a units file that knows it, every unit."""
    if unitset is None or province not in unitset.units:
        return units
    top = [u for u in unitset.units.values() if u.parent is None]
    return top + list(unitset.within(province))


def shown_forms(forms: list[Form], actor: Any, roleset: Any, facts: Any, saved: dict[str, Any]) -> list[Form]:
    """The forms a reader sees: those a role of theirs fills in (the form's `editable_by`) and those
    someone has filled in already; an empty form of another role is not theirs to read yet."""
    mine = {r.id for r in roles_of(actor, roleset) if in_scope(actor, r, facts)}
    return [f for f in forms if mine & set(f.editable_by) or f.id in saved]


def render_dossier(
    dossier_id: int,
    *,
    form_errors: dict[str, dict[str, str]] | None = None,
    typed: dict[str, dict[str, Any]] | None = None,
    upload_error: str | None = None,
    action_error: tuple[str, str, Any] | None = None,
    typed_comment: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    rt = runtime()
    service = rt.service
    actor = g.actor
    d = service.get_dossier(actor, dossier_id)
    pinned = rt.pinned(actor, d)
    workflow: Workflow = pinned.workflow
    all_forms = rt.forms_in(pinned)
    saved_forms = service.form_answers(actor, d.id)
    areas = pinned.units.areas_of(d.commune_code) if pinned.units else {}
    facts = DossierFacts(
        str(d.id), d.state, d.province_code, d.commune_code, d.producer_org, areas_by_level=areas
    )
    forms = shown_forms(all_forms, actor, pinned.roleset, facts, saved_forms)
    saved = {fid: dict(entry["answers"]) for fid, entry in saved_forms.items()}
    typed = typed or {}
    dossier_ns = dossier_namespace(d)
    evidence = service.evidence_list(actor, d.id)
    shown: dict[str, dict[str, Any]] = {}
    visible: dict[str, dict[str, bool]] = {}
    facts_for_prefill = dossier_facts(d)
    unsaved = [f for f in forms if f.id not in saved]
    carried = service.links.carried_over(actor, workflow, d, unsaved) if unsaved else None
    carried_fields: dict[str, set[str]] = {}
    for form in forms:
        # never saved: what the dossier already says (the fields' `prefill`), not typed again, and
        # what the product's last dossier said (`carry_over`), marked so the producer checks it
        before = carried.answers.get(form.id, {}) if carried and form.id not in saved else {}
        fresh = {**before, **prefilled(form, facts_for_prefill)}
        if form.id not in typed and form.id not in saved:
            carried_fields[form.id] = set(before) - set(prefilled(form, facts_for_prefill))
        values = typed.get(form.id, saved.get(form.id) or fresh)
        shown[form.id] = {f.id: shown_value(f, values.get(f.id), current_language()) for f in form.fields()}
        visible[form.id] = visible_fields(
            form, {k: v for k, v in values.items() if v not in (None, "", [])}, dossier_ns
        )
    evidence_by_type: dict[str, list[str]] = {}
    for e in evidence:
        evidence_by_type.setdefault(e["document_type"], []).append(e["filename"])
    perms = rt.permissions(actor)
    may_edit = {f.id: may_edit_form(actor, workflow, pinned.roleset, facts, f) for f in forms}
    editable = {fid for fid, decision in may_edit.items() if decision}
    uploadable = [
        (doc, label)
        for doc, label in _document_types(all_forms)
        if may_upload(actor, workflow, pinned.roleset, facts, doc, all_forms)
    ]
    scoring_form = pinned.scoring_form
    try:
        result = service.council_result(actor, d.id) if scoring_form else None
    except (NotFound, OcopflowError):
        result = None
    if result is not None and not result.totals:
        result = None  # no sheet yet: nothing to show but an empty block
    todo = service.todo(actor, d.id)
    max_mb = current_app.config["MAX_UPLOAD_MB"]
    upload_types = current_app.config["UPLOAD_EXTENSIONS"]
    certificate_url = (
        public_url(d.certificate.number, service.certificate_signing.token(d.certificate))
        if d.certificate
        else ""
    )
    context = {
        "d": d,
        "record_links": service.links.shown(actor, workflow, d),
        "rounds": service.rounds.of_dossier(actor, d.id),
        "workflow": workflow,
        "state": workflow.states.get(d.state),
        "steps": step_bar(workflow, d.step),
        "todo": todo,
        "actions": todo.actions,
        "others": todo.others,
        "primary": todo.primary,
        # the reader decides on the council's result here: it is shown next to the decision
        "score_decides": any(
            (t := workflow.transition(a.id)) is not None and t.requires.scores for a in todo.actions
        ),
        "reason_text": reason_text,
        "missing_link": lambda item: missing_link(d.id, item),
        "form_title": {f.id: tr(f.title) for f in all_forms},
        "uploads_needed": _uploads_needed(forms, todo.items),
        "todo_groups": _by_form(todo.items),
        "forms": forms,
        "form_status": {f.id: _form_status(saved_forms.get(f.id)) for f in forms},
        "editable_forms": editable,
        # a form the reader's role edits, but not in this state: shown read-only with the reason
        "read_only_reason": {
            fid: tr(decision.message)
            for fid, decision in may_edit.items()
            if decision.reason == "form_state" and decision.message
        },
        # open what the reader has to work on: forms they edit that are not complete yet, or just typed
        "open_forms": {
            f.id
            for f in forms
            if f.id in typed or (f.id in editable and _form_status(saved_forms.get(f.id)) != "complete")
        },
        "shown": shown,
        "carried": carried,
        "carried_fields": carried_fields,
        "carried_documents": ", ".join(_document_label(all_forms)(doc) for doc in carried.evidence)
        if carried
        else "",
        "visible": visible,
        "form_errors": form_errors or {},
        "units": dossier_units(pinned.units, rt.units(workflow), d.province_code),
        "last_level": pinned.units.last_level() if pinned.units else None,
        "evidence": evidence,
        "evidence_by_type": evidence_by_type,
        "document_types": uploadable,
        "document_label": _document_label(all_forms),
        "can_upload": bool(uploadable),
        "uploadable_types": {doc for doc, _label in uploadable},
        "upload_error": upload_error,
        "max_upload_mb": max_mb,
        "upload_types": upload_types,
        "accept": ",".join("." + e for e in upload_types),
        "scoring_form": scoring_form,
        "can_score": "score" in perms,
        # the role scores, but maybe not at this step: then the link only shows the sheets
        "scores_now": "score" in perms and bool(service.score_decision(actor, d.id)),
        "can_chair": "chair" in perms,
        "result": result,
        "history": [
            {"event": e, "label": _event_label(workflow, e.action, payload)}
            for e, payload in service.history_details(actor, d.id)
        ],
        "state_label": lambda s: tr(workflow.states[s].label) if s in workflow.states else s,
        "certificate_status": certificate_status,
        "certificate_url": certificate_url,
        "qr_svg": qr_svg(certificate_url) if certificate_url else "",
        "action_error": action_error,
        "who_can": lambda tid: _who_can(rt, workflow, tid),
        "kind_label": kind_label,
        "typed_comment": typed_comment or "",
        "product_set_label": _product_set_label(scoring_form, d.product_set),
    }
    return render_template("dossier.html", **context), status


def _by_form(items: Any) -> list[tuple[str | None, list[Any]]]:
    """The checklist's items under their form (in the order they come), the rest on their own."""
    groups: dict[str | None, list[Any]] = {}
    for m in items:
        groups.setdefault(m.form, []).append(m)
    return list(groups.items())


def _uploads_needed(forms: list[Form], items: Any) -> dict[str, list[Any]]:
    """form id -> the missing items of the checklist that are documents to upload (evidence fields)."""
    evidence = {(f.id, x.id) for f in forms for x in f.fields() if x.type == "evidence"}
    out: dict[str, list[Any]] = {}
    for m in items:
        if (m.form, m.field) in evidence:
            out.setdefault(m.form, []).append(m)
    return out


KIND_TEXTS = {
    "first": _l("Lần đầu"),
    "upgrade": _l("Nâng hạng"),
    "reevaluation": _l("Đánh giá lại"),
}


def kind_label(kind: str) -> str:
    """The dossier kinds of the definition language (`dossier.kind`), in the reader's language."""
    return str(KIND_TEXTS.get(kind, kind))


def _who_can(rt: Any, workflow: Workflow, transition_id: str) -> str:
    t = workflow.transition(transition_id)
    if t is None:
        return ""
    return ", ".join(tr(rt.role_label(r)) for r in t.roles)


def certificate_status(status: str) -> str:
    texts: dict[str, Any] = {
        "valid": _("Còn hiệu lực"),
        "expired": _("Đã hết hạn"),
        "revoked": _("Đã thu hồi"),
        "superseded": _("Đã được thay thế"),
    }
    return str(texts.get(status, status))


def _document_types(forms: list[Form]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for form in forms:
        for f in form.fields():
            if f.type == "evidence" and f.document:
                seen.setdefault(f.document, tr(f.label))
    return sorted(seen.items(), key=lambda kv: kv[1])


def _document_label(forms: list[Form]) -> Any:
    labels = dict(_document_types(forms))
    return lambda doc: labels.get(doc, doc)


def _event_label(workflow: Workflow, action: str, payload: Any) -> str:
    if action == "fire" and isinstance(payload, dict):
        t = workflow.transition(str(payload.get("transition")))
        if t is not None:
            return tr(t.label)
    return str(ACTION_TEXTS.get(action, action))


ACTION_TEXTS = {
    "open": _l("Lập hồ sơ"),
    "score": _l("Chấm điểm"),
    "save_form": _l("Lưu biểu mẫu"),
    "attach_evidence": _l("Tải lên minh chứng"),
    "replace_evidence": _l("Thay tệp minh chứng"),
    "remove_evidence": _l("Gỡ tệp minh chứng"),
    "save_score_sheet": _l("Lưu phiếu chấm điểm"),
    "reopen_sheet": _l("Mở lại phiếu chấm đã nộp"),
}


def _product_set_label(form: ScoringForm | None, code: str) -> str:
    if form is not None:
        for p in form.product_sets:
            if p.code == code:
                return f"{code} — {tr(p.label)}"
    return code
