"""Register pages and API, rendered from the YAML: round trips, inline errors with input kept,
stale edits, escaping, scopes and the GeoJSON export; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask

from tests.web._api_support import Api, assert_error_shape

COMMUNE, OTHER = "00583", "10183"  # the web people's communes (Bát Tràng, Thường Tín)
SQUARE = {"type": "Polygon",
          "coordinates": [[[105.91, 20.97], [105.92, 20.97], [105.92, 20.98], [105.91, 20.98], [105.91, 20.97]]]}  # fmt: skip


def producer(**kw: Any) -> dict[str, Any]:
    return {"name": "HTX Gốm Bát Tràng", "org_type": "htx", "registration_number": "0101234567",
            "commune": COMMUNE, "leader_name": "Lê Thị Hoa", "leader_gender": "female", **kw}  # fmt: skip


def create(api: Api, register: str, values: dict[str, Any], user: str = "province1") -> Any:
    return api.call("POST", f"/registers/{register}/records", user, json={"values": values})


def test_the_api_lists_registers_creates_reads_and_edits_a_record(app: Flask) -> None:
    api = Api(app.test_client())
    registers = api.call("GET", "/registers", "province1").get_json()["items"]
    assert {"ocop-producers", "ocop-growing-areas"} <= {r["id"] for r in registers}
    made = create(api, "ocop-producers", producer())
    assert made.status_code == 201, made.get_json()
    record = made.get_json()
    assert (record["code"], record["register"], record["version"]) == ("CT-01-0001", "ocop-producers", 1)
    path = f"/registers/ocop-producers/records/{record['id']}"
    assert api.call("GET", path, "commune1").get_json()["values"]["leader_gender"] == "female"
    saved = api.call("PUT", path, "commune1", json={"values": producer(members=9), "expected_version": 1})
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    stale = api.call("PUT", path, "province1", json={"values": producer(members=1), "expected_version": 1})
    assert assert_error_shape(stale, 409, "conflict")
    assert api.call("GET", path, "province1").get_json()["values"]["members"] == 9
    listed = api.call("GET", "/registers/ocop-producers/records?leader_gender=female", "province1").get_json()
    assert [r["id"] for r in listed["items"]] == [record["id"]] and listed["next_before"] is None


def test_the_api_refuses_bad_values_by_field_and_hides_other_areas(app: Flask) -> None:
    api = Api(app.test_client())
    bad = create(api, "ocop-producers", producer(org_type="coop", members="many"))
    body = assert_error_shape(bad, 422, "invalid_form")
    assert set(body["details"]["problems"]) == {"org_type", "members"}
    record = create(api, "ocop-producers", producer()).get_json()
    assert_error_shape(api.call("GET", f"/registers/ocop-producers/records/{record['id']}", "commune2"), 404)
    area = {"name": "Vùng", "crop": "rau", "commune": OTHER, "shape": SQUARE, "producers": [record["id"]]}
    assert_error_shape(create(api, "ocop-growing-areas", area, user="commune2"), 404, "not_found")
    assert_error_shape(create(api, "ocop-producers", producer(), user="council1"), 403, "permission_denied")
    assert_error_shape(api.call("GET", "/registers/no-such/records", "province1"), 404)


def test_the_geojson_export_is_a_feature_collection_of_the_shapes(app: Flask) -> None:
    api = Api(app.test_client())
    owner = create(api, "ocop-producers", producer()).get_json()
    made = create(api, "ocop-growing-areas", {"name": "Vùng rau", "crop": "rau", "commune": COMMUNE,
                                              "shape": SQUARE, "producers": [owner["id"]]})  # fmt: skip
    assert made.status_code == 201, made.get_json()
    assert 100 < made.get_json()["area_ha"] < 130
    response = api.call("GET", "/registers/ocop-growing-areas/records.geojson", "province1")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    collection = json.loads(response.get_data(as_text=True))
    assert collection["type"] == "FeatureCollection"
    assert [f["geometry"] for f in collection["features"]] == [SQUARE]
    other = json.loads(
        api.call("GET", "/registers/ocop-growing-areas/records.geojson", "commune2").get_data()
    )
    assert other["features"] == []


def test_a_record_is_created_on_its_page_with_errors_inline_and_input_kept(as_user: Any) -> None:
    b = as_user("province1")
    page = b.get("/registers/ocop-producers/new")
    assert page.status_code == 200 and "Loại hình" in page.get_data(as_text=True)
    form = {f"f.r.{k}": v for k, v in producer(name="<b>HTX</b> & Co", members="nhiều").items()}
    refused = b.post("/registers/ocop-producers/new", form, page="/registers/ocop-producers/new")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'data-testid="error-members"' in html and "Phải là một số." in html
    assert 'value="&lt;b&gt;HTX&lt;/b&gt; &amp; Co"' in html and "<b>HTX</b>" not in html
    form["f.r.members"] = "12"
    form["t.type_history.rows"] = "2"
    form.update({"f.r.type_history.0.changed_on": "2024-05-01", "f.r.type_history.0.from_type": "tht",
                 "f.r.type_history.0.to_type": "htx"})  # fmt: skip
    saved = b.post("/registers/ocop-producers/new", form, page="/registers/ocop-producers/new")
    assert saved.status_code == 302
    detail = b.get(saved.headers["Location"]).get_data(as_text=True)
    assert "&lt;b&gt;HTX&lt;/b&gt; &amp; Co" in detail and "<b>HTX</b>" not in detail
    assert "CT-01-0001" in detail and "Tổ hợp tác" not in detail and "THT" in detail
    listing = b.get("/registers/ocop-producers?q=HTX").get_data(as_text=True)
    assert listing.count('data-testid="record-row"') == 1


def test_a_stale_edit_on_the_page_is_refused_and_keeps_what_was_typed(as_user: Any, app: Flask) -> None:
    api = Api(app.test_client())
    record = create(api, "ocop-producers", producer()).get_json()
    path = f"/registers/ocop-producers/{record['id']}/edit"
    b = as_user("commune1")
    assert b.get(path).status_code == 200
    api.call("PUT", f"/registers/ocop-producers/records/{record['id']}", "province1",
             json={"values": producer(members=3), "expected_version": 1})  # fmt: skip
    form = {f"f.r.{k}": v for k, v in producer(address="Thôn 2, Bát Tràng").items()}
    form["expected_version"] = "1"
    refused = b.post(path, form, page=path)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and 'data-testid="form-error"' in html
    assert 'value="Thôn 2, Bát Tràng"' in html


def test_every_register_page_answers_for_each_kind_of_reader(as_user: Any, app: Flask) -> None:
    api = Api(app.test_client())
    record = create(api, "ocop-producers", producer()).get_json()
    for user in ("province1", "commune1", "producer1", "auditor"):
        b = as_user(user)
        assert b.get("/registers").status_code == 200
        for reg in app.extensions["ocopflow"].catalog.registers.values():
            assert b.get(f"/registers/{reg.id}").status_code == 200, (user, reg.id)
    b = as_user("commune2")
    assert b.get(f"/registers/ocop-producers/{record['id']}").status_code == 404
    assert b.get("/registers/ocop-producers/new").status_code == 200
    council = as_user("council1")
    assert council.get("/registers/ocop-producers/new").status_code == 403
    assert council.get("/registers/ocop-trainings").status_code == 404


def test_archiving_on_the_page_moves_the_record_out_of_the_list(as_user: Any, app: Flask) -> None:
    api = Api(app.test_client())
    record = create(api, "ocop-producers", producer()).get_json()
    b = as_user("province1")
    detail = f"/registers/ocop-producers/{record['id']}"
    done = b.post(f"{detail}/archive", {"expected_version": "1"}, page=detail)
    assert done.status_code == 302
    assert 'data-testid="archived"' in b.get(detail).get_data(as_text=True)
    assert 'data-testid="record-row"' not in b.get("/registers/ocop-producers").get_data(as_text=True)
    history = b.get(detail).get_data(as_text=True)
    assert history.count('data-testid="history-event"') == 2


def feature(name: str, shape: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": shape,
            "properties": {"name": name, "site_type": "craft_village", "commune": COMMUNE, **props}}  # fmt: skip


def test_a_geojson_import_writes_every_feature_or_none(app: Flask, as_user: Any) -> None:
    api = Api(app.test_client())
    point = {"type": "Point", "coordinates": [105.91, 20.975]}
    bowtie = {"type": "Polygon", "coordinates": [[[105.9, 20.9], [106.0, 21.0], [106.0, 20.9], [105.9, 21.0], [105.9, 20.9]]]}  # fmt: skip
    bad = {
        "type": "FeatureCollection",
        "features": [feature("Làng gốm", point), feature("Nơ", bowtie, households="x")],
    }
    refused = api.call("POST", "/registers/ocop-craft-villages/records.geojson", "province1", json=bad)
    problems = assert_error_shape(refused, 422, "invalid_form")["details"]["problems"]
    assert set(problems) == {"features[1].location", "features[1].households"}
    empty = api.call("GET", "/registers/ocop-craft-villages/records", "province1").get_json()
    assert empty["items"] == []
    good = {
        "type": "FeatureCollection",
        "features": [feature("Làng gốm", point), feature("Làng <lụa>", SQUARE)],
    }
    made = api.call("POST", "/registers/ocop-craft-villages/records.geojson", "province1", json=good)
    assert made.status_code == 201 and [r["title"] for r in made.get_json()["items"]] == [
        "Làng gốm",
        "Làng <lụa>",
    ]
    b = as_user("province1")
    page = b.post("/registers/ocop-craft-villages/import", {"file": (__import__("io").BytesIO(b"{oops"), "x.geojson")},
                  page="/registers/ocop-craft-villages/import", content_type="multipart/form-data")  # fmt: skip
    assert page.status_code == 422 and 'data-testid="import-problems"' in page.get_data(as_text=True)
    exported = json.loads(
        api.call("GET", "/registers/ocop-craft-villages/records.geojson", "province1").get_data()
    )
    assert sorted(f["properties"]["title"] for f in exported["features"]) == ["Làng <lụa>", "Làng gốm"]


def test_a_record_number_is_read_and_shown_the_readers_way(as_user: Any) -> None:
    b = as_user("province1")
    form = {f"f.r.{k}": v for k, v in producer(members="1.200").items()}
    saved = b.post("/registers/ocop-producers/new", form, page="/registers/ocop-producers/new")
    assert saved.status_code == 302
    edit = b.get(saved.headers["Location"] + "/edit").get_data(as_text=True)
    assert 'value="1.200"' in edit
    b.post("/lang/en", {"next": "/registers/ocop-producers/new"}, page="/registers/ocop-producers/new")
    form.update({"f.r.name": "HTX Gốm Bát Tràng 2", "f.r.members": "1,250"})
    saved = b.post("/registers/ocop-producers/new", form, page="/registers/ocop-producers/new")
    assert saved.status_code == 302  # read as 1250 in English, not by the Vietnamese convention
    assert 'value="1,250"' in b.get(saved.headers["Location"] + "/edit").get_data(as_text=True)
