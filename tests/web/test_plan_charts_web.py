"""The plan dashboard's charts: their data, embedded for static/plan-charts.js, and the table of the
same numbers beside each chart (issue 13). Data: tests/web/test_plans_web.py's certificates."""

from __future__ import annotations

import html as htmllib
import json
import re
from typing import Any

from flask import Flask

from tests.web.test_plans_web import PLAN, _seed


def _chart(page: str, testid: str) -> tuple[dict[str, Any], list[list[str]]]:
    section = page.split(f'data-testid="{testid}"', 1)[1].split("</section>", 1)[0]
    found = re.search(r"data-plan-chart='([^']*)'", section)
    assert found is not None
    rows = [
        [
            htmllib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)
        ]
        for r in re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>", 1)[1])
    ]
    return json.loads(htmllib.unescape(found.group(1))), rows


def test_the_dashboard_charts_progress_by_month_and_the_communes(app: Flask, as_user: Any) -> None:
    _seed(app)
    page = as_user("quangngai").get(f"/plans/{PLAN}").get_data(as_text=True)
    assert "plan-charts.js" in page and "vendor/chartjs/chart.umd.min.js" in page
    monthly, rows = _chart(page, "chart-progress")
    assert monthly["type"] == "line" and monthly["labels"][0] == "01/2022" and len(monthly["labels"]) == 12
    # certificates 1 (March), 2 (July), 4 (August) against a target of 3: a share of the target
    assert monthly["yTitle"] == "% mục tiêu (lũy kế)"
    assert monthly["datasets"][0]["data"] == [0, 0, 33.3, 33.3, 33.3, 33.3, 66.7, 100, 100, 100, 100, 100]
    assert rows[2] == ["03/2022", "1 (33 %)"] and rows[-1] == ["12/2022", "3 (100 %)"]
    areas, rows = _chart(page, "chart-areas")
    names = app.extensions["ocopflow"].service.plans.area_names(["21439", "21451"])
    assert areas["type"] == "bar" and areas["labels"] == [names["21439"], names["21451"]]
    assert areas["datasets"][0]["data"] == [2, 1]
    assert rows == [[names["21439"], "2"], [names["21451"], "1"]]
    assert "3 địa bàn khác chưa có số liệu (0)." in page


def test_a_commune_has_its_progress_and_nothing_to_compare(app: Flask, as_user: Any) -> None:
    _seed(app)
    page = as_user("ducpho").get(f"/plans/{PLAN}").get_data(as_text=True)
    monthly, rows = _chart(page, "chart-progress")
    # a commune has no target of its own: the figures themselves
    assert monthly["yTitle"] == "Thực hiện (lũy kế)" and monthly["datasets"][0]["data"][-1] == 2
    assert rows[-1] == ["12/2022", "2"]
    assert 'data-testid="chart-areas"' not in page
