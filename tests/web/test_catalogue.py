"""The public catalogue /p/ and GET /api/v1/public/products: only valid certificates, search
without diacritics, filters, paging, ETag/304."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import update

from engine.storage import tables as t


def _certify(walk: Any, name: str, **kwargs: Any) -> int:
    return int(walk("certified", name=name, **kwargs))


def _certificate_id(app: Flask, dossier_id: int) -> int:
    service = app.extensions["ocopflow"].service
    with service._tx(write=False) as repo:
        return int(
            repo.connection.execute(
                t.certificates.select()
                .with_only_columns(t.certificates.c.id)
                .where(t.certificates.c.dossier_id == dossier_id)
            ).scalar_one()
        )


def _names(app: Flask, query: str = "") -> list[str]:
    body = app.test_client().get(f"/api/v1/public/products{query}").get_json()
    return [item["product_name"] for item in body["items"]]


def test_only_products_with_a_valid_certificate_are_listed(app: Flask, walk: Any) -> None:
    service = app.extensions["ocopflow"].service
    _certify(walk, "Mứt gừng")
    revoked = _certify(walk, "Gốm thu hồi")
    walk.more(revoked, "revoked")
    expired = _certify(walk, "Gốm hết hạn")
    superseded = _certify(walk, "Gốm thay thế")
    walk("idea", name="Gốm chưa cấp")
    with service._tx() as repo:
        repo.connection.execute(
            update(t.certificates)
            .where(t.certificates.c.id == _certificate_id(app, expired))
            .values(expires_on=service.now().date() - dt.timedelta(days=1))
        )
        repo.set_certificate_status(_certificate_id(app, superseded), "superseded", None)
    assert _names(app) == ["Mứt gừng"]
    page = app.test_client().get("/p/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Mứt gừng" in text
    for hidden in ("Gốm thu hồi", "Gốm hết hạn", "Gốm thay thế", "Gốm chưa cấp"):
        assert hidden not in text
    with service._tx(write=False) as repo:
        statuses = {
            row.dossier_id: row.status for row in repo.connection.execute(t.certificates.select()).all()
        }
    assert statuses[revoked] == "revoked"


def test_search_without_diacritics_and_filters(app: Flask, walk: Any) -> None:
    _certify(walk, "Mứt gừng Đà Lạt")
    _certify(walk, "Gốm men lam", producer="producer2")
    assert _names(app, "?q=mut") == ["Mứt gừng Đà Lạt"]
    assert _names(app, "?q=MUT%20GUNG") == ["Mứt gừng Đà Lạt"]
    assert _names(app, "?q=da%20lat") == ["Mứt gừng Đà Lạt"]
    assert _names(app, "?q=m%E1%BB%A9t") == ["Mứt gừng Đà Lạt"]  # typed with its marks
    assert _names(app, "?q=zzz") == []
    assert _names(app, "?commune=10183") == ["Gốm men lam"]
    assert _names(app, "?commune=00583") == ["Mứt gừng Đà Lạt"]
    items = app.test_client().get("/api/v1/public/products").get_json()["items"]
    group, stars = items[0]["product_group"], items[0]["stars"]
    province = items[0]["province_code"]
    assert len(_names(app, f"?group={group}")) == sum(i["product_group"] == group for i in items)
    assert _names(app, "?group=no-such-group") == []
    assert len(_names(app, f"?stars={stars}")) == sum(i["stars"] == stars for i in items)
    assert _names(app, "?stars=0") == []
    assert len(_names(app, f"?province={province}")) == sum(i["province_code"] == province for i in items)
    page = app.test_client().get("/p/?q=mut&area=00583").get_data(as_text=True)
    assert "Mứt gừng Đà Lạt" in page and "Gốm men lam" not in page
    assert "Gốm men lam" in app.test_client().get("/p/?area=10183").get_data(as_text=True)
    assert set(items[0]) >= {"producer", "province", "commune", "product_group_label", "certificate"}
    assert not {"created_by", "dossier_id", "username"} & set(items[0])


def test_paging(app: Flask, walk: Any) -> None:
    for n in range(3):
        _certify(walk, f"Sản phẩm {n}")
    first = app.test_client().get("/api/v1/public/products?per_page=2").get_json()
    second = app.test_client().get("/api/v1/public/products?per_page=2&page=2").get_json()
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (3, 2, 2, 1)
    names = [i["product_name"] for i in first["items"] + second["items"]]
    assert names == ["Sản phẩm 0", "Sản phẩm 1", "Sản phẩm 2"]
    assert app.test_client().get("/api/v1/public/products?per_page=0").status_code == 400
    assert app.test_client().get("/api/v1/public/products?page=x").status_code == 400
    assert (
        app.test_client().get("/api/v1/public/products?page=&stars=").status_code == 400
    )  # empty: no number
    assert (
        app.test_client().get("/api/v1/public/products?page=%C2%B2").status_code == 400
    )  # a digit, not ASCII
    assert app.test_client().get("/p/?page=%C2%B2&stars=%C2%B2").status_code == 200


def test_etag_and_304(app: Flask, walk: Any) -> None:
    _certify(walk, "Mứt gừng")
    client = app.test_client()
    for address in ("/p/", "/api/v1/public/products"):
        first = client.get(address)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and "public" in first.headers["Cache-Control"]
        again = client.get(address, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b""
        assert client.get(address, headers={"If-None-Match": '"other"'}).status_code == 200
    before = client.get("/api/v1/public/products").headers["ETag"]
    _certify(walk, "Gốm men lam")
    assert client.get("/api/v1/public/products", headers={"If-None-Match": before}).status_code == 200


def test_the_product_page_links_its_signed_certificate(app: Flask, walk: Any) -> None:
    _certify(walk, "Mứt gừng")
    item = app.test_client().get("/api/v1/public/products").get_json()["items"][0]
    client = app.test_client()
    page = client.get(f"/p/{item['product_code']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Mứt gừng" in text and item["producer"] in text
    assert "?s=c1." in text and item["certificate"]["number"] in text
    missing = client.get("/p/01-00000-999-2020")
    assert missing.status_code == 404 and "Không tìm thấy sản phẩm" in missing.get_data(as_text=True)
