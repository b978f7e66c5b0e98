"""A batch's trace events, for its producer (and an officer in scope, who may read them): the batch's
page of events, a page to choose which event to record, and one page for that event's details.

What may be recorded, by whom and in which order is the service's answer (`service.trace.batch`,
`check_event`, `record_event`) read from the register's `trace:` block; the fields of each event
are the YAML's. The time is typed as day, month, year and hours:minutes in the installation's zone
(TIMEZONE); numbers the reader's way ("1.200,5"). A refused post shows every problem at once, in a
summary at the top and beside its field, with everything typed kept; a recorded one redirects
(so the back button never records it twice).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.definitions.model import RegisterField, TraceStep
from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied
from engine.service.trace import BatchTrace
from web.auth import login_required
from web.formdata import parse_field, shown_value
from web.i18n import current_language, tr
from web.problems import error_text, field_problems
from web.runtime import runtime
from web.views.registers import MAX_ID, _ref_choices
from web.views.trace import local, zone

bp = Blueprint("trace_events", __name__, url_prefix="/registers")
FORM = "e"  # the HTML names of an event's fields: f.e.<field>
WHEN = ("day", "month", "year", "time")  # the inputs of the event's time


def _batch(register_id: str, record_id: str) -> BatchTrace:
    if not record_id.isascii() or not record_id.isdigit() or not 0 < int(record_id) <= MAX_ID:
        abort(404)
    reg = runtime().catalog.registers.get(register_id)
    if reg is None or not reg.trace or not runtime().service.may(g.actor, register_id, "view"):
        abort(404)
    try:
        return runtime().service.trace.batch(g.actor, register_id, int(record_id))
    except NotFound:
        abort(404)


@bp.get("/<register_id>/<record_id>/trace")
@login_required
def events(register_id: str, record_id: str) -> ResponseReturnValue:
    """The batch's events, newest last, and the choice of the next one (one question: which)."""
    b = _batch(register_id, record_id)
    chosen = request.args.get("event", "")[:100]
    error = ""
    if "event" in request.args:
        choice = next((c for c in b.choices if c.step.id == chosen), None)
        if choice is not None and choice.problem is None:
            return redirect(
                url_for(".record", register_id=register_id, record_id=b.record_id, event_id=chosen)
            )
        error = (
            tr(choice.problem) if choice is not None and choice.problem else _("Chọn loại sự kiện cần ghi.")
        )
    return render_template(
        "trace/events.html", b=b, local=local, shown=_shown, chosen=chosen, error=error,
        may_record=any(c.problem is None for c in b.choices),
    ), (422 if error else 200)  # fmt: skip


@bp.route("/<register_id>/<record_id>/trace/<event_id>", methods=["GET", "POST"])
@login_required
def record(register_id: str, record_id: str, event_id: str) -> ResponseReturnValue:
    b = _batch(register_id, record_id)
    choice = next((c for c in b.choices if c.step.id == event_id), None)
    if choice is None:
        abort(404)
    step = choice.step
    if request.method == "GET":
        now = local(runtime().service.now())
        typed = {
            "day": str(now.day),
            "month": str(now.month),
            "year": str(now.year),
            "time": now.strftime("%H:%M"),
        }
        return _form(b, step, typed, {}, {}, (choice.problem and tr(choice.problem)) or "", 200)
    typed = {k: request.form.get(f"when.{k}", "").strip()[:10] for k in WHEN}
    values = _parse(step, request.form)
    errors: dict[str, str] = {}
    at = _when(typed, errors)
    service = runtime().service
    try:
        if errors:  # the time could not be read: name every other problem too, writing nothing
            service.trace.check_event(g.actor, register_id, b.record_id, step.id, values)
        else:
            service.trace.record_event(g.actor, register_id, b.record_id, step.id, values, at=at)
    except (InvalidForm, NotFound, PermissionDenied, Conflict) as exc:
        problems = exc.problems if isinstance(exc, InvalidForm) else exc.details.get("problems") or {}
        errors = {**field_problems(problems), **errors}
        if "event_time" in errors:
            errors["when"] = errors.pop("event_time")
        if not problems or set(errors) - {"when", *(f.id for f in step.fields)}:
            errors["_"] = error_text(exc)
    if errors:
        return _form(b, step, typed, values, errors, "", 422)
    flash(_("Đã ghi sự kiện «%(event)s».", event=tr(step.label)), "success")
    return redirect(url_for(".events", register_id=register_id, record_id=b.record_id))


def _when(typed: dict[str, str], errors: dict[str, str]) -> dt.datetime | None:
    """The typed day, month, year and HH:MM as an aware time in the installation's zone."""
    try:
        return runtime().service.trace.typed_time(
            typed["day"], typed["month"], typed["year"], typed["time"], zone()
        )
    except InvalidForm as exc:
        errors["when"] = tr(exc.problems["event_time"])
        return None


def _parse(step: TraceStep, data: MultiDict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in step.fields:
        if f.type == "ref":
            picked = [v.strip() for v in data.getlist(f"f.{FORM}.{f.id}") if v.strip()]
            values[f.id] = picked[0] if picked else None
        elif f.type not in ("geometry", "table"):
            values[f.id] = parse_field(f, data, FORM, current_language())
    return values


def _form(b: BatchTrace, step: TraceStep, typed: dict[str, str], values: dict[str, Any],
          errors: dict[str, str], refused: str, status: int) -> ResponseReturnValue:  # fmt: skip
    locale = current_language()
    shown = {f.id: [str(values[f.id])] if f.type == "ref" and values.get(f.id) is not None
             else [] if f.type == "ref" else shown_value(f, values.get(f.id), locale) for f in step.fields}  # fmt: skip
    refs = {f.id: _ref_choices(f) for f in step.fields if f.type == "ref"}
    order = ["when", *(f.id for f in step.fields)]
    summary = [(key, errors[key]) for key in order if key in errors]
    body = render_template(
        "trace/record.html", b=b, step=step, typed=typed, shown=shown, errors=errors, refs=refs,
        summary=summary, refused=refused, units=[],
    )  # fmt: skip
    return body, status


def _shown(b: BatchTrace, step_id: str, f_id: str, value: Any) -> str:
    """An event's value as its page shows it (choice labels, the title of a referenced record)."""
    step = b.register.trace_step(step_id)
    f: RegisterField | None = next((x for x in step.fields if x.id == f_id), None) if step else None
    if f is None:
        return str(value)
    if f.type == "choice":
        return next((tr(o.label) for o in f.options if o.value == value), str(value))
    if f.type == "ref":
        titles = dict(_ref_choices(f) or [])
        return titles.get(str(value), f"#{value}")
    if f.type == "number":
        from web.i18n import number_text

        return number_text(value)
    return str(value)
