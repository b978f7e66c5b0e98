"""A batch's trace events as a GS1 EPCIS 2.0 EPCISDocument (JSON-LD), pure: no database, no web.

Each event is an ObjectEvent (a TransformationEvent for the `transforming` step) on the batch's
class identifier, a GS1 Digital Link-shaped URI `{base}/01/{product}/10/{lot}` (the product code
stands where a GTIN would; EPCIS 2.0 accepts any URI as `epcClass`). The event's register id and
values travel as the user extension `ocop:event` / `ocop:values`.

Reading (`problems`, `incoming`) is the other way: a document or one event, checked against GS1's
published schema (standards/epcis-2.0, copied unchanged), then read into what the service records;
each problem names its place in the document as a JSON Pointer (RFC 6901).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

import jsonschema

from engine.messages import Message, say

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
    """A content-derived id (the `ni:///sha-256;…` form of the standard's examples). The record time
    is left out: it is when an installation wrote the event down, so the same event imported into
    another installation keeps its id."""
    body = {k: v for k, v in body.items() if k != "recordTime"}
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


# --- reading ---------------------------------------------------------------------------

SCHEMA_FILE = Path(__file__).parent / "standards" / "epcis-2.0" / "EPCIS-JSON-Schema.json"
PROBLEMS_MAX = 20
EVENTS_MAX = 20  # events in one posted document (the API document says so too)
_CLASS_PATH = re.compile(r"/01/([^/]+)/10/([^/]+)/?$")
_STEP_PREFIXES = ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:")


@cache
def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def pointer(path: Iterable[Any]) -> str:
    """A JSON Pointer to a place in the document ('' is the whole)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def problems(doc: Any) -> dict[str, str]:
    """What GS1's schema says is wrong, by JSON Pointer: the deepest places (a wrapper's complaint
    about the event holding a bad member is left out when the member is named), the first few."""
    out: dict[str, str] = {}
    for error in _validator().iter_errors(doc):
        where = pointer(error.absolute_path)
        if where not in out:
            out[where] = error.message[:300]
    deepest = {w: m for w, m in out.items() if not any(o.startswith(w + "/") for o in out)}
    return dict(sorted(deepest.items())[:PROBLEMS_MAX])


class Refused(ValueError):
    """An event the schema accepts but this installation cannot read: `where` is its JSON Pointer."""

    def __init__(self, where: str, message: Message) -> None:
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


@dataclass(frozen=True)
class Incoming:
    """One event read from EPCIS: which batch (product code, lot), which step and values."""

    where: str  # its JSON Pointer in the posted document
    step: str  # the CBV business step, bare (harvesting)
    event: str | None  # `ocop:event`, the register's event id, when the sender names it
    event_time: dt.datetime  # UTC, naive (the service's clock)
    batch: tuple[str, str]
    inputs: tuple[tuple[str, str], ...]
    values: dict[str, Any]
    event_id: str | None  # the sender's `eventID`


def batch_of(uri: str) -> tuple[str, str] | None:
    """(product code, lot) of a class URI `…/01/{product}/10/{lot}`; None for another shape."""
    found = _CLASS_PATH.search(urlsplit(uri).path)
    return (unquote(found.group(1)), unquote(found.group(2))) if found else None


def _step(raw: str) -> str:
    for prefix in _STEP_PREFIXES:
        if raw.startswith(prefix):
            return raw[len(prefix) :]
    return raw


def _classes(event: Mapping[str, Any], key: str, where: str) -> list[tuple[str, str]]:
    out = []
    for i, q in enumerate(event.get(key) or []):
        found = batch_of(str(q.get("epcClass", "")))
        if found is None:
            raise Refused(
                f"{where}/{key}/{i}/epcClass", say("trace.epcis_class", shape="…/01/{product}/10/{lot}")
            )
        out.append(found)
    return out


def events_of(doc: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The events of a document (with their pointers), or the one event posted alone."""
    if doc.get("type") == "EPCISDocument":
        items = (doc.get("epcisBody") or {}).get("eventList") or []
        if len(items) > EVENTS_MAX:
            raise Refused("/epcisBody/eventList", say("trace.epcis_too_many", max=EVENTS_MAX))
        return [(f"/epcisBody/eventList/{i}", e) for i, e in enumerate(items)]
    return [("", doc)]


def incoming(where: str, event: Mapping[str, Any]) -> Incoming:
    """Read one schema-valid event: an ObjectEvent on one batch class, or a TransformationEvent with
    one output class and its inputs; Refused (with the pointer) for any other shape."""
    kind = event.get("type")
    if kind == "ObjectEvent":
        batches, inputs = _classes(event, "quantityList", where), []
        if event.get("epcList"):
            raise Refused(f"{where}/epcList", say("trace.epcis_class", shape="quantityList[].epcClass"))
        key = "quantityList"
    elif kind == "TransformationEvent":
        batches, inputs = (
            _classes(event, "outputQuantityList", where),
            _classes(event, "inputQuantityList", where),
        )
        key = "outputQuantityList"
    else:
        raise Refused(f"{where}/type", say("trace.epcis_type", type=str(kind)[:40]))
    if len(batches) != 1:
        raise Refused(f"{where}/{key}", say("trace.epcis_one_batch", count=len(batches)))
    if not event.get("bizStep"):
        raise Refused(f"{where}/bizStep", say("field.required"))
    values = event.get("ocop:values") or {}
    if not isinstance(values, dict):
        raise Refused(f"{where}/ocop:values", say("trace.epcis_values"))
    name = event.get("ocop:event")
    try:
        moment = dt.datetime.fromisoformat(str(event.get("eventTime")))
    except ValueError:
        raise Refused(f"{where}/eventTime", say("trace.epcis_time")) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return Incoming(where=where, step=_step(str(event["bizStep"])), event=str(name)[:100] if name else None,
                    event_time=moment, batch=batches[0], inputs=tuple(inputs), values=dict(values),
                    event_id=str(event["eventID"]) if event.get("eventID") else None)  # fmt: skip
