"""A batch's trace events as a GS1 EPCIS 2.0 EPCISDocument (JSON-LD), pure: no database, no web.

Each event is an ObjectEvent (a TransformationEvent for the `transforming` step) on the batch's
class identifier, a GS1 Digital Link-shaped URI `{base}/01/{product}/10/{lot}` (the product code
stands where a GTIN would; EPCIS 2.0 accepts any URI as `epcClass`). The event's register id and
values travel as the user extension `ocop:event` / `ocop:values`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import quote

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
NAMESPACE = "https://ocopflow.example/ns/trace#"
FIRST_STEPS = frozenset({"commissioning", "harvesting"})  # the events that bring a batch into being


class Event(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def record_id(self) -> int: ...
    @property
    def event_id(self) -> str: ...
    @property
    def step(self) -> str: ...
    @property
    def event_time(self) -> dt.datetime: ...
    @property
    def recorded_at(self) -> dt.datetime: ...
    @property
    def values(self) -> dict[str, Any]: ...
    @property
    def inputs(self) -> tuple[int, ...]: ...


def class_uri(base: str, product_code: str, lot: str) -> str:
    """`{base}/01/{product}/10/{lot}`, each part percent-encoded as GS1 Digital Link asks."""
    return f"{base.rstrip('/')}/01/{quote(product_code, safe='')}/10/{quote(lot, safe='')}"


def _time(moment: dt.datetime) -> str:
    """ISO 8601 with its offset; a naive time is UTC (the service's clock)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.isoformat()


def _offset(moment: dt.datetime) -> str:
    delta = moment.utcoffset() if moment.tzinfo else dt.timedelta(0)
    minutes = int((delta or dt.timedelta(0)).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _event_id(body: Mapping[str, Any]) -> str:
    """A content-derived id (the `ni:///sha-256;…` form of the standard's examples)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"ni:///sha-256;{hashlib.sha256(text.encode()).hexdigest()}?ver=CBV2.0"


def document(
    events: Iterable[Event],
    *,
    class_of: Callable[[int], str],
    document_id: str,
    created: dt.datetime,
) -> dict[str, Any]:
    """The EPCISDocument of these events; `class_of(record_id)` gives each batch's class URI."""
    out = []
    for e in events:
        body: dict[str, Any] = {
            "eventTime": _time(e.event_time),
            "eventTimeZoneOffset": _offset(e.event_time),
            "recordTime": _time(e.recorded_at),
            "bizStep": e.step,
            "ocop:event": e.event_id,
            "ocop:values": dict(e.values),
        }
        if e.step == "transforming":
            body |= {
                "type": "TransformationEvent",
                "inputQuantityList": [{"epcClass": class_of(i)} for i in e.inputs],
                "outputQuantityList": [{"epcClass": class_of(e.record_id)}],
            }
        else:
            body |= {
                "type": "ObjectEvent",
                "action": "ADD" if e.step in FIRST_STEPS else "OBSERVE",
                "quantityList": [{"epcClass": class_of(e.record_id)}],
            }
        out.append({"eventID": _event_id(body), **body})
    return {
        "@context": [CONTEXT, {"ocop": NAMESPACE}],
        "id": document_id,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(created),
        "epcisBody": {"eventList": out},
    }
