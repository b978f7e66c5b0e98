"""A batch's trace events through the service, on SQLite and PostgreSQL: the history from harvest to
shipping, the order and roles of workflows/registers/batches.yaml, append-only rows in the audit
chain, and a merge whose history follows its inputs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.permissions import Actor

TRANG_BANG, TAN_CHAU = "25708", "25516"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[106.10, 11.30], [106.11, 11.30], [106.11, 11.31], [106.10, 11.31], [106.10, 11.30]]],
}
BATCHES = "ocop-batches"


@pytest.fixture
def producer(make_actor) -> Actor:  # type: ignore[no-untyped-def]
    return make_actor("htx1", ["producer"], area=TRANG_BANG, organisation="HTX Bánh tráng Trảng Bàng")


@pytest.fixture
def other_producer(make_actor) -> Actor:  # type: ignore[no-untyped-def]
    return make_actor("htx2", ["producer"], area=TRANG_BANG, organisation="HTX Khác")


@pytest.fixture
def commune1(make_actor) -> Actor:  # type: ignore[no-untyped-def]
    return make_actor("commune1", ["commune_officer"], area=TRANG_BANG)


@pytest.fixture
def setup(service, producer) -> dict[str, int]:  # type: ignore[no-untyped-def]
    org = service.create_record(producer, "ocop-producers", {
        "name": "HTX Bánh tráng Trảng Bàng", "org_type": "htx", "registration_number": "3900123456",
        "commune": TRANG_BANG, "leader_name": "Nguyễn Văn An", "leader_gender": "male"})  # fmt: skip
    area = service.create_record(producer, "ocop-growing-areas", {
        "name": "Vùng mãng cầu Thạnh Tân", "crop": "mang-cau", "commune": TAN_CHAU, "shape": SQUARE,
        "producers": [org.id]})  # fmt: skip
    product = service.create_record(
        producer,
        "ocop-products",
        {"name": "Bánh tráng phơi sương", "product_set": "06", "producer": org.id, "commune": TRANG_BANG},
    )
    return {"producer": org.id, "area": area.id, "product": product.id}


def batch(service: Any, actor: Actor, product: int, lot: str = "L2026-001") -> int:
    return int(
        service.create_record(actor, BATCHES, {"lot": lot, "product": product, "commune": TRANG_BANG}).id
    )


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 6, day, 8, 0)


def test_a_batch_history_from_harvest_to_shipping(service, producer, commune1, setup) -> None:
    b = batch(service, producer, setup["product"])
    trace = service.trace
    trace.record_event(producer, BATCHES, b, "harvesting", {"growing_area": setup["area"], "quantity_kg": 500},
                       at=at(1))  # fmt: skip
    trace.record_event(
        commune1,
        BATCHES,
        b,
        "inspecting",
        {"laboratory": "Quatest 3", "report_number": "KN-123", "result": "pass"},
        at=at(3),
    )
    trace.record_event(producer, BATCHES, b, "packing", {"packages": 1000}, at=at(2))
    trace.record_event(producer, BATCHES, b, "shipping", {"destination": "Siêu thị Co.op", "packages": 400},
                       at=at(4))  # fmt: skip
    history = trace.history(producer, BATCHES, b)
    assert [(e.event_id, e.step, e.event_time.day) for e in history] == [
        ("harvesting", "harvesting", 1), ("packing", "packing", 2), ("inspecting", "inspecting", 3),
        ("shipping", "shipping", 4)]  # fmt: skip
    assert history[0].values == {"growing_area": setup["area"], "quantity_kg": 500}
    assert history[2].actor == "commune1"
    audited = [(ev.action, p["event"]) for ev, p in service.record_history(producer, BATCHES, b)
               if ev.action == "trace.event"]  # fmt: skip
    assert audited == [("trace.event", e) for e in ("harvesting", "inspecting", "packing", "shipping")]


def test_shipping_before_packing_is_refused_naming_the_order(service, producer, setup) -> None:
    b = batch(service, producer, setup["product"])
    service.trace.record_event(producer, BATCHES, b, "harvesting", {"growing_area": setup["area"]}, at=at(1))
    with pytest.raises(InvalidForm) as caught:
        service.trace.record_event(producer, BATCHES, b, "shipping", {"packages": 10}, at=at(2))
    assert caught.value.problems["event"].code == "trace.out_of_order"
    assert "packing" in caught.value.problems["event"].get("en")
    assert [e.event_id for e in service.trace.history(producer, BATCHES, b)] == ["harvesting"]


def test_fields_roles_and_names_are_checked(service, producer, other_producer, commune1, setup) -> None:
    b = batch(service, producer, setup["product"])
    with pytest.raises(InvalidForm) as caught:
        service.trace.record_event(producer, BATCHES, b, "harvesting", {"quantity_kg": 5})
    assert {k: v.code for k, v in caught.value.problems.items()} == {"growing_area": "field.required"}
    with pytest.raises(InvalidForm) as caught:
        service.trace.record_event(producer, BATCHES, b, "sowing", {})
    assert caught.value.problems["event"].code == "trace.unknown_event"
    with pytest.raises(NotFound):
        service.trace.record_event(producer, BATCHES, b, "harvesting", {"growing_area": 999999})
    with pytest.raises(NotFound):  # another producer's batch is not even visible
        service.trace.record_event(other_producer, BATCHES, b, "harvesting", {"growing_area": setup["area"]})
    service.trace.record_event(producer, BATCHES, b, "harvesting", {"growing_area": setup["area"]})
    with pytest.raises(PermissionDenied):  # packing: producers only
        service.trace.record_event(commune1, BATCHES, b, "packing", {"packages": 3})
    with pytest.raises(InvalidForm) as caught:
        service.trace.record_event(
            producer, BATCHES, b, "packing", {"packages": 3}, at=service.now() + dt.timedelta(days=1)
        )
    assert caught.value.problems["event_time"].code == "trace.future"
    assert [e.event_id for e in service.trace.history(producer, BATCHES, b)] == ["harvesting"]


def test_trace_rows_refuse_update_and_delete(service, producer, setup, database) -> None:
    b = batch(service, producer, setup["product"])
    service.trace.record_event(producer, BATCHES, b, "harvesting", {"growing_area": setup["area"]})
    for sql in ("UPDATE trace_events SET step = 'shipping'", "DELETE FROM trace_events"):
        with pytest.raises(sa.exc.DBAPIError), database.engine.begin() as conn:
            conn.execute(sa.text(sql))
    assert [e.step for e in service.trace.history(producer, BATCHES, b)] == ["harvesting"]
    assert service.verify_audit().ok


def test_a_merged_batch_carries_its_inputs_history(service, producer, setup) -> None:
    a = batch(service, producer, setup["product"], "L-A")
    b = batch(service, producer, setup["product"], "L-B")
    merged = batch(service, producer, setup["product"], "L-AB")
    service.trace.record_event(producer, BATCHES, a, "harvesting", {"growing_area": setup["area"]}, at=at(1))
    service.trace.record_event(producer, BATCHES, b, "receiving", {"growing_area": setup["area"]}, at=at(2))
    with pytest.raises(InvalidForm) as caught:
        service.trace.record_event(producer, BATCHES, merged, "transforming", {})
    assert caught.value.problems["inputs"].code == "trace.inputs_needed"
    with pytest.raises(InvalidForm):  # only a transformation names inputs
        service.trace.record_event(producer, BATCHES, merged, "harvesting", {"growing_area": setup["area"]},
                                   inputs=[a])  # fmt: skip
    service.trace.record_event(
        producer, BATCHES, merged, "transforming", {"note": "gộp"}, at=at(3), inputs=[a, b]
    )
    service.trace.record_event(producer, BATCHES, merged, "packing", {"packages": 10}, at=at(4))
    # an event on an input after the merge is not the merged batch's history
    service.trace.record_event(producer, BATCHES, a, "packing", {"packages": 2}, at=at(5))
    history = service.trace.history(producer, BATCHES, merged)
    assert [(e.record_id, e.event_id) for e in history] == [
        (a, "harvesting"),
        (b, "receiving"),
        (merged, "transforming"),
        (merged, "packing"),
    ]
    assert history[2].inputs == (a, b)


def test_trace_events_keep_the_audit_chain_and_the_consistency_check_clean(
    service, producer, setup, database, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from engine.service.consistency import check_consistency

    b = batch(service, producer, setup["product"])
    service.trace.record_event(producer, BATCHES, b, "harvesting", {"growing_area": setup["area"]}, at=at(1))
    service.trace.record_event(producer, BATCHES, b, "packing", {"packages": 5}, at=at(2))
    assert service.verify_audit().ok
    report = check_consistency(database.transaction, tmp_path / "evidence")
    assert list(report.differences) == []
