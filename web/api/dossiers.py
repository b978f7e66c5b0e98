"""Dossier routes: list, open, read (with the caller's actions), forms, transitions, scores, history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, current_app, jsonify, request

from web.api import bp
from web.api.auth import current_actor, field, json_body
from web.api.errors import ApiError
from web.api.serialize import action, council, plain
from web.api.spec import query_max_lengths
from web.runtime import runtime

INT_FILTERS = {"year": (1, 9998)}
STR_FILTERS = ("state", "workflow_id", "product_set", "province_code", "commune_code", "kind", "q")
MAX_ID = 2**63 - 1


def dossier_id_of(raw: str) -> int:
    """Dossier ids are positive integers; anything else is simply not found."""
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise ApiError(404, f"Dossier {raw!r} not found.", code="not_found")
    return int(raw)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default  # present but empty is not an integer: refused below, as the document says
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"Query parameter '{name}' must be an integer.", parameter=name) from None
    if not low <= value <= high:
        raise ApiError(400, f"Query parameter '{name}' must be between {low} and {high}.", parameter=name)
    return value


def _filters() -> dict[str, Any]:
    filters: dict[str, Any] = {}
    limits = query_max_lengths("/dossiers", "get")
    for name in STR_FILTERS:
        value = request.args.get(name, "").strip()
        if len(value) > limits[name]:
            raise ApiError(
                400, f"Query parameter '{name}' is longer than {limits[name]} characters.", parameter=name
            )
        if value:
            filters[name] = value
    for name, (low, high) in INT_FILTERS.items():
        if name in request.args:
            filters[name] = _int_arg(name, 0, low, high)
    catalog = runtime().catalog
    if "stars" in request.args:  # the star counts the installed scoring forms give, not a fixed 1–5
        filters["stars"] = _one_of("stars", catalog.star_levels())
    if "step" in request.args:  # the cycle steps the installed workflows declare
        filters["state"] = _states_of_step(_one_of("step", catalog.cycle_steps()), filters.get("state"))
    return filters


def _one_of(name: str, allowed: list[int]) -> int:
    value = _int_arg(name, 0, -(2**63), 2**63 - 1)
    if value not in allowed:
        shown = ", ".join(map(str, allowed))
        raise ApiError(400, f"Query parameter '{name}' must be one of {shown}.", parameter=name)
    return value


def _states_of_step(step: int, state: str | None) -> list[str]:
    """A cycle step is the set of states that belong to it, in any installed workflow."""
    states = {
        s.id
        for wf in runtime().catalog.workflows.values()
        for s in wf.leaves()
        if s.step == step and (state is None or s.id == state)
    }
    return sorted(states)


def detail(actor: Any, snapshot: Any, actions: list[Any] | None = None) -> dict[str, Any]:
    """The dossier and the caller's actions (`actions` when the caller already has them)."""
    data: dict[str, Any] = plain(snapshot)
    if actions is None:
        actions = runtime().service.available_actions(actor, snapshot.id)
    data["actions"] = [action(a) for a in actions]
    return data


@bp.get("/dossiers")
def list_dossiers() -> Response:
    actor = current_actor()
    page = _int_arg("page", 1, 1, 100_000)
    per_page = _int_arg("per_page", 50, 1, 200)
    result = runtime().service.list_dossiers(actor, filters=_filters(), page=page, per_page=per_page)
    return jsonify(
        {
            "items": [plain(d) for d in result.items],
            "page": page,
            "per_page": per_page,
            "total": getattr(result, "total", None),
        }
    )


@bp.post("/dossiers")
def open_dossier() -> tuple[Response, int]:
    actor = current_actor()
    data = json_body()
    filed_on = field(data, "filed_on", str)
    if filed_on is not None:
        try:
            filed_on = dt.date.fromisoformat(filed_on)
        except ValueError:
            raise ApiError(
                422,
                "'filed_on' must be a date (YYYY-MM-DD).",
                code="invalid_request",
                problems={"filed_on": "expected YYYY-MM-DD"},
            ) from None
    snapshot = runtime().service.open_dossier(
        actor,
        product_name=field(data, "product_name", str, required=True),
        product_set=field(data, "product_set", str, required=True),
        producer_org=field(data, "producer_org", str, required=True),
        commune_code=field(data, "commune_code", str, required=True),
        kind=field(data, "kind", str) or "first",
        filed_on=filed_on,
        workflow_id=field(data, "workflow_id", str),
        backdate_reason=field(data, "backdate_reason", str),
        renews_certificate=field(data, "renews_certificate", str),
        links=_links(data),
    )
    return jsonify(detail(actor, snapshot)), 201


def _links(data: dict[str, Any]) -> dict[str, str] | None:
    """`links`: name -> record id (a number or its digits); the service checks names and records."""
    links = field(data, "links", dict)
    if isinstance(links, dict):  # JSON's 5.0 is the integer 5 (JSON Schema says so too)
        links = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in links.items()}
    if links is None:
        return None
    if len(links) > 20 or not all(
        isinstance(v, (int, str)) and not isinstance(v, bool) and len(str(v)) <= 18 for v in links.values()
    ):
        raise ApiError(
            422,
            "'links' maps a link name to a record id (at most 20).",
            code="invalid_request",
            problems={"links": "expected {name: record id}"},
        )
    return {str(k)[:100]: str(v) for k, v in links.items()}


@bp.get("/dossiers/<dossier_id>")
def get_dossier(dossier_id: str) -> Response:
    actor = current_actor()
    snapshot = runtime().service.get_dossier(actor, dossier_id_of(dossier_id))
    return jsonify(detail(actor, snapshot))


@bp.get("/dossiers/<dossier_id>/forms")
def form_answers(dossier_id: str) -> Response:
    actor = current_actor()
    saved = runtime().service.form_answers(actor, dossier_id_of(dossier_id))
    return jsonify({"forms": plain(saved)})


@bp.put("/dossiers/<dossier_id>/forms/<form_id>")
def save_form(dossier_id: str, form_id: str) -> Response:
    actor = current_actor()
    ident = dossier_id_of(dossier_id)
    data = json_body()
    answers = field(data, "answers", dict, required=True)
    service = runtime().service
    service.save_form(actor, ident, form_id, answers, expected_version=field(data, "expected_version", int))
    return jsonify(detail(actor, service.get_dossier(actor, ident)))


@bp.post("/dossiers/<dossier_id>/transitions/<transition_id>")
def fire(dossier_id: str, transition_id: str) -> Response:
    actor = current_actor()
    ident = dossier_id_of(dossier_id)
    data = json_body(required=False)
    service = runtime().service
    snapshot, actions = service.fire_and_actions(
        actor,
        ident,
        transition_id,
        comment=field(data, "comment", str),
        expected_version=field(data, "expected_version", int),
    )
    return jsonify(detail(actor, snapshot, actions))


@bp.put("/dossiers/<dossier_id>/scores/me")
def save_my_sheet(dossier_id: str) -> Response:
    actor = current_actor()
    ident = dossier_id_of(dossier_id)
    data = json_body()
    answers = field(data, "answers", dict, required=True)
    bad = sorted(str(k) for k, v in answers.items() if not isinstance(v, str))
    if bad:
        raise ApiError(
            422,
            "Each answer is an option id (a string).",
            code="invalid_form",
            problems={k: "expected an option id" for k in bad},
        )
    flags = field(data, "flags", list) or []
    if not all(isinstance(f, str) for f in flags):
        raise ApiError(
            422, "'flags' must be a list of strings.", code="invalid_request", problems={"flags": "strings"}
        )
    final = field(data, "final", bool) or False
    result = runtime().service.save_score_sheet(actor, ident, answers, frozenset(flags), final=final)
    return jsonify(plain(result) if result is not None else {"saved": True})


@bp.get("/dossiers/<dossier_id>/evidence")
def evidence(dossier_id: str) -> Response:
    actor = current_actor()
    return jsonify({"evidence": plain(runtime().service.evidence_list(actor, dossier_id_of(dossier_id)))})


@bp.post("/dossiers/<dossier_id>/evidence/<document_type>")
def attach_evidence(dossier_id: str, document_type: str) -> tuple[Response, int]:
    """One file as multipart/form-data field `file`; size and type are checked by the service."""
    actor = current_actor()
    ident = dossier_id_of(dossier_id)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length and request.content_length > limit:
        raise ApiError(413, f"The upload is larger than {limit // (1024 * 1024)} MB.", limit=limit)
    if not request.mimetype.startswith("multipart/form-data"):
        raise ApiError(415, "Send the file as multipart/form-data in the field 'file'.")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(
            422,
            "The field 'file' with a file name is required.",
            code="invalid_form",
            problems={"file": "required"},
        )
    if "\x00" in upload.filename:
        raise ApiError(400, "The file name may not contain NUL characters.")
    record = runtime().service.attach_evidence(actor, ident, document_type, upload.filename, upload.read())
    return jsonify(plain(record)), 201


@bp.get("/dossiers/<dossier_id>/council")
def council_result(dossier_id: str) -> Response:
    actor = current_actor()
    return jsonify(council(runtime().service.council_result(actor, dossier_id_of(dossier_id))))


@bp.get("/dossiers/<dossier_id>/history")
def history(dossier_id: str) -> Response:
    actor = current_actor()
    events = runtime().service.history(actor, dossier_id_of(dossier_id))
    return jsonify({"events": [plain(e) for e in events]})
