"""Dossiers: the list, opening a new one, the dossier page and what is done on it.

Views are thin: parse the request, call the service, render. Every engine
error is mapped in web/errors.py; here only the ones that re-render a page
with the person's input kept (invalid forms, refused actions) are caught.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import Conflict, InvalidForm, PermissionDenied, TransitionNotAllowed
from engine.service.dossiers import KINDS
from web.auth import login_required
from web.formdata import parse_form
from web.i18n import current_language, tr
from web.problems import error_text, field_problems
from web.runtime import runtime
from web.views.dossier_page import kind_label, render_dossier
from web.views.listing import clean_args, filter_choices, service_filters

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    rt = runtime()
    args = clean_args(request.args)
    try:
        page_no = max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        page_no = 1
    per_page = current_app.config["PER_PAGE"]
    page = rt.service.list_dossiers(
        g.actor, filters=service_filters(rt, args), page=page_no, per_page=per_page
    )

    def page_url(n: int) -> str:
        query: dict[str, Any] = {k: v for k, v in args.items() if v}
        return url_for("dossiers.index", page=n, **query)

    return render_template(
        "dossiers.html",
        page=page,
        args=args,
        choices=filter_choices(rt),
        rounds=rt.service.rounds.of_dossiers(list(page.items)),
        page_url=page_url,
        can_open=rt.can_open(g.actor),
    )


def _new_form_choices() -> dict[str, Any]:
    rt = runtime()
    workflows = [wf for wf in rt.catalog.workflows.values() if wf.in_effect_on(rt.service.now().date())]
    # The product sets of the regimes a new dossier can be filed under, grouped by workflow: a code
    # such as "01" names a different set in each regime, so one flat list showed "01" twice.
    groups = []
    for wf in workflows:
        sets = {
            (p.code, f"{p.code} — {tr(p.label)}")
            for form in rt.catalog.scoring_forms.values()
            if form.regime == wf.scoring_regime
            for p in form.product_sets
        }
        if sets:
            groups.append((tr(wf.title), sorted(sets)))
    # A dossier lies in a unit of the last level its units file declares.
    unitsets = list(rt.catalog.units.values())
    communes = [u for us in unitsets for u in us.units.values() if u.level == us.last_level()]
    area = g.actor.area
    if area:
        # an actor bound to an area files within it: that unit itself or the units inside it
        inside = {area} | {u.code for us in unitsets if area in us.units for u in us.within(area)}
        communes = [u for u in communes if u.code in inside] or communes
    links: dict[str, Any] = {}
    for wf in workflows:  # the records each link offers; a name shared by two regimes is offered once
        for choice in rt.service.links.choices(g.actor, wf):
            links.setdefault(choice.name, choice)
    return {
        "link_choices": list(links.values()),
        "kinds": [(kind, kind_label(kind)) for kind in KINDS],
        "product_set_groups": groups,
        "communes": sorted(communes, key=lambda u: (u.parent or "", u.name)),
        "workflows": workflows,
    }


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    rt = runtime()
    values = {
        k: request.form.get(k, "").strip()
        for k in ("product_name", "product_set", "producer_org", "commune_code", "kind", "renews_certificate")
    }
    chosen = {
        k.removeprefix("link_"): v.strip()[:40]
        for k, v in list(request.form.items())[:100]
        if k.startswith("link_") and v.strip()
    }
    if not values["producer_org"] and g.actor.organisation:
        values["producer_org"] = g.actor.organisation
    errors: dict[str, str] = {}
    if request.method == "POST":
        for name in ("product_name", "product_set", "producer_org", "commune_code"):
            if not values[name]:
                errors[name] = _("Cần điền mục này.")
        if not errors:
            try:
                dossier = rt.service.open_dossier(
                    g.actor,
                    product_name=values["product_name"],
                    product_set=values["product_set"],
                    producer_org=values["producer_org"],
                    commune_code=values["commune_code"],
                    workflow_id=request.form.get("workflow_id") or None,
                    kind=values["kind"] or "first",
                    renews_certificate=values["renews_certificate"][:100] or None,
                    links=chosen,
                )
            except InvalidForm as exc:
                errors.update(field_problems(exc.problems))
                errors.setdefault("_", error_text(exc))
            except PermissionDenied as exc:
                errors["_"] = error_text(exc)
            else:
                flash(_("Đã lập hồ sơ #%(id)d.", id=dossier.id), "success")
                return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
    status = 422 if errors else 200
    return render_template(
        "dossier_new.html", values=values, chosen=chosen, errors=errors, **_new_form_choices()
    ), status


@bp.get("/<int:dossier_id>")
@login_required
def detail(dossier_id: int) -> ResponseReturnValue:
    return render_dossier(dossier_id)


@bp.post("/<int:dossier_id>/forms/<form_id>")
@login_required
def save_form(dossier_id: int, form_id: str) -> ResponseReturnValue:
    rt = runtime()
    dossier = rt.service.get_dossier(g.actor, dossier_id)  # 404 before anything else
    form = rt.pinned(g.actor, dossier).forms.get(form_id)
    if form is None:
        abort(404)
    locale = current_language()
    answers = parse_form(form, request.form, locale)
    expected = _int_or_none(request.form.get("version"))
    try:
        rt.service.save_form(g.actor, dossier.id, form_id, answers, expected_version=expected, locale=locale)
    except InvalidForm as exc:
        flash(_("Chưa lưu: hãy sửa các mục được đánh dấu bên dưới."), "error")
        return render_dossier(
            dossier_id,
            form_errors={form_id: field_problems(exc.problems)},
            typed={form_id: answers},
            status=422,
        )
    except Conflict:
        flash(
            _(
                "Hồ sơ vừa được người khác thay đổi. Nội dung bạn nhập vẫn còn bên dưới; hãy kiểm tra rồi lưu lại."
            ),
            "error",
        )
        return render_dossier(dossier_id, typed={form_id: answers}, status=409)
    except PermissionDenied as exc:
        flash(error_text(exc), "error")
        return render_dossier(dossier_id, typed={form_id: answers}, status=403)
    flash(_("Đã lưu %(form)s.", form=tr(form.title)), "success")
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id, _anchor=f"form-{form_id}"))


@bp.post("/<int:dossier_id>/forms/<form_id>/visibility")
@login_required
def visibility(dossier_id: int, form_id: str) -> ResponseReturnValue:
    """Which fields of the form show, given what has been typed so far (forms.js asks on each change)."""
    rt = runtime()
    dossier = rt.service.get_dossier(g.actor, dossier_id)
    form = rt.pinned(g.actor, dossier).forms.get(form_id)
    if form is None:
        abort(404)
    answers = {
        k: v for k, v in parse_form(form, request.form, current_language()).items() if v not in (None, "", [])
    }
    preview = rt.service.preview_form(g.actor, dossier.id, form_id, answers)
    fields = {f.id: f for f in form.fields()}
    uploads = [
        {"field": m.field, "label": tr(m.label), "anchor": f"field-{form_id}-{m.field}"}
        for m in preview.missing
        if m.field in fields and fields[m.field].type == "evidence"
    ]
    return jsonify(visible=preview.visible, uploads=uploads)


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@bp.post("/<int:dossier_id>/evidence")
@login_required
def upload_evidence(dossier_id: int) -> ResponseReturnValue:
    rt = runtime()
    dossier = rt.service.get_dossier(g.actor, dossier_id)
    document_type = request.form.get("document_type", "").strip()
    upload = request.files.get("file")
    problem = str(_("Hãy chọn loại giấy tờ.")) if not document_type else _upload_problem(upload)
    if problem is None:
        assert upload is not None and upload.filename  # _upload_problem refused a missing file
        data = upload.read()
        try:
            rt.service.attach_evidence(g.actor, dossier.id, document_type, upload.filename, data)
        except InvalidForm as exc:
            problem = "; ".join(field_problems(exc.problems).values()) or error_text(exc)
        except PermissionDenied as exc:
            problem = error_text(exc)
    if problem:
        flash(problem, "error")
        return render_dossier(dossier_id, upload_error=problem, status=422)
    flash(_("Đã tải lên %(name)s.", name=upload.filename if upload else ""), "success")
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id, _anchor="evidence"))


def _upload_problem(upload: Any) -> str | None:
    """The page's own checks of an uploaded file (the service checks type and size again)."""
    if upload is None or not upload.filename:
        return str(_("Hãy chọn tệp cần tải lên."))
    ext = PurePath(upload.filename).suffix.lower().lstrip(".")
    allowed = current_app.config["UPLOAD_EXTENSIONS"]
    if ext not in allowed:
        return str(
            _(
                "Không nhận tệp .%(ext)s. Loại tệp được nhận: %(allowed)s.",
                ext=ext or "?",
                allowed=", ".join(allowed),
            )
        )
    return None


@bp.post("/<int:dossier_id>/evidence/<int:evidence_id>/replace")
@login_required
def replace_evidence(dossier_id: int, evidence_id: int) -> ResponseReturnValue:
    rt = runtime()
    dossier = rt.service.get_dossier(g.actor, dossier_id)
    upload = request.files.get("file")
    problem = _upload_problem(upload)
    if problem is None:
        assert upload is not None and upload.filename
        try:
            rt.service.replace_evidence(g.actor, dossier.id, evidence_id, upload.filename, upload.read())
        except InvalidForm as exc:
            problem = "; ".join(field_problems(exc.problems).values()) or error_text(exc)
        except PermissionDenied as exc:
            problem = error_text(exc)
    if problem:
        flash(problem, "error")
        return render_dossier(dossier_id, upload_error=problem, status=422)
    flash(_("Đã thay tệp bằng %(name)s.", name=upload.filename if upload else ""), "success")
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id, _anchor="evidence"))


@bp.post("/<int:dossier_id>/evidence/<int:evidence_id>/remove")
@login_required
def remove_evidence(dossier_id: int, evidence_id: int) -> ResponseReturnValue:
    rt = runtime()
    dossier = rt.service.get_dossier(g.actor, dossier_id)
    try:
        record = rt.service.remove_evidence(g.actor, dossier.id, evidence_id)
    except PermissionDenied as exc:
        flash(error_text(exc), "error")
        return render_dossier(dossier_id, upload_error=error_text(exc), status=403)
    flash(_("Đã gỡ tệp %(name)s khỏi hồ sơ.", name=record["filename"]), "success")
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id, _anchor="evidence"))


@bp.get("/<int:dossier_id>/evidence/<int:evidence_id>")
@login_required
def download_evidence(dossier_id: int, evidence_id: int) -> ResponseReturnValue:
    """An attached file, to those who may see the dossier; always a download, never rendered inline."""
    rt = runtime()
    dossier = rt.service.get_dossier(g.actor, dossier_id)
    record = next((e for e in rt.service.evidence_list(g.actor, dossier.id) if e["id"] == evidence_id), None)
    if record is None:
        abort(404)
    path = rt.service.evidence_path(record["sha256"])
    return send_file(path, mimetype=record["mime"], as_attachment=True, download_name=record["filename"])


def _confirm_page(
    dossier: Any, transition: Any, *, comment: str | None = None, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    """The page that asks before an irreversible step, saying what it does (GOV.UK: confirm, then act)."""
    rt = runtime()
    workflow = rt.pinned(g.actor, dossier).workflow
    target = workflow.states.get(transition.target)
    return render_template(
        "dossier_confirm.html",
        d=dossier,
        t=transition,
        target=target,
        ends=workflow.is_terminal(transition.target),
        comment=comment or "",
        error=error,
    ), status


@bp.get("/<int:dossier_id>/actions/<transition_id>/confirm")
@login_required
def confirm(dossier_id: int, transition_id: str) -> ResponseReturnValue:
    rt = runtime()
    dossier = rt.service.get_dossier(g.actor, dossier_id)
    transition = rt.pinned(g.actor, dossier).workflow.transition(transition_id)
    mine = {a.id for a in rt.service.todo(g.actor, dossier.id).actions if a.allowed}
    if transition is None or transition_id not in mine:
        abort(404)  # only a step the reader can take now is confirmed
    return _confirm_page(dossier, transition)


@bp.post("/<int:dossier_id>/actions/<transition_id>")
@login_required
def fire(dossier_id: int, transition_id: str) -> ResponseReturnValue:
    rt = runtime()
    dossier = rt.service.get_dossier(g.actor, dossier_id)
    comment = request.form.get("comment", "").strip() or None  # its length is the service's to refuse
    expected = _int_or_none(request.form.get("version"))
    transition = rt.pinned(g.actor, dossier).workflow.transition(transition_id)
    destructive = transition is not None and transition.kind == "destructive"
    if destructive and request.form.get("confirmed") != "yes":
        # Never fired from the dossier page directly: the confirmation page says what it does first.
        return redirect(url_for("dossiers.confirm", dossier_id=dossier_id, transition_id=transition_id))
    try:
        after = rt.service.fire(
            g.actor, dossier.id, transition_id, comment=comment, expected_version=expected
        )
    except (PermissionDenied, TransitionNotAllowed) as exc:
        message = error_text(exc)
        status = 403 if isinstance(exc, PermissionDenied) else 422
        if destructive and exc.reason == "comment":
            return _confirm_page(dossier, transition, comment=comment, error=message, status=status)
        flash(message, "error")
        missing = exc.details.get("missing", [])
        return render_dossier(
            dossier_id, action_error=(transition_id, message, missing), typed_comment=comment, status=status
        )
    except Conflict:
        flash(_("Hồ sơ vừa được người khác thay đổi; hãy xem lại trước khi thao tác."), "error")
        return redirect(url_for("dossiers.detail", dossier_id=dossier_id))
    flash(_("Đã thực hiện. Trạng thái mới: %(state)s.", state=tr(after.state_label)), "success")
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id))
