"""The province officer opens the Tây Ninh plan: the dashboard draws its two charts, and a figure's
link lists exactly the certificates it counted (issue 13)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert

from engine.storage import tables as t

pytestmark = pytest.mark.browser

# (id, commune, stars, issued): 3 stars or more in 2025 are 7101, 7102 and 7104
CERTIFICATES = [
    (7101, "25708", 3, dt.date(2025, 2, 3)),
    (7102, "25516", 4, dt.date(2025, 6, 9)),
    (7103, "25516", 2, dt.date(2025, 6, 10)),  # 2 stars: not counted
    (7104, "25708", 5, dt.date(2025, 11, 20)),
    (7105, "25708", 4, dt.date(2024, 12, 30)),  # before the plan: not counted
]
# a canvas that Chart.js drew on has pixels that are not transparent
DRAWN = """() => Array.from(document.querySelectorAll('canvas[data-plan-chart]')).map(c => {
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
  const chart = Chart.getChart(c);
  return {chart: !!chart, type: chart && chart.config.type, points: chart && chart.data.datasets[0].data.length, inked};
})"""


def _seed(app: Flask) -> None:
    now = dt.datetime(2025, 1, 1, 8, 0)
    with app.extensions["ocopflow"].database.transaction() as repo:
        for n, commune, stars, issued in CERTIFICATES:
            same = {"product_name": f"Sản phẩm {n}", "producer_org": f"HTX {n}", "stars": stars}
            repo.connection.execute(
                insert(t.dossiers).values(
                    id=n, workflow_id="ocop-2025", workflow_version="1", definition_hash="0" * 64,
                    state="certified", product_set="single", product_group="thuc-pham", province_code="80",
                    commune_code=commune, kind="first", filed_on=issued - dt.timedelta(days=60),
                    created_by="test", created_at=now, updated_at=now, **same,
                )
            )  # fmt: skip
            repo.connection.execute(
                insert(t.certificates).values(
                    id=n, number=f"GCN-{n}", dossier_id=n, issued_on=issued, status="valid",
                    expires_on=issued.replace(year=issued.year + 3), **same,
                )
            )  # fmt: skip


def test_the_dashboard_draws_its_charts_and_a_figure_lists_what_it_counted(
    person: Any, server: tuple[str, Flask]
) -> None:
    _seed(server[1])
    officer = person("province1")
    page = officer.page
    page.set_viewport_size({"width": 390, "height": 844})
    officer.go("/plans/tay-ninh-2025-2026?period=2025")
    page.wait_for_function("() => document.querySelectorAll('canvas[data-plan-chart]').length === 2 && "
                           "Array.from(document.querySelectorAll('canvas')).every(c => Chart.getChart(c))")  # fmt: skip
    page.wait_for_timeout(1200)  # the charts' opening animation
    charts = page.evaluate(DRAWN)
    assert [(c["chart"], c["type"]) for c in charts] == [(True, "line"), (True, "bar")]
    assert charts[0]["points"] == 12 and charts[1]["points"] == 2  # twelve months; two communes
    assert all(c["inked"] > 500 for c in charts), charts
    table = page.locator("[data-testid=chart-progress] table tbody tr").last.inner_text()
    # dossiers filed in 2025 (7102, 7103, 7104), certified 3 stars or more, producers certified
    assert table.split("\t") == ["12/2025", "3", "3", "4"]
    officer.shot("plan-dashboard-phone", full_page=True)

    row = page.locator("[data-testid=indicator-certified-3-stars]")
    figure = row.locator("[data-testid=figure]")
    assert figure.inner_text() == "3"
    figure.click()
    page.wait_for_load_state()
    listed = page.locator("[data-testid=counted-item]")
    assert [listed.nth(i).get_attribute("data-id") for i in range(listed.count())] == ["7101", "7102", "7104"]
    assert page.locator("[data-testid=counted-item] a").all_inner_texts() == [
        "Sản phẩm 7101", "Sản phẩm 7102", "Sản phẩm 7104"
    ]  # fmt: skip
    officer.shot("plan-figure-items")
