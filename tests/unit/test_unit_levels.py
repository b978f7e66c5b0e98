"""Area levels as data: the units file declares them, the role scopes are resolved from them."""

from __future__ import annotations

from pathlib import Path

from engine.definitions import model as m
from engine.definitions import units
from engine.permissions import Actor, DossierFacts, in_scope

CSV = """province_code,province_name,district_code,district_name,commune_code,commune_name,commune_kind
70,Tỉnh Bình Phước,693,Huyện Bù Đăng,25000,Xã Một,xã
70,Tỉnh Bình Phước,693,Huyện Bù Đăng,25001,Xã Hai,xã
70,Tỉnh Bình Phước,694,Huyện Lộc Ninh,25100,Xã Ba,xã
"""


def _three_levels(tmp_path: Path) -> m.UnitSet:
    (tmp_path / "u.csv").write_text(CSV, "utf-8")
    data = {"source": "u.csv", "levels": ["province", "district", "commune"]}
    found, findings, _ = units.read_units(data, tmp_path / "u.yaml")
    assert findings == []
    return m.UnitSet("u", m.Text("u"), found, None, ("province", "district", "commune"))


def test_the_csv_columns_follow_the_declared_levels(tmp_path: Path) -> None:
    unitset = _three_levels(tmp_path)
    assert units.columns(["province", "commune"]) == (
        "province_code", "province_name", "commune_code", "commune_name", "commune_kind"
    )  # fmt: skip
    assert unitset.units["693"].level == "district" and unitset.units["693"].parent == "70"
    assert unitset.units["25000"].parent == "693" and unitset.units["25000"].kind == "xã"
    assert unitset.areas_of("25000") == {"commune": "25000", "district": "693", "province": "70"}
    assert {u.code for u in unitset.within("693")} == {"25000", "25001"}


def test_a_district_role_sees_the_dossiers_of_its_district_only(tmp_path: Path) -> None:
    unitset = _three_levels(tmp_path)
    role = m.Role("district_officer", m.Text("Huyện"), "district", frozenset({"view"}))

    def facts(commune: str) -> DossierFacts:
        return DossierFacts("d", "draft", "70", commune, "htx", areas_by_level=unitset.areas_of(commune))

    officer = Actor("u1", frozenset({"district_officer"}), area="693")
    assert in_scope(officer, role, facts("25001"))
    assert not in_scope(officer, role, facts("25100"))
    # an area of another level than the role's grants nothing
    assert not in_scope(Actor("u2", frozenset({"district_officer"}), area="70"), role, facts("25001"))


def test_a_parent_that_moves_and_a_code_at_two_levels_are_refused(tmp_path: Path) -> None:
    (tmp_path / "u.csv").write_text(CSV + "67,Tỉnh Đắk Nông,693,Huyện Bù Đăng,25200,Xã Bốn,xã\n", "utf-8")
    data = {"source": "u.csv", "levels": ["province", "district", "commune"]}
    assert [f.code for f in units.read_units(data, tmp_path / "u.yaml")[1]] == ["E123"]
    (tmp_path / "u.csv").write_text(CSV + "70,Tỉnh Bình Phước,694,Huyện Lộc Ninh,693,Xã Năm,xã\n", "utf-8")
    assert [f.code for f in units.read_units(data, tmp_path / "u.yaml")[1]] == ["E124"]
