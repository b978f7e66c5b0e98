"""The register kind: loading, the access truth table and the geometry checks (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import geometry
from engine.definitions.loader import load_catalog
from engine.definitions.model import Catalog, Register, RoleSet
from engine.permissions import Actor
from engine.record_access import RecordFacts, may_record

EXAMPLES = Path(__file__).resolve().parents[1] / "definitions"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    result = load_catalog([EXAMPLES / "valid", EXAMPLES / "registers"])
    assert result.ok, [p.format() for p in result.problems]
    return result.catalog


@pytest.fixture(scope="module")
def plots(catalog: Catalog) -> Register:
    return catalog.registers["test-plots"]


def test_a_register_loads_every_field_type_with_its_extras(plots: Register) -> None:
    types = {f.id: f.type for f in plots.fields}
    assert types["shape"] == "geometry" and plots.geometry_field is not None
    assert plots.geometry_field.geometry == ("Polygon", "MultiPolygon")
    visits = plots.field("visits")
    assert visits is not None and [c.id for c in visits.columns] == ["day", "note"]
    refs = {f.id: (f.ref.kind, f.ref.register, f.many) for f in plots.fields if f.ref}
    assert refs == {"neighbour": ("register", "test-plots", False), "dossier": ("dossier", None, False),
                    "certificates": ("certificate", None, True)}  # fmt: skip
    assert [f.id for f in plots.fields if f.public] == ["name", "shape"]
    assert [f.id for f in plots.filters] == ["crop", "irrigated", "commune"]


def test_every_shipped_register_loads_beside_the_workflows() -> None:
    result = load_catalog()
    assert result.ok
    assert {"ocop-producers", "ocop-products", "ocop-growing-areas", "ocop-craft-villages", "ocop-points-of-sale",
            "ocop-trade-promotion", "ocop-trainings"} <= set(result.catalog.registers)  # fmt: skip


def test_the_craft_village_example_carries_a_register_of_its_own() -> None:
    result = load_catalog([Path(__file__).resolve().parents[2] / "examples" / "craft-village"])
    assert result.ok, [p.format() for p in result.problems]
    assert list(result.catalog.registers) == ["craft-village-sites"]


A, B = "25000", "25001"
FACTS_A = RecordFacts("80", A, None)
FACTS_B = RecordFacts("80", B, "HTX Hai")


@pytest.mark.parametrize(
    ("roles", "area", "organisation", "action", "facts", "allowed", "reason"),
    [
        (["officer"], A, None, "view", FACTS_A, True, "ok"),
        (["officer"], A, None, "view", FACTS_B, False, "scope"),
        (["officer"], A, None, "archive", FACTS_A, True, "ok"),
        (["producer"], None, "HTX Hai", "view", FACTS_B, True, "ok"),
        (["producer"], None, "HTX Hai", "view", FACTS_A, False, "scope"),
        (["producer"], None, "HTX Hai", "create", None, True, "ok"),
        (["producer"], None, "HTX Hai", "edit", FACTS_B, False, "role"),
        (["member"], "80", None, "view", FACTS_B, True, "ok"),
        (["member"], "80", None, "create", None, False, "role"),
        (["member"], "81", None, "view", FACTS_A, False, "scope"),
        (["chair"], "80", None, "view", FACTS_A, False, "role"),
        ([], None, None, "view", None, False, "role"),
        (["ghost"], A, None, "view", FACTS_A, False, "role"),
    ],
)
def test_who_may_do_what_to_a_record(
    catalog: Catalog, plots: Register, roles: list[str], area: str | None, organisation: str | None, action: str,
    facts: RecordFacts | None, allowed: bool, reason: str,
) -> None:  # fmt: skip
    roleset: RoleSet = catalog.roles["test-roles"]
    decision = may_record(Actor("x", frozenset(roles), area, organisation), plots, roleset, action, facts)
    assert (decision.allowed, decision.reason) == (allowed, reason)


def ring(*points: tuple[float, float]) -> list[list[float]]:
    return [list(p) for p in (*points, points[0])]


def test_a_valid_multipolygon_is_measured_and_boxed() -> None:
    square = ring((106.0, 11.0), (106.001, 11.0), (106.001, 11.001), (106.0, 11.001))
    other = ring((106.01, 11.0), (106.011, 11.0), (106.011, 11.001), (106.01, 11.001))
    checked = geometry.check({"type": "MultiPolygon", "coordinates": [[square], [other]]}, ("MultiPolygon",))
    assert checked.area_ha == pytest.approx(2 * 1.2, rel=0.02)
    assert checked.bbox == (106.0, 11.0, 106.011, 11.001)


def test_a_point_has_no_area_and_extra_members_are_not_kept() -> None:
    checked = geometry.check({"type": "Point", "coordinates": [106.1, 11.2], "crs": "x"}, ("Point",))
    assert checked.area_ha is None and checked.geometry == {"type": "Point", "coordinates": [106.1, 11.2]}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"type": "Point", "coordinates": [181, 11]}, "geometry.wgs84"),
        ({"type": "Point", "coordinates": [106, -91]}, "geometry.wgs84"),
        ({"type": "Point", "coordinates": ["106", 11]}, "geometry.coordinates"),
        ({"type": "Point", "coordinates": [106, float("nan")]}, "geometry.coordinates"),
        ({"type": "Point"}, "geometry.coordinates"),
        (
            {"type": "Polygon", "coordinates": [ring((106, 11), (106.1, 11.1), (106.1, 11), (106, 11.1))]},
            "geometry.invalid",
        ),
        ({"type": "Polygon", "coordinates": []}, "geometry.coordinates"),
        ({"type": "Feature", "geometry": None}, "geometry.type"),
        ([1, 2], "geometry.type"),
        ("{not json", "geometry.json"),
        (
            {
                "type": "MultiPolygon",
                "coordinates": [[ring(*((106 + i / 1e5, 11 + (i % 2) / 1e5) for i in range(20_001)))]],
            },
            "geometry.too_large",
        ),
    ],
)
def test_a_bad_shape_names_its_problem(value: object, code: str) -> None:
    with pytest.raises(geometry.GeometryError) as caught:
        geometry.check(value, ("Point", "Polygon", "MultiPolygon"))
    assert caught.value.problem.code == code
