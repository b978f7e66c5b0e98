"""Definitions live in the database: a bundle installed once is there after a restart and in every
other process, four eyes when the roles file asks, retire and deactivate, pinned versions kept."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from engine.errors import InvalidDefinition, InvalidForm, NotFound, PermissionDenied
from engine.service import Service
from tests.conftest import fresh_catalog

HOMESTAY = Path(__file__).resolve().parents[1] / "fixtures" / "homestay"


def bundle(**replace: tuple[str, str]) -> list[tuple[str, str]]:
    """The homestay regime's files; replace={"roles.yaml": (old, new)} edits one."""
    out = []
    for path in sorted(HOMESTAY.iterdir()):
        text = path.read_text(encoding="utf-8")
        if path.name in replace:
            old, new = replace[path.name]
            assert old in text
            text = text.replace(old, new, 1)
        out.append((path.name, text))
    return out


def restart(service: Service, shipped_catalog, clock, tmp_path) -> Service:  # type: ignore[no-untyped-def]
    """Another process on the same database: the shipped folders, then what the database holds."""
    return Service(service._tx, fresh_catalog(shipped_catalog), clock=clock, evidence_dir=tmp_path / "ev")


@pytest.fixture
def admin2(make_actor):  # type: ignore[no-untyped-def]
    return make_actor("admin2", ["admin"])


def install_homestay(service, admin, admin2):  # type: ignore[no-untyped-def]
    installed = service.install_bundle(admin, bundle())
    assert installed.pending
    service.approve_bundle(admin2, installed.bundle)
    return installed


def test_a_bundle_survives_a_restart_and_new_dossiers_run_under_it(
    service, admin, admin2, make_actor, shipped_catalog, clock, tmp_path
):
    install_homestay(service, admin, admin2)
    again = restart(service, shipped_catalog, clock, tmp_path)
    assert again.catalog.workflows["homestay"].version == "1"
    assert "owner" in again.catalog.roles["homestay-roles"].roles
    assert "00583" in again.catalog.units["homestay-units"].units  # the CSV came back from the database
    again.create_user(admin, "owner1", "owner-password-1", ["owner"], area="00583", organisation="Nhà Gốm")
    owner = again.actor_for_username("owner1")
    opened = again.open_dossier(
        owner, product_name="Nhà Gốm", product_set="homestay", producer_org="Nhà Gốm",
        commune_code="00583", workflow_id="homestay",
    )  # fmt: skip
    assert (opened.workflow_id, opened.state) == ("homestay", "application")
    third = restart(again, shipped_catalog, clock, tmp_path)
    assert third.get_dossier(owner, opened.id).state == "application"
    assert third.definitions_for(owner, opened.id).scoring_form.id == "homestay-inspection"


def test_every_order_of_the_bundles_files_checks_the_same(service, admin):
    files = bundle()
    first = service.check_bundle(admin, files)
    assert first.ok and first.four_eyes
    assert {i.def_id for i in first.items} == {
        "homestay", "homestay-roles", "homestay-application", "homestay-inspection", "homestay-units",
    }  # fmt: skip
    for order in itertools.permutations(files):
        check = service.check_bundle(admin, list(order))
        assert check.ok and check.bundle == first.bundle, [p.format() for p in check.problems]


def test_a_bundle_installs_in_any_order(service, admin, admin2):
    files = bundle()
    installed = service.install_bundle(admin, list(reversed(files)))
    service.approve_bundle(admin2, installed.bundle)
    assert "homestay" in service.catalog.workflows
    assert service.install_bundle(admin, files[2:] + files[:2]).versions == ()  # all stored already


def test_a_bundle_with_one_bad_file_installs_nothing_and_lists_every_problem(service, admin):
    files = bundle(
        **{
            "inspection.yaml": ("points: 50}", "points: 500}"),
            "homestay.yaml": ("to: refused", "to: nowhere"),
        }
    )
    with pytest.raises(InvalidDefinition) as refused:
        service.install_bundle(admin, files)
    where = {(p.file, p.code) for p in refused.value.problems}
    assert ("inspection.yaml", "E404") in where and ("homestay.yaml", "E203") in where
    assert all(p.line > 0 for p in refused.value.problems)
    assert not service.definition_versions("roles", "homestay-roles")  # nothing of the bundle stored


def test_a_scoring_form_for_a_new_regime_installs_with_its_workflow_in_one_bundle(service, admin):
    """The failure that opened issue 7: E209/W006 when the regime's files came one by one."""
    files = bundle(**{"roles.yaml": ("four_eyes: true", "four_eyes: false")})
    installed = service.install_bundle(admin, files)
    assert not installed.pending and len(installed.versions) == 5
    assert service.catalog.scoring_form_for("homestay", "homestay") is not None


def test_the_same_id_and_version_with_other_content_is_refused_at_its_line(service, admin):
    text = service.catalog.forms["ocop-2026-mau-01"].source.text
    edited = text.replace("max_length: 200\n", "max_length: 12\n", 1)
    with pytest.raises(InvalidDefinition) as refused:
        service.install_bundle(admin, [("mau-01.yaml", edited)])
    (problem,) = refused.value.problems
    line = next(i for i, s in enumerate(edited.splitlines(), 1) if s.startswith("version:"))
    assert (problem.code, problem.file, problem.line) == ("E601", "mau-01.yaml", line)


def test_the_effective_date_comes_from_the_file_and_may_only_be_put_later(service, admin):
    text = service.catalog.workflows["ocop-2026"].source.text.replace(
        'version: "2026.2"', 'version: "2026.4"'
    )
    text = text.replace("effective_from: 2026-05-22", "effective_from: 2026-10-01")
    with pytest.raises(InvalidDefinition) as refused:
        service.install_bundle(admin, [("wf.yaml", text)], effective_from=dt.date(2026, 9, 1))
    assert [p.code for p in refused.value.problems] == ["E602"]
    (stored,) = service.install_bundle(
        admin, [("wf.yaml", text)], effective_from=dt.date(2026, 11, 2)
    ).versions
    assert stored.effective_from == dt.date(2026, 11, 2)
    # Today (2026-07-01) the shipped version is still the one in force.
    assert service.catalog.workflows["ocop-2026"].version == "2026.2"


@pytest.mark.parametrize(
    ("asks", "approver", "outcome"),
    [
        (False, None, "active"),  # no four eyes: active at once, nothing to approve
        (True, "admin", "refused"),  # the proposer approving their own proposal
        (True, "admin2", "active"),  # another administrator
        (True, None, "pending"),  # nobody approved yet
    ],
)
def test_four_eyes_truth_table(service, admin, admin2, asks, approver, outcome):
    files = bundle(**({} if asks else {"roles.yaml": ("four_eyes: true", "four_eyes: false")}))
    installed = service.install_bundle(admin, files)
    assert installed.pending is asks
    if approver == "admin":
        with pytest.raises(PermissionDenied) as refused:
            service.approve_bundle(admin, installed.bundle)
        assert refused.value.reason == "four_eyes" and "four eyes" in refused.value.message
    elif approver == "admin2":
        service.approve_bundle(admin2, installed.bundle)
    if not asks:
        with pytest.raises(NotFound):
            service.approve_bundle(admin2, installed.bundle)
    assert ("homestay" in service.catalog.workflows) is (outcome == "active")
    (row,) = service.definition_versions("workflow", "homestay")
    assert row.proposed_by == "admin"
    assert row.approved_by == {"active": "admin2" if asks else "admin"}.get(outcome)


def test_a_bundle_cannot_switch_four_eyes_off_by_itself(service, admin, admin2):
    install_homestay(service, admin, admin2)
    relaxed = bundle(**{"roles.yaml": ("four_eyes: true", "four_eyes: false")})
    relaxed = [(n, t.replace('version: "1"', 'version: "2"', 1)) for n, t in relaxed]
    assert service.install_bundle(admin, relaxed).pending
    # A form of the four-eyes regime alone is governed too.
    form = [(n, t) for n, t in relaxed if n == "application.yaml"]
    assert service.check_bundle(admin, form).four_eyes


def test_both_steps_of_four_eyes_are_in_the_audit_chain(service, admin, admin2, make_actor):
    install_homestay(service, admin, admin2)
    auditor = make_actor("auditor1", ["auditor"])
    from engine.storage.audit_query import AuditFilter

    log = service.audit_log(auditor, AuditFilter()).events
    actions = [(e.actor, e.action) for e in log if e.action in ("propose_definition", "approve_definition")]
    assert ("admin", "propose_definition") in actions and ("admin2", "approve_definition") in actions
    assert service.verify_audit().ok


def _owner_dossier(service, admin):  # type: ignore[no-untyped-def]
    service.create_user(admin, "owner1", "owner-password-1", ["owner"], area="00583", organisation="Nhà Gốm")
    owner = service.actor_for_username("owner1")
    opened = service.open_dossier(
        owner, product_name="Nhà Gốm", product_set="homestay", producer_org="Nhà Gốm",
        commune_code="00583", workflow_id="homestay",
    )  # fmt: skip
    return owner, opened


def test_deactivating_a_version_lists_the_open_dossiers_and_they_go_on(service, admin, admin2):
    install_homestay(service, admin, admin2)
    owner, opened = _owner_dossier(service, admin)
    (workflow,) = service.definition_versions("workflow", "homestay")
    assert [d.id for d in service.open_dossiers_pinning(admin, workflow.sha256)] == [opened.id]
    version, affected = service.deactivate_definition(admin, workflow.sha256)
    assert version.status == "deactivated" and [d.id for d in affected] == [opened.id]
    assert "homestay" not in service.catalog.workflows
    with pytest.raises(NotFound):  # no new dossier under it
        service.open_dossier(
            owner, product_name="B", product_set="homestay", producer_org="Nhà Gốm",
            commune_code="00583", workflow_id="homestay",
        )  # fmt: skip
    service.save_form(owner, opened.id, "homestay-application", {"name": "Nhà Gốm", "rooms": 3})
    assert service.fire(owner, opened.id, "submit").state == "commune_check"


def test_retiring_a_version_ends_it_on_a_day_and_not_before_its_start(service, admin, admin2, clock):
    install_homestay(service, admin, admin2)
    (workflow,) = service.definition_versions("workflow", "homestay")
    with pytest.raises(InvalidDefinition):
        service.retire_definition(admin, workflow.sha256, dt.date(2025, 1, 1))
    version, _ = service.retire_definition(admin, workflow.sha256, dt.date(2026, 8, 1))
    assert (version.status, version.effective_until) == ("retired", dt.date(2026, 8, 1))
    owner, opened = _owner_dossier(service, admin)  # still in force in July
    clock.set(dt.date(2026, 8, 1))
    with pytest.raises(NotFound):
        service.open_dossier(
            owner, product_name="B", product_set="homestay", producer_org="Nhà Gốm",
            commune_code="00583", workflow_id="homestay",
        )  # fmt: skip
    assert service.get_dossier(owner, opened.id).state == "application"


def test_a_pinned_version_is_read_by_its_hash_after_it_is_replaced_and_the_server_restarts(
    service, admin, admin2, shipped_catalog, clock, tmp_path
):
    install_homestay(service, admin, admin2)
    owner, opened = _owner_dossier(service, admin)
    newer = [
        (n, t.replace('version: "1"', 'version: "2"', 1).replace("max: 30", "max: 40", 1))
        for n, t in bundle()
    ]
    service.approve_bundle(admin2, service.install_bundle(admin, newer).bundle)
    old = next(v for v in service.definition_versions("form", "homestay-application") if v.version == "1")
    service.deactivate_definition(admin, old.sha256)
    again = restart(service, shipped_catalog, clock, tmp_path)
    assert again.catalog.forms["homestay-application"].version == "2"
    assert again.definitions_for(owner, opened.id).form("homestay-application").version == "1"
    with pytest.raises(InvalidForm):  # 35 rooms: over version 1's max of 30
        again.save_form(owner, opened.id, "homestay-application", {"name": "Nhà Gốm", "rooms": 35})
    again.save_form(owner, opened.id, "homestay-application", {"name": "Nhà Gốm", "rooms": 3})


def test_another_process_sees_an_activation_at_its_next_check(
    service, admin, shipped_catalog, clock, tmp_path, monkeypatch
):
    other = restart(service, shipped_catalog, clock, tmp_path)
    assert "homestay" not in other.catalog.workflows
    service.install_bundle(admin, bundle(**{"roles.yaml": ("four_eyes: true", "four_eyes: false")}))
    monkeypatch.setattr("engine.service.base.CATALOG_CHECK_SECONDS", 0.0)
    assert other.refresh_catalog() is True
    assert "homestay" in other.catalog.workflows
    assert other.refresh_catalog() is False  # nothing changed since


def test_a_bundle_without_definitions_is_refused_and_says_so(service, admin):
    with pytest.raises(InvalidDefinition) as refused:
        service.install_bundle(admin, [("notes.csv", "a,b\n")])
    assert "defines nothing" in refused.value.message
    assert [p.code for p in refused.value.problems] == ["E603"]


def test_a_regime_installed_one_file_at_a_time_takes_each_file_against_the_ones_before(service, admin):
    """Issue 7's first failure: the scoring form of a new regime was refused (E209) even after its
    workflow was activated, because activation did not merge workflows."""
    by_name = dict(bundle(**{"roles.yaml": ("four_eyes: true", "four_eyes: false")}))
    service.install_bundle(
        admin, [("communes.csv", by_name["communes.csv"]), ("units.yaml", by_name["units.yaml"])]
    )
    for name in ("roles.yaml", "application.yaml", "homestay.yaml", "inspection.yaml"):
        installed = service.install_bundle(admin, [(name, by_name[name])])
        assert not installed.pending and len(installed.versions) == 1
    assert service.catalog.scoring_form_for("homestay", "homestay").id == "homestay-inspection"


def test_a_shipped_file_edited_in_place_is_refused_at_start_and_nothing_is_stored(
    service, shipped_catalog, clock, tmp_path
):
    """Editing a shipped file on disk without a new version is the same change as uploading it:
    the next start refuses it at its `version:` line instead of storing a second content."""
    import shutil

    from engine.definitions.loader import default_paths, load_catalog

    copies = []
    for folder in default_paths():
        shutil.copytree(folder, tmp_path / "shipped" / folder.name)
        copies.append(tmp_path / "shipped" / folder.name)
    form = tmp_path / "shipped" / "forms" / "ocop-2026" / "mau-01.yaml"
    edited = form.read_text(encoding="utf-8").replace("max_length: 200\n", "max_length: 12\n", 1)
    form.write_text(edited, encoding="utf-8")
    catalog = load_catalog(copies).catalog
    with service._tx(write=False) as repo:
        before = len(repo.definitions())
    with pytest.raises(InvalidDefinition) as refused:
        Service(service._tx, catalog, clock=clock, evidence_dir=tmp_path / "ev")
    (problem,) = refused.value.problems
    line = next(i for i, s in enumerate(edited.splitlines(), 1) if s.startswith("version:"))
    assert (problem.code, problem.line) == ("E601", line)
    assert problem.file.endswith("mau-01.yaml")
    with service._tx(write=False) as repo:
        assert len(repo.definitions()) == before
