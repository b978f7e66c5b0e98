"""The periodic report downloaded from the dashboard (Excel and CSV) and through the API, within
the reader's scope (issue 13). Data: tests/web/test_plans_web.py's certificates (Đức Phổ 2022:
9001, 9002 and 9004 counted; 9001 in the first quarter)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from flask import Flask
from openpyxl import load_workbook

from engine.plan_report import FIRST_ROW, HEADERS
from tests.web._api_support import Api, assert_error_shape
from tests.web.test_plans_web import PLAN, _seed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _first_figure(data: bytes) -> tuple[list[str], Any]:
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[FIRST_ROW]] == list(HEADERS)
    return [s.title for s in book.worksheets], sheet.cell(row=FIRST_ROW + 1, column=5).value


def test_the_dashboard_buttons_download_the_report_of_the_area_and_period_shown(
    app: Flask, as_user: Any
) -> None:
    _seed(app)
    b = as_user("quangngai")
    page = b.get(f"/plans/{PLAN}?period=2022-Q1").get_data(as_text=True)
    links = dict(re.findall(r'data-testid="report-(xlsx|csv)" href="([^"]+)"', page))
    assert set(links) == {"xlsx", "csv"} and "Tải báo cáo (Excel)" in page
    response = b.get(links["xlsx"].replace("&amp;", "&"))
    assert response.status_code == 200 and response.mimetype == XLSX
    assert 'filename="duc-pho-2022-51-2022-Q1.xlsx"' in response.headers["Content-Disposition"]
    titles, figure = _first_figure(response.get_data())
    assert figure == 1 and titles[0].startswith("51 ") and len(titles) == 6
    response = b.get(links["csv"].replace("&amp;", "&"))
    assert response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    assert lines[1][0] == "51" and lines[1][6] == "1"
    assert b.get(f"/plans/{PLAN}/report.xlsx?period=2030").status_code == 400


def test_a_commune_downloads_its_own_report_and_no_other(app: Flask, as_user: Any) -> None:
    _seed(app)
    b = as_user("ducpho")
    titles, figure = _first_figure(b.get(f"/plans/{PLAN}/report.xlsx").get_data())
    assert figure == 2 and len(titles) == 1 and titles[0].startswith("21439")
    assert b.get(f"/plans/{PLAN}/report.xlsx?area=51").status_code == 404
    assert b.get(f"/plans/{PLAN}/report.csv?area=21451").status_code == 404
    assert as_user("province1").get(f"/plans/{PLAN}/report.csv").status_code == 404


def test_the_api_gives_the_workbook_within_the_callers_scope(app: Flask) -> None:
    _seed(app)
    api = Api(app.test_client())
    response = api.call("GET", f"/plans/{PLAN}/report.xlsx?period=2022", "quangngai")
    assert response.status_code == 200 and response.mimetype == XLSX
    progress = api.call("GET", f"/plans/{PLAN}/progress?period=2022", "quangngai").get_json()
    actual = next(r["actual"] for r in progress["indicators"] if r["id"] == "certified-3-4-stars")
    assert _first_figure(response.get_data())[1] == actual == 3
    assert_error_shape(api.call("GET", f"/plans/{PLAN}/report.xlsx?area=21451", "ducpho"), 404)
    assert_error_shape(api.call("GET", f"/plans/{PLAN}/report.xlsx", "province1"), 404)
    assert_error_shape(api.call("GET", f"/plans/{PLAN}/report.xlsx?period=2030", "quangngai"), 422)
