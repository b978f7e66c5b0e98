"""engine/epcis.py: a batch's history as an EPCIS 2.0 document that GS1's published JSON Schema
accepts (tests/fixtures/epcis-2.0, copied with its README)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from engine import epcis
from engine.service.trace import TraceEvent

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "epcis-2.0"
SCHEMA = json.loads((HERE / "EPCIS-JSON-Schema.json").read_text("utf-8"))
BASE = "https://ocop.example.vn/t"


def validate(doc: object) -> None:
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)


@pytest.mark.parametrize(
    "example", ["Example_9.6.1-ObjectEvent.jsonld", "Example_9.6.4-TransformationEvent.jsonld"]
)
def test_the_standard_examples_pass_the_schema(example: str) -> None:
    validate(json.loads((HERE / example).read_text("utf-8")))


def events() -> list[TraceEvent]:
    t = dt.datetime(2026, 6, 1, 8, 0)
    return [
        TraceEvent(1, 10, "harvesting", "harvesting", t, t, "htx1", {"growing_area": 3, "quantity_kg": 500}),
        TraceEvent(2, 11, "receiving", "receiving", t, t, "htx1", {"growing_area": 3}),
        TraceEvent(
            3, 12, "transforming", "transforming", t.replace(day=2), t, "htx1", {"note": "gộp"}, (10, 11)
        ),
        TraceEvent(4, 12, "shipping", "shipping", t.replace(day=3), t, "htx1", {"packages": 10}),
    ]


def test_a_history_exports_as_an_epcis_document_the_schema_accepts() -> None:
    lots = {10: "L-A", 11: "L-B", 12: "L-AB"}
    doc = epcis.document(
        events(), class_of=lambda rid: epcis.class_uri(BASE, "SP-80-25708-001", lots[rid]),
        document_id="https://ocop.example.vn/api/v1/batches/12/epcis", created=dt.datetime(2026, 6, 4, 9, 0),
    )  # fmt: skip
    validate(doc)
    kinds = [(e["type"], e["bizStep"], e.get("action")) for e in doc["epcisBody"]["eventList"]]
    assert kinds == [("ObjectEvent", "harvesting", "ADD"), ("ObjectEvent", "receiving", "OBSERVE"),
                     ("TransformationEvent", "transforming", None), ("ObjectEvent", "shipping", "OBSERVE")]  # fmt: skip
    merge = doc["epcisBody"]["eventList"][2]
    assert [q["epcClass"] for q in merge["inputQuantityList"]] == [
        f"{BASE}/01/SP-80-25708-001/10/L-A",
        f"{BASE}/01/SP-80-25708-001/10/L-B",
    ]
    assert merge["ocop:values"] == {"note": "gộp"}
    assert doc["epcisBody"]["eventList"][0]["eventTime"] == "2026-06-01T08:00:00+00:00"


def test_a_document_missing_what_the_schema_needs_is_refused() -> None:
    doc = epcis.document(events(), class_of=lambda rid: f"{BASE}/01/X/10/{rid}", document_id="urn:x:1",
                         created=dt.datetime(2026, 6, 4))  # fmt: skip
    del doc["epcisBody"]["eventList"][0]["eventTime"]
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)
