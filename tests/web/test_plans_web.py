"""The plan dashboard: targets against actuals, each figure links to exactly what it counted (issue 13)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from sqlalchemy import insert

from engine.storage import tables as t
from tests.web._api_support import Api, assert_error_shape
from tests.web.client import PASSWORD

PLAN = "duc-pho-2022"


def _certificate(conn: Any, n: int, commune: str, stars: int, issued: dt.date) -> None:
    now = dt.datetime(2022, 1, 1, 8, 0)
    same = {"product_name": f"Sản phẩm {n}", "producer_org": f"HTX {n}", "stars": stars}
    conn.execute(
        insert(t.dossiers).values(
            id=9000 + n, workflow_id="ocop", workflow_version="1", definition_hash="0" * 64, state="certified",
            product_set="single", product_group="thuc-pham", province_code="51", commune_code=commune,
            kind="first", filed_on=issued - dt.timedelta(days=60), created_by="test", created_at=now,
            updated_at=now, **same,
        )
    )  # fmt: skip
    conn.execute(
        insert(t.certificates).values(
            id=9000 + n, number=f"GCN-{n}", dossier_id=9000 + n, issued_on=issued, status="valid",
            expires_on=issued.replace(year=issued.year + 3), **same,
        )
    )  # fmt: skip


def _seed(app: Flask) -> None:
    runtime = app.extensions["ocopflow"]
    admin = runtime.service.actor_for_username("admin")
    runtime.service.seed_user(admin, "quangngai", PASSWORD, ["province_officer"], area="51")
    runtime.service.seed_user(admin, "ducpho", PASSWORD, ["commune_officer"], area="21439")
    with runtime.database.transaction() as repo:
        _certificate(repo.connection, 1, "21439", 3, dt.date(2022, 3, 10))
        _certificate(repo.connection, 2, "21439", 4, dt.date(2022, 7, 1))
        _certificate(repo.connection, 3, "21439", 2, dt.date(2022, 5, 5))  # 2 stars: not counted
        _certificate(repo.connection, 4, "21451", 3, dt.date(2022, 8, 8))
        _certificate(repo.connection, 5, "21439", 3, dt.date(2021, 8, 8))  # 2021: not counted


def test_a_figure_links_to_exactly_the_items_it_counted(app: Flask, as_user: Any) -> None:
    _seed(app)
    b = as_user("quangngai")
    page = b.get(f"/plans/{PLAN}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<progress" in html and "style=" not in html
    assert '<option value="51" selected>Quảng Ngãi (51)</option>' in html  # the area by its name
    row = html.split('data-testid="indicator-certified-3-4-stars"', 1)[1].split("</tr>", 1)[0]
    link = re.search(r'data-testid="figure" href="([^"]+)">([^<]+)<', row)
    assert link is not None and link.group(2) == "3"  # 1, 2 and 4: the plan's communes, 3-4 stars, 2022
    listed = b.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r'data-testid="counted-item" data-id="([0-9]+)"', listed) == ["9001", "9002", "9004"]
    commune = b.get(f"/plans/{PLAN}?area=21439").get_data(as_text=True)
    row = commune.split('data-testid="indicator-certified-3-4-stars"', 1)[1].split("</tr>", 1)[0]
    link = re.search(r'data-testid="figure" href="([^"]+)">([^<]+)<', row)
    assert link is not None and link.group(2) == "2"
    listed = b.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r'data-testid="counted-item" data-id="([0-9]+)"', listed) == ["9001", "9002"]
    assert b.get(f"/plans/{PLAN}?period=2030").status_code == 400


def test_another_area_is_not_found(app: Flask, as_user: Any) -> None:
    _seed(app)
    b = as_user("ducpho")
    assert b.get(f"/plans/{PLAN}").status_code == 200
    assert b.get(f"/plans/{PLAN}?area=21451").status_code == 404
    assert b.get(f"/plans/{PLAN}/certified-3-4-stars?area=51").status_code == 404
    assert as_user("province1").get(f"/plans/{PLAN}").status_code == 404


def test_the_api_gives_progress_and_its_items(app: Flask) -> None:
    _seed(app)
    api = Api(app.test_client())
    assert [p["id"] for p in api.call("GET", "/plans", "quangngai").get_json()["items"]] == [PLAN]
    body = api.call("GET", f"/plans/{PLAN}/progress?period=2022", "quangngai").get_json()
    row = next(r for r in body["indicators"] if r["id"] == "certified-3-4-stars")
    assert (row["target"], row["actual"]) == (3.0, 3.0)
    items = api.call("GET", row["items"].removeprefix("/api/v1"), "quangngai").get_json()["items"]
    assert [i["reference"] for i in items] == ["GCN-1", "GCN-2", "GCN-4"]
    assert_error_shape(api.call("GET", f"/plans/{PLAN}/progress?area=21451", "ducpho"), 404)
