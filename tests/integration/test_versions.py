"""Definition versions: a dossier keeps the version it was filed under; migration is explicit."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import InvalidDefinition, PermissionDenied

NEW_FROM = dt.date(2026, 10, 1)


def new_version(service) -> str:  # type: ignore[no-untyped-def]
    """ocop-2026 as an administrator might edit it: a new version with a renamed state."""
    source = service.catalog.workflows["ocop-2026"].source.text
    return (
        source.replace('version: "2026.2"', 'version: "2026.3"')
        .replace("effective_from: 2026-05-22", f"effective_from: {NEW_FROM.isoformat()}")
        .replace("business_plan", "plan_submitted")
    )


def test_every_shipped_definition_is_stored_with_its_hash_source_and_legal_basis(service):
    versions = service.definition_versions("workflow")
    assert {"ocop-2023", "ocop-2026"} <= {v.def_id for v in versions}
    for v in versions:
        assert len(v.sha256) == 64 and v.legal_basis and v.effective_from and v.activated_by == "system"
        assert service.definition_source(v.sha256).startswith(
            "#"
        ) or "kind: workflow" in service.definition_source(v.sha256)


def test_the_filing_date_picks_the_regime(open_dossier):
    assert open_dossier(filed_on=dt.date(2025, 3, 3)).workflow_id == "ocop-2023"
    assert open_dossier(filed_on=dt.date(2025, 9, 1)).workflow_id == "ocop-2025"
    assert open_dossier(filed_on=dt.date(2026, 5, 22)).workflow_id == "ocop-2026"


def test_a_new_version_applies_to_new_dossiers_only(service, people, open_dossier):
    before = open_dossier(filed_on=dt.date(2026, 7, 1))
    service.fire(people["producer1"], before.id, "submit_plan")
    activated = service.activate_definition(people["admin"], new_version(service), "ocop-2026-v2.yaml")
    assert [(v.def_id, v.version, v.activated_by) for v in activated] == [("ocop-2026", "2026.3", "admin")]

    after = open_dossier(filed_on=NEW_FROM + dt.timedelta(days=1))
    assert (after.workflow_version, before.workflow_version) == ("2026.3", "2026.2")
    kept = service.get_dossier(people["producer1"], before.id)
    assert (kept.state, kept.definition_hash) == ("business_plan", before.definition_hash)
    # The old dossier still runs under its own rules, not the edited ones.
    assert service.fire(people["commune1"], before.id, "accept_plan").state == "implementation"
    assert service.fire(people["producer1"], after.id, "submit_plan").state == "plan_submitted"


def test_activating_a_definition_needs_the_administer_permission(service, people):
    with pytest.raises(PermissionDenied):
        service.activate_definition(people["producer1"], new_version(service), "x.yaml")


def test_an_invalid_definition_is_refused_with_its_problems(service, people):
    broken = new_version(service).replace("to: certified", "to: nowhere", 1)
    with pytest.raises(InvalidDefinition) as refused:
        service.activate_definition(people["admin"], broken, "broken.yaml")
    assert refused.value.problems


def test_a_migration_dry_run_lists_each_dossiers_new_state_and_changes_nothing(service, people, open_dossier):
    moving = open_dossier(filed_on=dt.date(2026, 7, 1))
    service.fire(people["producer1"], moving.id, "submit_plan")
    staying = open_dossier(filed_on=dt.date(2026, 7, 2))
    service.activate_definition(people["admin"], new_version(service), "ocop-2026-v2.yaml")

    unmapped = service.plan_migration(people["admin"], "2026.2", "2026.3", {}, [moving.id, staying.id])
    assert [(i.dossier_id, i.from_state, i.to_state) for i in unmapped.items] == [
        (moving.id, "business_plan", None),
        (staying.id, "idea", "idea"),
    ]
    assert not unmapped.ok
    with pytest.raises(InvalidDefinition):
        service.apply_migration(people["admin"], "2026.2", "2026.3", {}, [moving.id, staying.id])

    plan = service.plan_migration(
        people["admin"], "2026.2", "2026.3", {"business_plan": "plan_submitted"}, [moving.id, staying.id]
    )
    assert plan.ok and [i.to_state for i in plan.items] == ["plan_submitted", "idea"]
    assert all(i.invalid_forms == () and not i.scores_to_redo for i in plan.items)
    assert service.get_dossier(people["producer1"], moving.id).workflow_version == "2026.2"


def test_applying_a_migration_moves_the_dossiers_in_one_audited_act(service, people, open_dossier):
    moving = open_dossier(filed_on=dt.date(2026, 7, 1))
    service.fire(people["producer1"], moving.id, "submit_plan")
    service.activate_definition(people["admin"], new_version(service), "ocop-2026-v2.yaml")
    events_before = service.verify_audit().events

    service.apply_migration(
        people["admin"], "2026.2", "2026.3", {"business_plan": "plan_submitted"}, [moving.id]
    )

    moved = service.get_dossier(people["producer1"], moving.id)
    assert (moved.workflow_version, moved.state) == ("2026.3", "plan_submitted")
    assert service.fire(people["commune1"], moving.id, "accept_plan").state == "implementation"
    last = service.history(people["producer1"], moving.id)
    assert [e.action for e in last][-2:] == ["migrate", "fire"]
    assert service.verify_audit().events == events_before + 3  # migration, migrate, fire


def test_a_migration_refuses_closed_dossiers(service, people, open_dossier):
    closed = open_dossier(filed_on=dt.date(2026, 7, 1))
    service.fire(people["producer1"], closed.id, "withdraw")
    service.activate_definition(people["admin"], new_version(service), "ocop-2026-v2.yaml")
    plan = service.plan_migration(people["admin"], "2026.2", "2026.3", {}, [closed.id])
    assert not plan.ok and "closed" in (plan.items[0].problem or "")
