"""The `plan` kind: the shipped plans load, each indicator is counted or says why not (issue 13)."""

from __future__ import annotations

from pathlib import Path

from engine import plan_counting
from engine.definitions.loader import load_catalog, load_text

PLANS = Path(__file__).resolve().parents[2] / "workflows" / "plans"

PLAN = """kind: plan
id: p
version: "1"
title: Kế hoạch
legal_basis: Kế hoạch số 1/KH-UBND
issued_by: "80"
period: {from: 2026, to: 2026}
areas: ["80"]
indicators:
  - id: certified
    label: Sản phẩm đạt 3 sao
    unit: sản phẩm
    source: dòng 1
    targets: [{value: 3, year: 2026}, {value: 1, area: "80", year: 2026}]
    count:
      subject: certificates
      where:
        stars: {gte: 3}
        colour: red
"""


def test_the_shipped_plans_load_and_every_indicator_is_counted_or_says_why_not() -> None:
    result = load_catalog([PLANS])
    assert result.ok, [p.format() for p in result.problems]
    plans = result.catalog.plans
    assert sorted(plans) == ["binh-phuoc-2022-2025", "dak-rlap-2024", "duc-pho-2022", "tay-ninh-2025-2026"]
    for plan in plans.values():
        for indicator in plan.indicators:
            assert indicator.source
            assert indicator.count is not None or indicator.description is not None, indicator.id
    duc_pho = plans["duc-pho-2022"]
    certified = duc_pho.indicator("certified-3-4-stars")
    assert certified is not None and isinstance(certified.count, plan_counting.CountQuery)
    assert certified.count.filters == (plan_counting.Filter("stars", "in", [3, 4]),)
    assert [(b.id, b.planned) for b in duc_pho.budget] == [("town", 195e6), ("producers", 105e6)]


def test_an_unknown_counting_field_is_named_at_its_line() -> None:
    result = load_text(PLAN, "p.yaml", lang="en")
    assert not result.ok
    [problem] = result.problems
    assert (problem.code, problem.line, problem.column) == ("E801", 19, 9)
    assert "colour" in problem.message


def test_a_valid_plan_builds_its_targets() -> None:
    result = load_text(PLAN.replace("        colour: red\n", ""), "p.yaml")
    assert result.ok, [p.format() for p in result.problems]
    plan = result.catalog.plans["p"]
    assert plan.period == (2026, 2026) and plan.areas == ("80",)
    [indicator] = plan.indicators
    assert [(t.value, t.year, t.area) for t in indicator.targets] == [(3.0, 2026, None), (1.0, 2026, "80")]
