"""engine/epcis.py: a batch's history as an EPCIS 2.0 document that GS1's published JSON Schema
accepts (tests/fixtures/epcis-2.0, copied with its README)."""

from __future__ import annotations

import dataclasses
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


def test_the_shipped_schema_is_the_tests_copy_of_gs1s() -> None:
    assert epcis.SCHEMA_FILE.read_bytes() == (HERE / "EPCIS-JSON-Schema.json").read_bytes()


def test_the_standards_examples_read_as_far_as_a_batch_class_allows() -> None:
    doc = json.loads((HERE / "Example_9.6.1-ObjectEvent.jsonld").read_text("utf-8"))
    assert epcis.problems(doc) == {}
    first = epcis.events_of(doc)[0]
    with pytest.raises(epcis.Refused) as refused:  # GS1's example names serials (epcList), not a batch class
        epcis.incoming(*first)
    assert refused.value.where.startswith("/epcisBody/eventList/0/")


def test_an_export_reads_back_into_the_same_events() -> None:
    doc = epcis.document(events(), class_of=lambda rid: epcis.class_uri(BASE, "SP-1", f"L{rid}"),
                         document_id="urn:x", created=dt.datetime(2026, 6, 4))  # fmt: skip
    read = [epcis.incoming(where, e) for where, e in epcis.events_of(doc)]
    assert [(i.step, i.event, i.batch, i.inputs) for i in read] == [
        ("harvesting", "harvesting", ("SP-1", "L10"), ()),
        ("receiving", "receiving", ("SP-1", "L11"), ()),
        ("transforming", "transforming", ("SP-1", "L12"), (("SP-1", "L10"), ("SP-1", "L11"))),
        ("shipping", "shipping", ("SP-1", "L12"), ()),
    ]
    assert read[0].values == {"growing_area": 3, "quantity_kg": 500}
    assert read[0].event_time == dt.datetime(2026, 6, 1, 8, 0)


def test_the_event_id_does_not_depend_on_when_it_was_written_down() -> None:
    one, two = events()[0], events()[0]
    two = dataclasses.replace(two, recorded_at=dt.datetime(2027, 1, 1))
    ids = [epcis.document([e], class_of=str, document_id="urn:x", created=dt.datetime(2026, 6, 4))
           ["epcisBody"]["eventList"][0]["eventID"] for e in (one, two)]  # fmt: skip
    assert ids[0] == ids[1]


@pytest.mark.parametrize(
    ("uri", "batch"),
    [
        ("https://ocop.example.vn/01/SP-80-25708-001/10/MC-2611", ("SP-80-25708-001", "MC-2611")),
        ("https://x.example/t/01/SP%201/10/L%2F7", ("SP 1", "L/7")),
        ("https://x.example/10/L1", None),
        ("urn:epc:class:lgtin:4012345.012345.998877", None),
    ],
)
def test_a_class_uri_names_product_and_lot_the_digital_link_way(uri: str, batch: object) -> None:
    assert epcis.batch_of(uri) == batch


def test_schema_problems_are_named_by_their_deepest_json_pointer() -> None:
    doc = epcis.document(events()[:1], class_of=str, document_id="urn:x", created=dt.datetime(2026, 6, 4))
    doc["epcisBody"]["eventList"][0]["action"] = "PAINT"
    assert list(epcis.problems(doc)) == ["/epcisBody/eventList/0/action"]
