"""Role ids are namespaced by their roles file; shared roles are declared once and used by others.

Two regimes may both define `council_member`: a grant names one of them
(`pack-a-roles:council_member`) and counts only where that roles file is consulted. A role
declared `shared: true` and used by another file (`uses:`) is one role: one grant counts in both.
An unqualified grant (stored before namespaces) names the role of that id in whichever roles file
is consulted, as it always did.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions.loader import load_catalog, load_texts
from engine.definitions.model import Catalog
from engine.permissions import Actor, DossierFacts, local_roles, may, visible

PACK_A = """\
kind: roles
id: pack-a-roles
roles:
  council_member:
    label: Thành viên Hội đồng A
    scope: province
    can: [view, score]
  auditor:
    shared: true
    label: Kiểm tra
    scope: central
    can: [view, audit]
"""
PACK_B = """\
kind: roles
id: pack-b-roles
uses: [pack-a-roles:auditor]
roles:
  council_member:
    label: Thành viên Hội đồng B
    scope: commune
    can: [view]
"""
DOSSIER = DossierFacts("1", "scoring", "27", "27712", "htx-1")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    result = load_texts([("b.yaml", PACK_B), ("a.yaml", PACK_A)])  # any order
    assert result.ok, [p.format() for p in result.problems]
    return result.catalog


def test_a_qualified_grant_counts_only_in_its_own_roles_file(catalog: Catalog) -> None:
    a, b = catalog.roles["pack-a-roles"], catalog.roles["pack-b-roles"]
    member_a = Actor("u1", frozenset({"pack-a-roles:council_member"}), area="27")
    assert may(member_a, "score", a, DOSSIER).allowed
    refused = may(member_a, "score", b, DOSSIER)
    assert not refused.allowed and refused.reason == "role"
    assert local_roles(member_a.roles, a) == {"council_member"} and local_roles(member_a.roles, b) == set()


def test_the_same_name_in_two_regimes_is_two_roles(catalog: Catalog) -> None:
    a, b = catalog.roles["pack-a-roles"], catalog.roles["pack-b-roles"]
    assert a.roles["council_member"].qualified == "pack-a-roles:council_member"
    assert b.roles["council_member"].qualified == "pack-b-roles:council_member"
    member_b = Actor("u2", frozenset({"pack-b-roles:council_member"}), area="27712")
    assert not may(member_b, "score", b, DOSSIER).allowed  # B's member has no score
    assert visible(member_b, b, DOSSIER) and not visible(member_b, a, DOSSIER)


def test_a_shared_role_is_one_role_granted_once_for_every_file_that_uses_it(catalog: Catalog) -> None:
    a, b = catalog.roles["pack-a-roles"], catalog.roles["pack-b-roles"]
    assert b.roles["auditor"] is a.roles["auditor"]
    assert sorted(b.own()) == ["council_member"]
    auditor = Actor("u3", frozenset({"pack-a-roles:auditor"}))
    assert may(auditor, "audit", a, DOSSIER).allowed and may(auditor, "audit", b, DOSSIER).allowed
    assert visible(auditor, b, DOSSIER)


def test_an_unqualified_legacy_grant_names_the_role_of_that_id_in_the_file_consulted(
    catalog: Catalog,
) -> None:
    a, b = catalog.roles["pack-a-roles"], catalog.roles["pack-b-roles"]
    legacy = Actor("u4", frozenset({"council_member"}), area="27")
    assert may(legacy, "score", a, DOSSIER).allowed
    assert local_roles(legacy.roles, b) == {"council_member"}  # B's own member: view only
    assert not may(legacy, "score", b, DOSSIER).allowed


def test_unknown_grants_grant_nothing(catalog: Catalog) -> None:
    a = catalog.roles["pack-a-roles"]
    for grant in ("pack-b-roles:auditor", "nosuch:council_member", "pack-a-roles:"):
        assert not may(Actor("u5", frozenset({grant}), area="27"), "view", a, DOSSIER).allowed


def test_a_roles_file_using_a_shared_role_is_checked_against_the_installed_ones(catalog: Catalog) -> None:
    """The upload of one file resolves `uses:` in the catalog in force (the context)."""
    context = Catalog(roles={"pack-a-roles": catalog.roles["pack-a-roles"]})
    alone = load_texts([("b.yaml", PACK_B)], context=context)
    assert alone.ok and alone.catalog.roles["pack-b-roles"].roles["auditor"].namespace == "pack-a-roles"
    without = load_texts([("b.yaml", PACK_B)], lang="en")
    assert [(p.code, p.line, p.column) for p in without.problems] == [("E140", 3, 8)]
    assert "'uses' names roles file 'pack-a-roles', which is not loaded" in without.problems[0].message


def test_the_homestay_regime_uses_the_ocop_auditor() -> None:
    root = Path(__file__).resolve().parents[2]
    result = load_catalog([root / "workflows", root / "forms", root / "tests" / "fixtures" / "homestay"])
    assert result.ok, [p.format() for p in result.errors]
    homestay = result.catalog.roles["homestay-roles"]
    auditor = Actor("kiem-tra", frozenset({"ocop-2026-roles:auditor"}))
    assert may(auditor, "audit", homestay, DOSSIER).allowed
    assert may(auditor, "audit", result.catalog.roles["ocop-2026-roles"], DOSSIER).allowed
    assert not may(auditor, "audit", result.catalog.roles["ocop-2023-roles"], DOSSIER).allowed
