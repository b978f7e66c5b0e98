"""Records of registers through the service, on SQLite and PostgreSQL: codes, edits, history,
scopes, references and shapes."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied
from engine.permissions import Actor

TRANG_BANG, TAN_CHAU = "25708", "25516"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[106.10, 11.30], [106.11, 11.30], [106.11, 11.31], [106.10, 11.31], [106.10, 11.30]]],
}


@pytest.fixture
def officer(make_actor) -> Actor:  # type: ignore[no-untyped-def]
    return make_actor("province1", ["province_officer"], area="80")


@pytest.fixture
def commune1(make_actor) -> Actor:  # type: ignore[no-untyped-def]
    return make_actor("commune1", ["commune_officer"], area=TRANG_BANG)


@pytest.fixture
def commune2(make_actor) -> Actor:  # type: ignore[no-untyped-def]
    return make_actor("commune2", ["commune_officer"], area=TAN_CHAU)


def producer_values(**kw: Any) -> dict[str, Any]:
    return {"name": "HTX Bánh tráng Trảng Bàng", "org_type": "htx", "registration_number": "3900123456",
            "commune": TRANG_BANG, "leader_name": "Nguyễn Văn An", "leader_gender": "male", **kw}  # fmt: skip


def area_values(producer_id: int, **kw: Any) -> dict[str, Any]:
    return {"name": "Vùng mãng cầu Thạnh Tân", "crop": "mang-cau", "commune": TAN_CHAU, "shape": SQUARE,
            "producers": [producer_id], **kw}  # fmt: skip


def test_a_record_gets_its_code_from_the_template_and_the_province_sequence(service, officer) -> None:
    first = service.create_record(officer, "ocop-producers", producer_values())
    second = service.create_record(
        officer, "ocop-producers", producer_values(name="HTX Tân Châu", commune=TAN_CHAU)
    )
    assert (first.code, second.code) == ("CT-80-0001", "CT-80-0002")
    assert (first.province_code, first.commune_code, first.version) == ("80", TRANG_BANG, 1)


def test_codes_stay_unique_when_records_are_created_at_once(service, officer) -> None:
    codes: list[str] = []
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            codes.append(
                service.create_record(officer, "ocop-producers", producer_values(name=f"HTX {i}")).code
            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert sorted(codes) == [f"CT-80-{i:04d}" for i in range(1, 7)]


def test_the_area_of_a_polygon_is_computed_in_hectares(service, officer) -> None:
    producer = service.create_record(officer, "ocop-producers", producer_values())
    area = service.create_record(officer, "ocop-growing-areas", area_values(producer.id))
    # 0.01 degree square at 11.3 N: about 1,092 m x 1,106 m
    assert area.area_ha == pytest.approx(120.7, abs=0.5)
    assert area.code == f"VT-80-{TAN_CHAU}-001"


def test_an_area_typed_in_is_refused_by_name_it_is_only_computed(service, officer) -> None:
    producer = service.create_record(officer, "ocop-producers", producer_values())
    with pytest.raises(InvalidForm) as caught:
        service.create_record(officer, "ocop-growing-areas", area_values(producer.id, area_ha=3))
    assert {k: v.code for k, v in caught.value.problems.items()} == {"area_ha": "field.unknown"}


@pytest.mark.parametrize(
    ("shape", "code"),
    [
        (
            {
                "type": "Polygon",
                "coordinates": [[[106.1, 11.3], [106.2, 11.4], [106.2, 11.3], [106.1, 11.4], [106.1, 11.3]]],
            },
            "geometry.invalid",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[11.3, 106.1], [11.4, 106.1], [11.4, 106.2], [11.3, 106.1]]],
            },
            "geometry.wgs84",
        ),
        ({"type": "Point", "coordinates": [106.1, 11.3]}, "geometry.type"),
        ({"type": "LineString", "coordinates": [[106.1, 11.3], [106.2, 11.4]]}, "geometry.type"),
        (
            {"type": "Polygon", "coordinates": [[[106.1, 11.3], [106.2, 11.3], [106.2, 11.4]]]},
            "geometry.coordinates",
        ),
        ('{"type": "Polygon", "coordinates": [[[106.1, 11.3]', "geometry.json"),
        ("x" * 1_000_001, "geometry.too_large"),
    ],
    ids=[
        "self-intersecting",
        "latitude-first",
        "point-where-polygon",
        "line",
        "open-ring",
        "broken-json",
        "50mb",
    ],
)
def test_a_bad_shape_is_refused_with_its_reason_on_the_field(service, officer, shape: Any, code: str) -> None:
    producer = service.create_record(officer, "ocop-producers", producer_values())
    with pytest.raises(InvalidForm) as caught:
        service.create_record(officer, "ocop-growing-areas", area_values(producer.id, shape=shape))
    assert {k: v.code for k, v in caught.value.problems.items()} == {"shape": code}
    assert service.list_records(officer, "ocop-growing-areas").total == 0


def test_a_stale_edit_is_refused_and_the_first_edit_is_kept(service, officer, commune1) -> None:
    record = service.create_record(officer, "ocop-producers", producer_values())
    service.update_record(
        commune1, "ocop-producers", record.id, producer_values(members=12), expected_version=1
    )
    with pytest.raises(Conflict) as caught:
        service.update_record(
            officer, "ocop-producers", record.id, producer_values(members=40), expected_version=1
        )
    assert caught.value.message_code == "record.stale"
    now, _ = service.get_record(officer, "ocop-producers", record.id)
    assert (now.version, now.values["members"]) == (2, 12)


def test_every_change_is_an_audit_event_of_the_chain_naming_the_fields(service, officer) -> None:
    record = service.create_record(officer, "ocop-producers", producer_values())
    service.update_record(
        officer, "ocop-producers", record.id, producer_values(org_type="dn"), expected_version=1
    )
    service.set_record_status(officer, "ocop-producers", record.id, "archived")
    service.set_record_status(officer, "ocop-producers", record.id, "active")
    history = service.record_history(officer, "ocop-producers", record.id)
    assert [e.action for e, _ in history] == [
        "record.create",
        "record.edit",
        "record.archive",
        "record.restore",
    ]
    assert history[1][1]["fields"] == ["org_type"]
    assert all(e.actor == officer.id and len(p["values_digest"]) == 64 for e, p in history)
    assert service.verify_audit().ok


def test_an_archived_record_leaves_the_list_and_refuses_edits_until_restored(service, officer) -> None:
    record = service.create_record(officer, "ocop-producers", producer_values())
    service.set_record_status(officer, "ocop-producers", record.id, "archived")
    assert service.list_records(officer, "ocop-producers").total == 0
    assert service.list_records(officer, "ocop-producers", status="archived").total == 1
    with pytest.raises(Conflict):
        service.update_record(officer, "ocop-producers", record.id, producer_values())


def test_a_commune_officer_sees_and_creates_only_in_their_commune(
    service, officer, commune1, commune2
) -> None:
    mine = service.create_record(commune1, "ocop-producers", producer_values())
    service.create_record(officer, "ocop-producers", producer_values(name="HTX Tân Châu", commune=TAN_CHAU))
    assert [r.id for r in service.list_records(commune1, "ocop-producers").items] == [mine.id]
    with pytest.raises(NotFound):
        service.get_record(commune2, "ocop-producers", mine.id)
    with pytest.raises(PermissionDenied) as caught:
        service.create_record(commune1, "ocop-producers", producer_values(commune=TAN_CHAU))
    assert caught.value.reason == "scope"
    assert service.list_records(officer, "ocop-producers").total == 2


def test_a_role_the_register_does_not_name_may_not_create(service, make_actor) -> None:
    council = make_actor("council1", ["council_member"], area="80")
    with pytest.raises(PermissionDenied) as caught:
        service.create_record(council, "ocop-producers", producer_values())
    assert caught.value.reason == "role"


def test_a_reference_to_a_record_in_another_area_is_not_found(service, officer, commune2) -> None:
    elsewhere = service.create_record(officer, "ocop-producers", producer_values())  # Trảng Bàng
    with pytest.raises(NotFound) as caught:
        service.create_record(commune2, "ocop-growing-areas", area_values(elsewhere.id))
    assert set(caught.value.details["problems"]) == {"producers"}
    with pytest.raises(NotFound):
        service.create_record(officer, "ocop-growing-areas", area_values(elsewhere.id + 100))


def test_table_rows_are_checked_cell_by_cell(service, officer) -> None:
    history = [{"changed_on": "2024-03-01", "from_type": "tht", "to_type": "htx"},
               {"changed_on": "", "from_type": "", "to_type": ""},
               {"changed_on": "2025-13-01", "from_type": "htx", "to_type": "dn"}]  # fmt: skip
    with pytest.raises(InvalidForm) as caught:
        service.create_record(officer, "ocop-producers", producer_values(type_history=history))
    problem = caught.value.problems["type_history"]
    assert problem.code == "field.table_cell" and problem.params["row"] == 3
    record = service.create_record(officer, "ocop-producers", producer_values(type_history=history[:2]))
    assert record.values["type_history"] == [
        {"changed_on": "2024-03-01", "from_type": "tht", "to_type": "htx"}
    ]


def test_filters_and_search_narrow_the_list_and_pages_follow_the_keyset(service, officer) -> None:
    for i in range(5):
        service.create_record(
            officer,
            "ocop-producers",
            producer_values(name=f"HTX số {i}", leader_gender="female" if i % 2 else "male"),
        )
    women = service.list_records(officer, "ocop-producers", filters={"leader_gender": "female"})
    assert sorted(r.title for r in women.items) == ["HTX số 1", "HTX số 3"]
    assert [r.title for r in service.list_records(officer, "ocop-producers", q="số 4").items] == ["HTX số 4"]
    first = service.list_records(officer, "ocop-producers", per_page=2)
    second = service.list_records(officer, "ocop-producers", per_page=2, before=first.next_before)
    third = service.list_records(officer, "ocop-producers", per_page=2, before=second.next_before)
    titles = [r.title for p in (first, second, third) for r in p.items]
    assert titles == [f"HTX số {i}" for i in (4, 3, 2, 1, 0)] and third.next_before is None


def test_the_geojson_export_has_every_visible_shape(service, officer, commune1) -> None:
    producer = service.create_record(officer, "ocop-producers", producer_values(commune=TAN_CHAU))
    service.create_record(officer, "ocop-growing-areas", area_values(producer.id))
    features = list(service.iter_geojson(officer, "ocop-growing-areas"))
    assert [f["geometry"]["type"] for f in features] == ["Polygon"]
    assert list(service.iter_geojson(commune1, "ocop-growing-areas")) == []


def test_search_finds_words_without_their_diacritics_and_codes(service, officer) -> None:
    banh = service.create_record(officer, "ocop-producers", producer_values(name="HTX Bánh tráng Đồng Nai"))
    service.create_record(officer, "ocop-producers", producer_values(name="HTX Muối tôm"))
    for query in ("banh trang", "BÁNH", "dong", "tráng đồ", banh.code, "ct-80-000"):
        found = [r.id for r in service.list_records(officer, "ocop-producers", q=query).items]
        assert banh.id in found, query
    assert service.list_records(officer, "ocop-producers", q="trang muoi").total == 0
    edited = service.update_record(officer, "ocop-producers", banh.id, producer_values(name="HTX Gạo"))
    assert service.list_records(officer, "ocop-producers", q="banh").total == 0
    assert [r.id for r in service.list_records(officer, "ocop-producers", q="gao").items] == [edited.id]


def test_a_number_typed_as_text_is_read_in_the_readers_language(service, officer) -> None:
    vi = service.create_record(officer, "ocop-producers", producer_values(members="1.200"), locale="vi")
    assert vi.values["members"] == 1200
    en = service.update_record(officer, "ocop-producers", vi.id, producer_values(members="1,250"),
                               expected_version=vi.version, locale="en")  # fmt: skip
    assert en.values["members"] == 1250
    with pytest.raises(InvalidForm) as refused:  # en reads "1.300" as 1.3 or 1,300: refused, never guessed
        service.update_record(officer, "ocop-producers", vi.id, producer_values(members="1.300"), locale="en")
    assert set(refused.value.problems) == {"members"}
    with pytest.raises(InvalidForm):  # no locale (the API's text): plain digits only
        service.create_record(officer, "ocop-producers", producer_values(members="1.200"))
