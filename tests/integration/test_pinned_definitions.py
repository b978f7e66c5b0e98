"""A dossier runs under the versions of every definition in effect on its filing date.

Activating a new version of a data form or a scoring form changes only dossiers filed from
its effective date; open dossiers move to it only through an explicit, audited migration.
"""

from __future__ import annotations

import datetime as dt

import pytest

from engine import scoring
from engine.errors import InvalidDefinition, InvalidForm, PermissionDenied

FILED = dt.date(2026, 7, 1)
NEW_FROM = dt.date(2026, 10, 1)
FORM = "ocop-2026-mau-01"
LONG_NAME = "HTX Bánh tráng phơi sương Trảng Bàng"  # 36 characters: fits 200, not 12


def new_form(service) -> str:  # type: ignore[no-untyped-def]
    """Mẫu 01 as an administrator might edit it: a shorter organisation name, a required position."""
    source = service.catalog.forms[FORM].source.text
    edited = source.replace('version: "2026.2"', 'version: "2026.3"', 1).replace(
        "max_length: 200\n", "max_length: 12\n", 1
    )
    position = "      - id: position\n        carry_over: true\n        type: text\n        max_length: 120\n"
    assert position in edited
    return edited.replace(position, position + "        required: true\n", 1)


def new_scoring_form(service) -> str:  # type: ignore[no-untyped-def]
    """Set 01's scoring form with criterion 1.1 option a worth 0 points instead of 1."""
    source = service.catalog.scoring_forms["ocop-2026-set-01"].source.text
    old = "less than 50% of it'}, points: 1}"
    assert source.count(old) == 1
    return source.replace("version: '2026.1'", "version: '2026.2'", 1).replace(
        old, "less than 50% of it'}, points: 0}"
    )


@pytest.fixture
def activate(service, people, clock):  # type: ignore[no-untyped-def]
    def run(text: str, name: str) -> None:
        service.activate_definition(people["admin"], text, name, NEW_FROM)

    return run


def versions(service, people, dossier_id):  # type: ignore[no-untyped-def]
    pinned = service.definitions_for(people["admin"], dossier_id)
    return pinned.form(FORM).version, pinned.scoring_form.version


def sheet_answers(service, people, dossier_id):  # type: ignore[no-untyped-def]
    """The lowest answers, with criterion 1.1 at option a."""
    form = service.definitions_for(people["admin"], dossier_id).scoring_form
    return {**scoring.lowest_answers(form), "1.1": "a"}


def walk_to_council(service, people, driver, dossier_id):  # type: ignore[no-untyped-def]
    """The commune gives its criteria the same answers as the member's sheet, so merging changes nothing."""
    driver.walk(dossier_id, ["commune_check"])
    form = service.definitions_for(people["admin"], dossier_id).scoring_form
    answers = sheet_answers(service, people, dossier_id)
    own = {c.id: answers[c.id] for c in form.assessed_by("commune_officer")}
    service.save_score_sheet(people["commune1"], dossier_id, own, final=True)
    driver.walk(dossier_id, ["council_scoring"])


def member_sheet(service, people, dossier_id):  # type: ignore[no-untyped-def]
    """One council member's sheet: the lowest answers, with criterion 1.1 at option a."""
    answers = sheet_answers(service, people, dossier_id)
    member = next(a for a in people.values() if "council_member" in a.roles)
    service.save_score_sheet(member, dossier_id, answers, final=True)
    return member, scoring.Sheet(answers=answers, flags=frozenset())


def test_a_new_form_version_applies_only_to_dossiers_filed_from_its_effective_date(
    service, people, open_dossier, activate, clock
):
    before = open_dossier(filed_on=FILED)
    activate(new_form(service), "mau-01-v2.yaml")
    clock.set(NEW_FROM + dt.timedelta(days=3))
    after = open_dossier(filed_on=NEW_FROM + dt.timedelta(days=1))

    assert versions(service, people, before.id)[0] == "2026.2"
    assert versions(service, people, after.id)[0] == "2026.3"
    # The open dossier still validates against its pinned version, today included.
    service.save_form(people["producer1"], before.id, FORM, {"org_name": LONG_NAME})
    with pytest.raises(InvalidForm) as refused:
        service.save_form(people["producer1"], after.id, FORM, {"org_name": LONG_NAME})
    assert set(refused.value.problems) == {"org_name"}


def test_a_dossier_filed_before_the_effective_date_keeps_the_old_version_even_when_filed_later(
    service, people, open_dossier, activate, clock
):
    activate(new_form(service), "mau-01-v2.yaml")
    late_filing_of_an_old_date = open_dossier(filed_on=NEW_FROM - dt.timedelta(days=1))
    assert versions(service, people, late_filing_of_an_old_date.id)[0] == "2026.2"


def test_an_open_dossier_keeps_scoring_under_its_pinned_scoring_form(
    service, people, driver, open_dossier, activate, clock
):
    before = open_dossier(filed_on=FILED)
    old_form = service.definitions_for(people["admin"], before.id).scoring_form
    walk_to_council(service, people, driver, before.id)
    activate(new_scoring_form(service), "set-01-v2.yaml")
    clock.set(NEW_FROM + dt.timedelta(days=1))
    after = open_dossier(filed_on=NEW_FROM + dt.timedelta(days=1))
    new_form_ = service.definitions_for(people["admin"], after.id).scoring_form

    member, sheet = member_sheet(service, people, before.id)
    total = service.council_result(people["auditor"], before.id).totals[member.id]  # view_sheets
    assert total == scoring.score_sheet(old_form, sheet).total
    assert scoring.score_sheet(new_form_, sheet).total == total - 1
    assert (versions(service, people, before.id)[1], new_form_.version) == ("2026.1", "2026.2")


def test_a_migration_dry_run_lists_the_forms_that_become_invalid_and_the_sheets_to_redo(
    service, people, driver, open_dossier, activate, clock
):
    moving = open_dossier(filed_on=FILED)
    driver.fill_form(moving.id, FORM, {"org_name": LONG_NAME})  # while the producer may still edit it
    driver.walk(moving.id, ["council_scoring"])
    member_sheet(service, people, moving.id)
    untouched = open_dossier(filed_on=FILED, producer="producer2")
    activate(new_form(service), "mau-01-v2.yaml")
    activate(new_scoring_form(service), "set-01-v2.yaml")
    clock.set(NEW_FROM + dt.timedelta(days=1))
    events = service.verify_audit().events

    plan = service.plan_migration(people["admin"], "2026.2", "2026.2", {}, [moving.id, untouched.id])

    assert plan.ok
    first, second = plan.items
    assert (first.to_state, first.invalid_forms, first.scores_to_redo) == (
        "council_scoring",
        (FORM,),
        True,
    )
    assert {(kind, def_id) for kind, def_id, _, _ in first.changed} == {
        ("form", FORM),
        ("scoring_form", "ocop-2026-set-01"),
    }
    assert (second.invalid_forms, second.scores_to_redo) == ((), False)  # nothing saved, nothing to redo
    # A dry run changes nothing.
    assert versions(service, people, moving.id) == ("2026.2", "2026.1")
    assert service.verify_audit().events == events


def test_a_migration_of_named_kinds_keeps_the_other_pins(
    service, people, driver, open_dossier, activate, clock
):
    moving = open_dossier(filed_on=FILED)
    driver.walk(moving.id, ["council_scoring"])
    member_sheet(service, people, moving.id)
    activate(new_form(service), "mau-01-v2.yaml")
    activate(new_scoring_form(service), "set-01-v2.yaml")
    clock.set(NEW_FROM + dt.timedelta(days=1))

    plan = service.apply_migration(people["admin"], "2026.2", "2026.2", {}, [moving.id], kinds=["form"])

    assert [c[:2] for c in plan.items[0].changed] == [("form", FORM)]
    assert not plan.items[0].scores_to_redo
    assert versions(service, people, moving.id) == ("2026.3", "2026.1")


def test_applying_a_migration_is_one_audited_act_and_the_dossier_then_uses_the_new_versions(
    service, people, driver, open_dossier, activate, clock
):
    moving = open_dossier(filed_on=FILED)
    driver.fill_form(moving.id, FORM, {"org_name": LONG_NAME})  # while the producer may still edit it
    driver.walk(moving.id, ["council_scoring"])
    member, _ = member_sheet(service, people, moving.id)
    assert member.id in service.council_result(people["auditor"], moving.id).totals
    activate(new_form(service), "mau-01-v2.yaml")
    activate(new_scoring_form(service), "set-01-v2.yaml")
    clock.set(NEW_FROM + dt.timedelta(days=1))
    events = service.verify_audit().events

    service.apply_migration(people["admin"], "2026.2", "2026.2", {}, [moving.id])

    assert versions(service, people, moving.id) == ("2026.3", "2026.2")
    audit = service.verify_audit()
    assert audit.ok and audit.events == events + 2  # the migration, and one event for the dossier
    migrate = service.history(people["admin"], moving.id)[-1]
    assert migrate.action == "migrate"
    assert service.form_answers(people["producer1"], moving.id)[FORM]["complete"] is False
    # Marked incomplete, but not reopened: the council is scoring, so the producer cannot edit it here.
    with pytest.raises(PermissionDenied) as refused:
        service.save_form(people["producer1"], moving.id, FORM, {"org_name": "HTX"})
    assert refused.value.reason == "form_state"
    # The sheet scored under the old scoring form no longer counts: it must be redone.
    assert member.id not in service.council_result(people["auditor"], moving.id).totals
    member_sheet(service, people, moving.id)
    assert member.id in service.council_result(people["auditor"], moving.id).totals


def test_a_migration_to_an_unknown_kind_is_refused(service, people, open_dossier):
    dossier = open_dossier(filed_on=FILED)
    with pytest.raises(InvalidDefinition):
        service.plan_migration(people["admin"], "2026.2", "2026.2", {}, [dossier.id], kinds=["workflows"])


def test_pins_survive_a_restart_that_no_longer_loads_the_old_versions(
    service, people, open_dossier, activate, clock, database, shipped_catalog
):
    from engine.service import Service
    from tests.conftest import fresh_catalog

    before = open_dossier(filed_on=FILED)
    activate(new_form(service), "mau-01-v2.yaml")
    restarted_catalog = fresh_catalog(shipped_catalog)
    restarted_catalog.forms[FORM] = service.catalog.forms[FORM]  # the edited YAML is now on disk
    restarted = Service(
        database.transaction, restarted_catalog, clock=clock, evidence_dir=service.evidence_dir
    )

    assert restarted.definitions_for(people["admin"], before.id).form(FORM).version == "2026.2"
    restarted.save_form(people["producer1"], before.id, FORM, {"org_name": LONG_NAME})


def test_a_complete_form_that_a_new_required_field_leaves_incomplete_is_listed(
    service, people, driver, open_dossier, activate, clock
):
    dossier = open_dossier(filed_on=FILED)
    driver.walk(dossier.id, ["preparing"])
    driver.fill_form(dossier.id, FORM, {"org_name": "HTX Bánh"})
    answers = dict(service.form_answers(people["producer1"], dossier.id)[FORM]["answers"])
    answers.pop("position")
    service.save_form(people["producer1"], dossier.id, FORM, answers)
    assert service.form_answers(people["producer1"], dossier.id)[FORM]["complete"] is True
    activate(new_form(service), "mau-01-v2.yaml")
    clock.set(NEW_FROM + dt.timedelta(days=1))

    plan = service.plan_migration(people["admin"], "2026.2", "2026.2", {}, [dossier.id])
    assert plan.items[0].invalid_forms == (FORM,)
    answers["position"] = "Giám đốc"
    service.save_form(people["producer1"], dossier.id, FORM, answers)
    again = service.plan_migration(people["admin"], "2026.2", "2026.2", {}, [dossier.id])
    assert again.items[0].invalid_forms == ()
