"""Trace events over the API: `POST /trace/events` takes an EPCIS 2.0 event or EPCISDocument (what
`GET /batches/{id}/epcis` gives), checked against GS1's schema and recorded by the service."""

from __future__ import annotations

from flask import Response, jsonify

from web.api import bp
from web.api.auth import current_actor, json_body
from web.runtime import runtime

# An EPCIS document of the most events the API document allows, each at its bounds, fits (strings
# sent \u-escaped, six or twelve bytes a character, as JSON encoders do by default).
MAX_EPCIS_BODY = 4_000_000


@bp.post("/trace/events")
def post_trace_events() -> tuple[Response, int]:
    """All the posted events are recorded, or none: 422 names each problem by its JSON Pointer."""
    actor = current_actor()
    recorded = runtime().service.trace.import_epcis(actor, json_body(max_body=MAX_EPCIS_BODY))
    items = [{"seq": e.seq, "record_id": e.record_id, "event": e.event_id, "step": e.step,
              "event_time": e.event_time.isoformat() + "Z"} for e in recorded]  # fmt: skip
    return jsonify({"items": items}), 201
