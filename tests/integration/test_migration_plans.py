"""Migration plans as files: the preview says where every open dossier lands and what blocks it,
before anything changes; applying is all or nothing and audited; a wrong plan is a Problem."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import InvalidDefinition
from tests.integration.test_versions import new_version

PLAN = """workflow: ocop-2026
from: "2026.2"
to: "2026.3"
states:
  business_plan: plan_submitted
"""


@pytest.fixture
def dossiers(service, people, open_dossier):  # type: ignore[no-untyped-def]
    moving = open_dossier(filed_on=dt.date(2026, 7, 1))
    service.fire(people["producer1"], moving.id, "submit_plan")
    staying = open_dossier(filed_on=dt.date(2026, 7, 2))
    closed = open_dossier(filed_on=dt.date(2026, 7, 3))
    service.fire(people["producer1"], closed.id, "withdraw")
    service.install_bundle(people["admin"], [("ocop-2026-v2.yaml", new_version(service))])
    return moving, staying, closed


def test_the_preview_lists_every_open_dossier_and_changes_nothing(service, people, dossiers):
    moving, staying, _closed = dossiers
    preview = service.preview_migration_plan(people["admin"], PLAN, "plan.yaml")
    assert preview.ok and not preview.problems
    assert [(i.dossier_id, i.from_state, i.to_state) for i in preview.plan.items] == [
        (moving.id, "business_plan", "plan_submitted"),
        (staying.id, "idea", "idea"),
    ]  # the withdrawn dossier is closed: not part of the plan
    assert service.get_dossier(people["producer1"], moving.id).workflow_version == "2026.2"


def test_a_dossier_the_plan_would_strand_is_listed_as_blocked(service, people, dossiers):
    moving, staying, _ = dossiers
    unmapped = PLAN.replace("states:\n  business_plan: plan_submitted\n", "states: {}\n")
    preview = service.preview_migration_plan(people["admin"], unmapped, "plan.yaml")
    assert not preview.problems and not preview.ok
    blocked = [i.dossier_id for i in preview.plan.items if i.to_state is None]
    assert blocked == [moving.id]
    with pytest.raises(InvalidDefinition):
        service.apply_migration_plan(people["admin"], unmapped, "plan.yaml")
    assert service.get_dossier(people["producer1"], staying.id).workflow_version == "2026.2"  # none moved


def test_a_plan_naming_a_state_that_does_not_exist_is_a_problem_at_its_line(service, people, dossiers):
    wrong = PLAN.replace("plan_submitted", "plan_submited")
    preview = service.preview_migration_plan(people["admin"], wrong, "plan.yaml", lang="en")
    (problem,) = preview.problems
    assert (problem.code, problem.file, problem.line) == ("E703", "plan.yaml", 5)
    assert "plan_submited" in problem.message and preview.plan is None
    unknown = service.preview_migration_plan(
        people["admin"], PLAN.replace('to: "2026.3"', 'to: "2027.9"'), "p.yaml"
    )
    assert [(p.code, p.line) for p in unknown.problems] == [("E702", 3)]
    typo = service.preview_migration_plan(people["admin"], PLAN + "dosiers: [1]\n", "p.yaml")
    assert [(p.code, p.line) for p in typo.problems] == [("E701", 6)]


def test_applying_moves_every_open_dossier_in_one_audited_act(service, people, dossiers):
    moving, staying, closed = dossiers
    plan = service.apply_migration_plan(people["admin"], PLAN, "plan.yaml")
    assert {i.dossier_id for i in plan.items} == {moving.id, staying.id}
    moved = service.get_dossier(people["producer1"], moving.id)
    assert (moved.workflow_version, moved.state) == ("2026.3", "plan_submitted")
    assert service.get_dossier(people["producer1"], closed.id).workflow_version == "2026.2"
    assert [e.action for e in service.history(people["producer1"], moving.id)][-1] == "migrate"
    assert service.verify_audit().ok
