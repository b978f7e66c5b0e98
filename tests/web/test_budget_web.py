"""A plan's budget on the dashboard and through the API (issue 13): planned against spent per line
and per source, spending typed the Vietnamese way, an overrun refused saying by how much."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask

from tests.web._api_support import Api, assert_error_shape
from tests.web.client import PASSWORD

PLAN = "tay-ninh-2025-2026"
DAY = "2026-06-15"


def _seed(app: Flask) -> None:
    service = app.extensions["ocopflow"].service
    admin = service.actor_for_username("admin")
    service.seed_user(admin, "tayninh", PASSWORD, ["province_officer"], area="80")
    service.seed_user(admin, "tncouncil", PASSWORD, ["council_member"], area="80")


def _text(page: Any) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    body = page.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _row(page: Any, testid: str) -> str:
    body = page.get_data(as_text=True)
    part = body.split(f'data-testid="{testid}"', 1)[1].split("</tr>", 1)[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", "<x " + part)).split())


def _spend(b: Any, amount: str, line: str = "province", **kw: Any) -> Any:
    data = {"line": line, "amount": amount, "spent_on": DAY, "note": "Hội chợ OCOP", **kw}
    return b.post(f"/plans/{PLAN}/budget", data, page=f"/plans/{PLAN}")


def test_the_officer_records_spending_typed_the_vietnamese_way_and_reads_it_on_the_dashboard(
    app: Flask, as_user: Any
) -> None:
    _seed(app)
    b = as_user("tayninh")
    page = b.get(f"/plans/{PLAN}")
    assert "Ghi khoản chi" in _text(page) and "Chưa có khoản chi nào." in _text(page)
    saved = _spend(b, "1.200.000", reference="PC-12")
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/plans/{PLAN}#budget")
    page = b.get(f"/plans/{PLAN}")
    assert (
        _row(page, "budget-line-province")
        == "Ngân sách tỉnh Nguồn: Ngân sách tỉnh 500.000.000 1.200.000 498.800.000"
    )
    assert _row(page, "budget-source-producers") == "Vốn đối ứng của chủ thể 100.000.000 0"
    assert "1.200.000 đ · 2026-06-15 · Ngân sách tỉnh — Hội chợ OCOP (PC-12) tayninh" in _text(page)
    assert "style=" not in page.get_data(as_text=True)


def test_a_wrong_amount_and_an_overrun_are_refused_on_the_form_with_what_was_typed_kept(
    app: Flask, as_user: Any
) -> None:
    _seed(app)
    b = as_user("tayninh")
    wrong = _spend(b, "1,200")
    assert wrong.status_code == 422
    assert "«1,200» có thể là 1200 hoặc 1,2" in _text(wrong)
    assert 'value="1,200"' in wrong.get_data(as_text=True)
    assert _spend(b, "499.000.000").status_code == 302
    over = _spend(b, "1.200.000")
    assert over.status_code == 422
    assert "Khoản chi vượt dòng kinh phí 'Ngân sách tỉnh' 200.000 đồng" in _text(over)
    assert _row(b.get(f"/plans/{PLAN}"), "budget-line-province").endswith("499.000.000 1.000.000")
    allowed = _spend(b, "150.000.000", line="producers")  # the YAML allows this line's overrun
    assert allowed.status_code == 302
    assert _row(b.get(f"/plans/{PLAN}"), "budget-line-producers").endswith(
        "100.000.000 150.000.000 -50.000.000"
    )


def test_the_form_needs_its_csrf_token_and_the_permission(app: Flask, as_user: Any) -> None:
    _seed(app)
    b = as_user("tayninh")
    forged = b.client.post(f"/plans/{PLAN}/budget", data={"line": "province", "amount": "1.000", "spent_on": DAY,
                                                          "note": "x"})  # fmt: skip
    assert forged.status_code == 400
    council = as_user("tncouncil")
    page = council.get(f"/plans/{PLAN}")
    assert "Kinh phí kế hoạch" in _text(page) and "Ghi khoản chi" not in _text(page)
    assert _spend(council, "1.000").status_code == 403
    other = as_user("other_province")
    assert other.get(f"/plans/{PLAN}/budget").status_code == 404
    assert "Chưa có khoản chi nào." in _text(b.get(f"/plans/{PLAN}/budget"))


def test_the_api_records_and_lists_spending_and_refuses_an_overrun_saying_by_how_much(app: Flask) -> None:
    _seed(app)
    api = Api(app.test_client())
    body = {"line": "province", "amount": 499_000_000, "spent_on": DAY, "note": "Hội chợ", "reference": None}
    created = api.call("POST", f"/plans/{PLAN}/budget", "tayninh", json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["amount"] == 499_000_000
    error = assert_error_shape(api.call("POST", f"/plans/{PLAN}/budget", "tayninh",
                                        json={**body, "amount": 1_200_000.5}), 422, "invalid_form")  # fmt: skip
    assert "'Ngân sách tỉnh' 200.000,5 đồng: đã chi 499.000.000 đồng" in error["message"]
    budget = api.call("GET", f"/plans/{PLAN}/budget", "tayninh").get_json()
    line = next(x for x in budget["lines"] if x["id"] == "province")
    assert (line["planned"], line["spent"], line["remaining"]) == (500_000_000, 499_000_000, 1_000_000)
    assert [e["amount"] for e in budget["entries"]] == [499_000_000] and budget["may_record"] is True
    assert_error_shape(api.call("GET", f"/plans/{PLAN}/budget", "other_province"), 404)
    assert_error_shape(api.call("POST", f"/plans/{PLAN}/budget", "other_province", json=body), 404)
    assert_error_shape(api.call("POST", f"/plans/{PLAN}/budget", "tncouncil", json=body), 403)
    extra = assert_error_shape(
        api.call("POST", f"/plans/{PLAN}/budget", "tayninh", json={**body, "x": 1}), 422
    )
    assert extra["code"] == "invalid_request"
    long = assert_error_shape(api.call("POST", f"/plans/{PLAN}/budget", "tayninh",
                                       json={**body, "amount": 1, "note": "ý" * 2001}), 422)  # fmt: skip
    assert "note" in long["details"]["problems"]
