"""Definition versions: activate a new one, list them, and migrate chosen open dossiers explicitly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from engine.definitions.model import Form, RoleSet, ScoringForm, UnitSet, Workflow
from engine.errors import InvalidDefinition, NotFound
from engine.messages import say
from engine.permissions import Actor
from engine.service.accounts import AccountUseCases
from engine.service.base import Loaded
from engine.service.dossiers import DossierUseCases
from engine.service.registry import KINDS, PINNED_KINDS, DefinitionSet, Pinned
from engine.service.snapshots import DefinitionVersion, MigrationItem, MigrationPlan
from engine.service.timer_backfill import reconcile
from engine.storage.repository import Repository, Row


def version_of(row: Row) -> DefinitionVersion:
    return DefinitionVersion(
        kind=row["kind"],
        def_id=row["def_id"],
        version=row["version"],
        sha256=row["sha256"],
        file=row["file"],
        legal_basis=row["legal_basis"],
        effective_from=row["effective_from"],
        effective_until=row["effective_until"],
        activated_by=row["activated_by"],
        activated_at=row["activated_at"],
        active=row["active"],
        status=row.get("status") or ("active" if row["active"] else "deactivated"),
        bundle=row.get("bundle"),
        proposed_by=row.get("proposed_by"),
        proposed_at=row.get("proposed_at"),
        approved_by=row.get("approved_by"),
        approved_at=row.get("approved_at"),
    )


class VersionUseCases(AccountUseCases, DossierUseCases):
    def definition_versions(
        self, kind: str | None = None, def_id: str | None = None
    ) -> list[DefinitionVersion]:
        with self._tx(write=False) as repo:
            return [version_of(r) for r in repo.definitions(kind, def_id)]

    def definition_source(self, sha256: str) -> str:
        with self._tx(write=False) as repo:
            for kind in KINDS.values():
                row = repo.definition_by_hash(kind, sha256)
                if row is not None:
                    return str(row["source"])
        raise NotFound(say("definition.not_stored", sha=sha256[:12]))

    # --- migration ---------------------------------------------------------------

    def _resolve(self, repo: Repository, workflow_id: str, version: str) -> tuple[Workflow, Row]:
        """A stored workflow version named by its content hash (or a prefix) or its version string."""
        rows = [
            r
            for r in repo.definitions("workflow", workflow_id)
            if r["sha256"].startswith(version) or r["version"] == version
        ]
        if not rows:
            raise NotFound(say("definition.workflow_version_unknown", workflow=workflow_id, version=version))
        row = max(rows, key=lambda r: r["id"])
        return self.registry.workflow(repo, row["sha256"]), row

    def _plan(
        self,
        repo: Repository,
        actor: Actor,
        from_version: str,
        to_version: str,
        state_map: Mapping[str, str],
        dossier_ids: Sequence[int],
        kinds: Collection[str] | None = None,
        on: dt.date | None = None,
    ) -> tuple[MigrationPlan, list[Loaded]]:
        self.require(actor, "administer")
        unknown = set(kinds or ()) - set(PINNED_KINDS)
        if unknown:
            raise InvalidDefinition(
                say("migration.kinds_unknown", kinds=sorted(unknown), known=PINNED_KINDS), problems=[]
            )
        loaded = [self._load(repo, actor, d) for d in dossier_ids]
        if not loaded:
            raise NotFound(say("migration.no_dossier"))
        workflow_id = loaded[0].row["workflow_id"]
        old, old_row = self._resolve(repo, workflow_id, from_version)
        new, new_row = self._resolve(repo, workflow_id, to_version)
        leaves = {s.id for s in new.leaves()}
        day = on or self.now().date()
        items = []
        for item in loaded:
            items.append(self._plan_item(repo, item, old_row, new, leaves, state_map, kinds, day))
        plan = MigrationPlan(
            workflow_id, old.version, new.version, old_row["sha256"], new_row["sha256"], tuple(items)
        )
        return plan, loaded

    def _plan_item(
        self,
        repo: Repository,
        item: Loaded,
        old_row: Row,
        new: Workflow,
        leaves: set[str],
        state_map: Mapping[str, str],
        kinds: Collection[str] | None,
        day: dt.date,
    ) -> MigrationItem:
        """One dossier's move: the whole pinned set (or the `kinds` named) to the versions in effect on `day`."""
        row = item.row
        state = row["state"]
        target = state_map.get(state, state if state in leaves else None)
        problem = None
        if row["workflow_id"] != new.id or row["definition_hash"] != old_row["sha256"]:
            problem = f"dossier {row['id']} does not run under {old_row['def_id']} {old_row['version']}"
        elif target is not None and target not in leaves:
            problem = f"'{target}' is not a state of {new.id} {new.version}"
            target = None
        elif item.workflow.states.get(state) is not None and item.workflow.states[state].terminal:
            problem = f"dossier {row['id']} is closed ('{state}'); only open dossiers move"
        old_set = item.pinned.hashes or self._legacy_set(item.pinned)
        keep = {k: v for k, v in old_set.items() if kinds is not None and k not in kinds}
        new_set = self.registry.pin(repo, new, row["product_set"], day, keep=keep)
        changed = tuple(
            (kind, def_id, old_set.get(kind, {}).get(def_id, ""), sha)
            for kind in PINNED_KINDS
            for def_id, sha in sorted(new_set.get(kind, {}).items())
            if old_set.get(kind, {}).get(def_id) != sha
        )
        try:
            moved = Loaded(row, self.registry.pinned(repo, new, {**row, "definition_set": new_set}))
        except NotFound as exc:
            return MigrationItem(row["id"], state, None, (), False, exc.args[0], changed, new_set)
        invalid = []
        for form_id, saved in repo.form_answers(row["id"]).items():
            form = moved.pinned.forms.get(form_id)
            checked = self.check_form(repo, moved, form, saved["answers"]) if form is not None else None
            # Invalid: refused by the new version, or complete before and no longer (a new required field).
            if checked is None or checked.problems or (saved["complete"] and not checked.complete):
                invalid.append(form_id)
        old_form, new_form = item.pinned.scoring_form, moved.pinned.scoring_form
        redo = bool(repo.score_sheets(row["id"])) and (
            old_form is None or new_form is None or old_form.source != new_form.source
        )
        return MigrationItem(
            row["id"], state, target, tuple(sorted(invalid)), redo, problem, changed, new_set
        )

    @staticmethod
    def _legacy_set(pinned: Pinned) -> DefinitionSet:
        """The hashes a dossier from before pinning reads today (the running catalog's)."""
        out: DefinitionSet = {k: {} for k in PINNED_KINDS}
        chosen: list[tuple[str, Form | RoleSet | ScoringForm | UnitSet | None]] = [
            ("roles", pinned.roleset),
            ("units", pinned.units),
            ("scoring_form", pinned.scoring_form),
            *(("form", f) for f in pinned.forms.values()),
        ]
        for kind, definition in chosen:
            if definition is not None and definition.source is not None:
                out[kind][definition.id] = definition.source.sha256
        return out

    def plan_migration(
        self,
        actor: Actor,
        from_version: str,
        to_version: str,
        state_map: Mapping[str, str],
        dossier_ids: Sequence[int],
        *,
        kinds: Collection[str] | None = None,
        on: dt.date | None = None,
    ) -> MigrationPlan:
        """Dry run: for every dossier the new state, the definitions re-pinned, the forms that become
        invalid and whether its score sheets must be redone.

        The workflow moves to `to_version` (which may equal `from_version`); every other pinned
        definition (or only the `kinds` named: roles, units, form, scoring_form) moves to the version
        in effect on `on` (today by default).
        """
        with self._tx(write=False) as repo:
            return self._plan(repo, actor, from_version, to_version, state_map, dossier_ids, kinds, on)[0]

    def apply_migration(
        self,
        actor: Actor,
        from_version: str,
        to_version: str,
        state_map: Mapping[str, str],
        dossier_ids: Sequence[int],
        *,
        kinds: Collection[str] | None = None,
        on: dt.date | None = None,
    ) -> MigrationPlan:
        """Move the dossiers as planned, all or none, as one audited act."""
        now = self.now()
        with self._tx() as repo:
            plan, loaded = self._plan(
                repo, actor, from_version, to_version, state_map, dossier_ids, kinds, on
            )
            if not plan.ok:
                bad = [i for i in plan.items if i.to_state is None or i.problem]
                problems = [
                    i.problem or f"dossier {i.dossier_id}: no state for '{i.from_state}'" for i in bad
                ]
                raise InvalidDefinition(
                    say("migration.refused", problems="; ".join(problems)), problems=problems
                )
            summary = repo.append_event(
                at=now,
                actor=actor.id,
                action="migration",
                definition_hash=plan.to_hash,
                payload={
                    "workflow": plan.workflow_id,
                    "from": plan.from_hash,
                    "to": plan.to_hash,
                    "state_map": dict(state_map),
                    "kinds": sorted(kinds) if kinds is not None else None,
                    "on": on or now.date(),
                    "dossiers": [i.dossier_id for i in plan.items],
                },
            )
            target = self.registry.workflow(repo, plan.to_hash)
            for item, one in zip(plan.items, loaded, strict=True):
                row = one.row
                repo.update_dossier(
                    row["id"],
                    row["version"],
                    state=item.to_state,
                    workflow_version=plan.to_version,
                    definition_hash=plan.to_hash,
                    definition_set=item.definition_set,
                    updated_at=now,
                )
                # the new version's timers of the states it now sits in (engine/service/timer_backfill.py)
                armed: list[dict[str, Any]] = []
                reconcile(repo, target, {**row, "state": item.to_state}, now, armed)
                if item.invalid_forms:
                    repo.mark_forms_incomplete(row["id"], item.invalid_forms)
                if item.scores_to_redo:  # scored under another scoring form: the council scores again
                    for sheet in repo.score_sheets(row["id"]):
                        if sheet["final"]:
                            repo.save_score_sheet(row["id"], sheet["member"], sheet["state"], final=False)
                repo.append_event(
                    at=now,
                    actor=actor.id,
                    action="migrate",
                    dossier_id=row["id"],
                    from_state=item.from_state,
                    to_state=item.to_state,
                    definition_hash=plan.to_hash,
                    payload={
                        "migration": summary.seq,
                        "from": plan.from_hash,
                        "invalid_forms": list(item.invalid_forms),
                        "scores_to_redo": item.scores_to_redo,
                        "definitions": [list(c) for c in item.changed],
                        **({"effects": armed} if armed else {}),
                    },
                )
            return plan
