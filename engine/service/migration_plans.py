"""Migration plans as files: `ocopflow migrate PLAN.yaml` and the admin page read the same YAML.

    workflow: ocop-2026
    from: "2026.1"          # a stored version (or a hash prefix)
    to: "2026.2"
    states:                 # old state: new state (a state kept under its name needs no entry)
      business_plan: plan_submitted
    dossiers: [12, 13]      # optional: every open dossier under `from` when absent
    kinds: [form]           # optional: which other pins move (roles, units, form, scoring_form)
    on: 2026-10-01          # optional: the day whose versions the other pins move to

The preview lists, for every open dossier, where it would land and what blocks it (a state with
no place in the new version, a closed dossier); applying is engine.service.versions'
apply_migration: one audited act, all or nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from engine.definitions import yamlread
from engine.definitions.loader import problem_at
from engine.definitions.messages import render
from engine.definitions.problems import Problem
from engine.errors import InvalidDefinition, NotFound
from engine.messages import say
from engine.permissions import Actor
from engine.service.governance import GovernanceUseCases
from engine.service.snapshots import MigrationPlan
from engine.storage.repository import Repository

KEYS = {"workflow", "from", "to", "states", "dossiers", "kinds", "on"}


@dataclass(frozen=True)
class PlanArgs:
    from_version: str
    to_version: str
    state_map: dict[str, str]
    dossier_ids: list[int]
    kinds: list[str] | None
    on: dt.date | None


@dataclass(frozen=True)
class PlanPreview:
    problems: tuple[Problem, ...]
    plan: MigrationPlan | None  # None when the plan file has errors

    @property
    def ok(self) -> bool:
        return not self.problems and self.plan is not None and self.plan.ok


class _Reader:
    """Reads a plan's data, collecting problems at their lines."""

    def __init__(self, file: str, text: str, lang: str) -> None:
        self.file, self.text, self.lang = file, text, lang
        self.problems: list[Problem] = []

    def bad(self, code: str, path: tuple[str | int, ...], **params: Any) -> None:
        self.problems.append(problem_at(self.file, self.text, code, path, params, self.lang))

    def malformed(self, path: tuple[str | int, ...], reason: str) -> None:
        self.bad("E701", path, reason=reason)


class MigrationPlanUseCases(GovernanceUseCases):
    def preview_migration_plan(self, actor: Actor, text: str, filename: str, lang: str = "vi") -> PlanPreview:
        """Check a plan file and plan it; nothing changes."""
        self.require(actor, "administer")
        with self._tx(write=False) as repo:
            return self._read_plan(repo, actor, text, filename, lang)[0]

    def apply_migration_plan(self, actor: Actor, text: str, filename: str, lang: str = "vi") -> MigrationPlan:
        """Apply a plan file: refused with its problems, or every dossier moved in one audited act."""
        self.require(actor, "administer")
        with self._tx(write=False) as repo:
            preview, args = self._read_plan(repo, actor, text, filename, lang)
        if preview.problems or args is None:
            raise InvalidDefinition(
                say("migration.plan_invalid", count=len(preview.problems)), problems=preview.problems
            )
        return self.apply_migration(
            actor,
            args.from_version,
            args.to_version,
            args.state_map,
            args.dossier_ids,
            kinds=args.kinds,
            on=args.on,
        )

    def _read_plan(
        self, repo: Repository, actor: Actor, text: str, filename: str, lang: str
    ) -> tuple[PlanPreview, PlanArgs | None]:
        r = _Reader(filename, text, lang)
        parsed = yamlread.parse(text)
        if parsed.findings:
            for f in parsed.findings:
                message, hint = render(f.code, f.params, lang)
                r.problems.append(Problem(filename, f.code, message, hint, f.path, f.line, f.column))
            return PlanPreview(tuple(r.problems), None), None
        data = parsed.data
        if not isinstance(data, dict):
            r.malformed((), "not a mapping")
            return PlanPreview(tuple(r.problems), None), None
        args = self._plan_args(repo, r, data)
        if r.problems or args is None:
            return PlanPreview(tuple(r.problems), None), None
        if not args.dossier_ids:
            old, old_row = self._resolve(repo, str(data["workflow"]), args.from_version)
            new, new_row = self._resolve(repo, str(data["workflow"]), args.to_version)
            empty = MigrationPlan(old.id, old.version, new.version, old_row["sha256"], new_row["sha256"], ())
            return PlanPreview((), empty), args
        plan = self._plan(
            repo,
            actor,
            args.from_version,
            args.to_version,
            args.state_map,
            args.dossier_ids,
            args.kinds,
            args.on,
        )[0]
        return PlanPreview((), plan), args

    def _plan_args(self, repo: Repository, r: _Reader, data: dict[str, Any]) -> PlanArgs | None:
        for key in sorted(set(data) - KEYS, key=str):
            r.malformed((key,), f"unknown key '{key}'")
        for key in ("workflow", "from", "to"):
            if not isinstance(data.get(key), str) or not data[key]:
                r.malformed((key,) if key in data else (), f"'{key}' must be a text")
        if r.problems:
            return None
        workflow_id = data["workflow"]
        ends = {}
        for key in ("from", "to"):
            try:
                ends[key] = self._resolve(repo, workflow_id, data[key])
            except NotFound:
                known = sorted({row["version"] for row in repo.definitions("workflow", workflow_id)})
                r.bad("E702", (key,), workflow=workflow_id, version=data[key], known=", ".join(known) or "—")
        states = data.get("states") or {}
        if not isinstance(states, dict) or not all(isinstance(v, str) for v in states.values()):
            r.malformed(("states",), "'states' maps an old state to a new one")
            states = {}
        if len(ends) == 2:
            for end, keys_or_values in (("from", list(states)), ("to", list(states.values()))):
                wf = ends[end][0]
                leaves = {s.id for s in wf.leaves()}
                for old_state, state in zip(states, keys_or_values, strict=True):
                    if state not in leaves:
                        names = ", ".join(sorted(leaves))
                        r.bad(
                            "E703",
                            ("states", old_state),
                            state=state,
                            workflow=wf.id,
                            version=wf.version,
                            known=names,
                        )
        on = data.get("on")
        if on is not None and not isinstance(on, dt.date):
            r.malformed(("on",), "'on' must be a date (YYYY-MM-DD)")
        kinds = data.get("kinds")
        if kinds is not None and not (isinstance(kinds, list) and all(isinstance(k, str) for k in kinds)):
            r.malformed(("kinds",), "'kinds' must be a list")
        ids = data.get("dossiers")
        if ids is not None and not (isinstance(ids, list) and all(isinstance(i, int) for i in ids)):
            r.malformed(("dossiers",), "'dossiers' must be a list of dossier numbers")
        if r.problems:
            return None
        old_row = ends["from"][1]
        if ids is None:
            ids = [
                row["id"]
                for row in repo.dossiers_pinning(old_row["sha256"])
                if row["definition_hash"] == old_row["sha256"] and not _closed(ends["from"][0], row["state"])
            ]
        return PlanArgs(data["from"], data["to"], dict(states), list(ids), kinds, on)


def _closed(workflow: Any, state: str) -> bool:
    found = workflow.states.get(state)
    return bool(found is not None and found.terminal)
