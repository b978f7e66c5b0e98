"""service.plans.monthly and .by_area: the chart data of the dashboard, over the hand-checked
certificates of tests/unit/test_plans_service.py (Đức Phổ 2022: certificates 1, 2, 3 at 3–4 stars
in Phường Đức Phổ 21439 on 10/3, 1/7 and 31/12; 7 in Trà Câu 21451 on 8/8; 4 at 2 stars, 5 in 2021
and 6 in Tây Ninh count nowhere)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from test_plans_service import INDICATOR, PLAN, seeded

from engine import plan_counting
from engine.errors import NotFound
from engine.permissions import Actor
from engine.service.plans import _month_ends

__all__ = ["seeded"]  # the fixture, shared


def _series(monthly: Any, indicator: str) -> Any:
    return next(s for s in monthly.indicators if s.indicator.id == indicator)


def test_the_progress_is_cumulative_month_by_month(seeded: Any, make_actor: Callable[..., Actor]) -> None:
    officer = make_actor("quangngai", ["province_officer"], area="51")
    monthly = seeded.plans.monthly(officer, PLAN)
    assert monthly.months[0] == dt.date(2022, 1, 31) and monthly.months[-1] == dt.date(2022, 12, 31)
    assert len(monthly.months) == 12
    series = _series(monthly, INDICATOR)
    assert series.target == 3.0
    assert series.values == (0, 0, 1, 1, 1, 1, 2, 3, 3, 3, 3, 4)
    # the indicator the data cannot count has no series
    assert "producers-supported" not in [s.indicator.id for s in monthly.indicators]
    # a commune's own series, and a quarter: its three months only
    assert _series(seeded.plans.monthly(officer, PLAN, "21439"), INDICATOR).values[-1] == 3
    quarter = seeded.plans.monthly(officer, PLAN, "21439", "2022-Q3")
    assert quarter.months == (dt.date(2022, 7, 31), dt.date(2022, 8, 31), dt.date(2022, 9, 30))
    assert _series(quarter, INDICATOR).values == (1, 1, 1)


def test_the_last_month_agrees_with_the_figure(seeded: Any, make_actor: Callable[..., Actor]) -> None:
    officer = make_actor("quangngai", ["province_officer"], area="51")
    for area, period in (("51", None), ("21451", "2022-Q3"), ("21439", "2022-03")):
        progress = seeded.plans.progress(officer, PLAN, area, period)
        actual = next(r.actual for r in progress.indicators if r.indicator.id == INDICATOR)
        monthly = seeded.plans.monthly(officer, PLAN, area, period)
        assert _series(monthly, INDICATOR).values[-1] == actual


def test_the_areas_under_the_province_are_compared(seeded: Any, make_actor: Callable[..., Actor]) -> None:
    officer = make_actor("quangngai", ["province_officer"], area="51")
    comparison = seeded.plans.by_area(officer, PLAN)
    assert comparison.areas == ("21439", "21451", "21478", "21457", "21472")
    figures = next(f for f in comparison.indicators if f.indicator.id == INDICATOR)
    assert figures.values == (3, 1, 0, 0, 0)
    assert seeded.plans.by_area(officer, PLAN, None, "2022-Q1").indicators[0].values == (1, 0, 0, 0, 0)
    # a commune has nothing under it
    assert seeded.plans.by_area(officer, PLAN, "21439").areas == ()


def test_a_commune_officer_gets_no_chart_of_another_area(
    seeded: Any, make_actor: Callable[..., Actor]
) -> None:
    officer = make_actor("ducpho", ["commune_officer"], area="21439")
    assert _series(seeded.plans.monthly(officer, PLAN), INDICATOR).values[-1] == 3
    for call in (seeded.plans.monthly, seeded.plans.by_area):
        with pytest.raises(NotFound):
            call(officer, PLAN, "51")


@pytest.mark.parametrize(
    "raw",
    [
        {"subject": "certificates", "where": {"stars": {"gte": 3}}},
        {"subject": "certificates", "aggregate": "distinct", "of": "stars"},
        {"subject": "certificates", "aggregate": "sum", "of": "stars"},
        {"subject": "certificates", "aggregate": "share", "numerator": {"stars": {"gte": 3}}},
        {"subject": "dossiers", "aggregate": "distinct", "of": "producer_org"},
    ],
    ids=["count", "distinct", "sum", "share", "dossiers-distinct"],
)
def test_each_month_of_a_series_is_the_figure_counted_up_to_its_end(
    seeded: Any, database: Any, raw: Any
) -> None:
    query = plan_counting.parse(raw)
    start = dt.date(2021, 9, 15)
    ends = _month_ends(start, dt.date(2022, 12, 31))  # a span over two years
    for area in (None, "51", ("21439", "21451")):
        with database.transaction() as repo:
            series = [
                v
                for _, v in repo.connection.execute(plan_counting.series_statement(query, start, ends, area))
            ]
            single = [
                repo.connection.execute(plan_counting.statement(query, start, e, area)).scalar() for e in ends
            ]
        assert [float(v) for v in series] == pytest.approx([float(v) for v in single]), area
    assert any(single)
    with pytest.raises(ValueError):  # a month left out would drop its rows
        plan_counting.series_statement(query, start, [ends[0], ends[2]], None)
    with pytest.raises(ValueError):  # nor may the months start after the start's
        plan_counting.series_statement(query, start, ends[1:], None)


def test_the_areas_compared_are_the_figures_of_each_area(seeded: Any, database: Any) -> None:
    query = plan_counting.parse({"subject": "certificates", "aggregate": "distinct", "of": "stars"})
    codes = ["21439", "21451", "25708", "51", "21478"]
    start, end = dt.date(2021, 1, 1), dt.date(2022, 12, 31)
    with database.transaction() as repo:
        compared = dict(
            repo.connection.execute(plan_counting.by_area_statement(query, start, end, codes)).all()
        )
        single = {
            c: repo.connection.execute(plan_counting.statement(query, start, end, c)).scalar() for c in codes
        }
    assert {c: compared.get(c, 0) for c in codes} == single
    assert single == {"21439": 3, "21451": 1, "25708": 1, "51": 3, "21478": 0}
