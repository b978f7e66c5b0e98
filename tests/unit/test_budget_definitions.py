"""A plan's budget sources and overrun allowance are read from its YAML (issue 13)."""

from __future__ import annotations

from pathlib import Path

from engine.definitions.loader import load_catalog

PLANS = Path(__file__).resolve().parents[2] / "workflows" / "plans"


def test_the_sources_a_plan_declares_label_its_lines_and_an_allowance_is_per_line() -> None:
    result = load_catalog([PLANS])
    assert result.ok, [p.format() for p in result.problems]
    duc_pho = result.catalog.plans["duc-pho-2022"]
    assert [(s.id, s.label.get("vi")) for s in duc_pho.budget_sources] == [
        ("district", "Ngân sách cấp huyện (thị xã)"),
        ("producers", "Vốn của chủ thể"),
    ]
    town = duc_pho.budget_line("town")
    assert town is not None and duc_pho.budget_source(town.source) is not None and not town.allow_overrun
    tay_ninh = result.catalog.plans["tay-ninh-2025-2026"]
    assert {b.id: b.allow_overrun for b in tay_ninh.budget} == {"province": False, "producers": True}


def test_the_plans_allowance_is_the_default_of_its_lines_and_a_lines_own_value_wins(tmp_path: Path) -> None:
    text = (PLANS / "tay-ninh-2025-2026.yaml").read_text("utf-8")
    text = text.replace("allow_overrun: true,", "allow_overrun: false,") + "allow_overrun: true\n"
    (tmp_path / "plan.yaml").write_text(text, "utf-8")
    result = load_catalog([tmp_path])
    assert result.ok, [p.format() for p in result.problems]
    plan = result.catalog.plans["tay-ninh-2025-2026"]
    assert {b.id: b.allow_overrun for b in plan.budget} == {"province": True, "producers": False}
