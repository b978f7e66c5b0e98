"""Definition versions: which workflow text a dossier runs under, found by its content hash.

Every workflow the service has ever seen is stored (kind, id, version, sha256,
source text, legal basis, effective dates, who activated it and when). A
dossier pins (id, version, sha256) when it is opened; later edits of the YAML
add a new stored version and never touch the pinned one, which is reloaded
from its stored text when the running catalog no longer holds it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.definitions.model import (
    Catalog,
    Form,
    Plan,
    Register,
    Role,
    RoleSet,
    ScoringForm,
    UnitSet,
    Workflow,
)
from engine.errors import InvalidDefinition, NotFound
from engine.messages import say
from engine.storage.repository import Repository, Row

KINDS: dict[type, str] = {
    Workflow: "workflow",
    RoleSet: "roles",
    Form: "form",
    ScoringForm: "scoring_form",
    UnitSet: "units",
    Register: "register",
    Plan: "plan",
}


Definition = Workflow | RoleSet | Form | ScoringForm | UnitSet | Register | Plan
DefinitionSet = dict[str, dict[str, str]]  # kind -> def_id -> sha256 (roles, form, scoring_form, units)
PINNED_KINDS = ("roles", "units", "form", "scoring_form")


@dataclass(frozen=True)
class Pinned:
    """The definitions one dossier runs under, each the version it is pinned to."""

    workflow: Workflow
    roleset: RoleSet
    units: UnitSet | None
    forms: Mapping[str, Form]
    scoring_form: ScoringForm | None
    hashes: DefinitionSet = field(default_factory=dict)  # empty: a dossier from before pinning

    def form(self, form_id: str) -> Form:
        form = self.forms.get(form_id)
        if form is None:
            raise NotFound(say("form.not_used", form=form_id, workflow=self.workflow.id), form_id=form_id)
        return form


def in_effect(rows: list[Row], day: dt.date) -> Row | None:
    """Of one definition's stored versions, the one in effect on `day`.

    A version without an effective date applies from any day; a dated one wins over it
    from its date on; among equals the latest activation wins.
    """
    live = [
        r
        for r in rows
        if r["active"]
        and (r["effective_from"] is None or r["effective_from"] <= day)
        and (r["effective_until"] is None or day < r["effective_until"])
    ]
    return max(live, key=lambda r: (r["effective_from"] or dt.date.min, r["id"])) if live else None


_ATTRS = {"workflow": "workflows", "roles": "roles", "form": "forms", "scoring_form": "scoring_forms",
          "units": "units", "register": "registers", "plan": "plans"}  # fmt: skip
_KIND_OF = {attr: kind for kind, attr in _ATTRS.items()}


def _latest_active(rows: list[Row]) -> Row | None:
    live = [r for r in rows if r["active"]]
    return max(live, key=lambda r: (r["effective_from"] or dt.date.min, r["id"])) if live else None


def _csv_on_disk(row: Mapping[str, Any]) -> dict[str, str] | None:
    """The CSV of a units version stored before revision 0004 kept no copy of it: read it beside
    the file it was loaded from, when that file is still there."""
    if row["kind"] != "units":
        return None
    from pathlib import Path

    from engine.definitions.yamlread import parse

    data = parse(row["source"]).data
    source = data.get("source") if isinstance(data, dict) else None
    if not isinstance(source, str):
        return None
    try:
        return {source: (Path(row["file"]).parent / source).read_text(encoding="utf-8-sig")}
    except (OSError, UnicodeDecodeError):
        return None


def _changed_in_place(repo: Repository, kind: str, definition: Definition) -> Any:
    """E601 when another content is stored under this versioned definition's id and version."""
    from engine.definitions.loader import problem_at

    version = getattr(definition, "version", "") or ""
    source = definition.source
    if not version or source is None:
        return None  # a kind without versions (roles, units) is versioned by its content hash
    if not any(r["version"] == version for r in repo.definitions(kind, definition.id)):
        return None
    params = {"kind": kind, "id": definition.id, "version": version}
    return problem_at(source.file, source.text, "E601", ("version",), params)


def _legal_basis(definition: Any) -> str | None:
    text = getattr(definition, "legal_basis", None)
    return str(text) if text is not None else None


class Registry:
    """The catalog in force plus every stored workflow version, cached by hash."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._by_hash: dict[str, Workflow] = {}
        self._models: dict[tuple[str, str], Definition] = {}  # (kind, sha256): immutable per hash
        self._lock = threading.Lock()
        for wf in catalog.workflows.values():
            self._by_hash[self.hash_of(wf)] = wf
        self._remember(self.definitions())

    @staticmethod
    def hash_of(definition: Definition) -> str:
        if definition.source is None:
            raise InvalidDefinition(say("definition.no_source", definition=definition.id), problems=[])
        return definition.source.sha256

    def definitions(self) -> list[Definition]:
        c = self.catalog
        return [
            *c.workflows.values(),
            *c.roles.values(),
            *c.forms.values(),
            *c.scoring_forms.values(),
            *c.units.values(),
            *c.registers.values(),
            *c.plans.values(),
        ]

    def sync(self, repo: Repository, actor: str, now: dt.datetime) -> list[Row]:
        """Store every definition of the catalog not stored yet; returns the new rows.

        A file edited in place that keeps an installed version (same kind, id and version, other
        content) is refused with E601 at its `version:` line, and nothing is stored: an installed
        version never changes, so the edit needs a version of its own.
        """
        new = []
        for definition in self.definitions():
            if definition.source is None:
                continue
            kind = KINDS[type(definition)]
            if repo.definition_by_hash(kind, definition.source.sha256) is None:
                new.append((kind, definition))
        clashes = [_changed_in_place(repo, kind, d) for kind, d in new]
        problems = [p for p in clashes if p is not None]
        if problems:
            raise InvalidDefinition(say("definition.changed_in_place", count=len(problems)), problems)
        return [self.store(repo, d, actor, now, None) for _, d in new]

    def store(
        self,
        repo: Repository,
        definition: Definition,
        actor: str,
        now: dt.datetime,
        effective_from: dt.date | None,
        *,
        approved: bool = True,
        bundle: str | None = None,
    ) -> Row:
        """Store a version: active at once when `approved`, else proposed (four-eyes) until approved."""
        assert definition.source is not None
        values: dict[str, Any] = {
            "kind": KINDS[type(definition)],
            "def_id": definition.id,
            "version": getattr(definition, "version", "") or "",
            "sha256": definition.source.sha256,
            "source": definition.source.text,
            "file": definition.source.file[-400:],
            "legal_basis": _legal_basis(definition),
            "effective_from": effective_from or getattr(definition, "effective_from", None),
            "effective_until": getattr(definition, "effective_until", None),
            "activated_by": actor,
            "activated_at": now,
            "active": approved,
            "status": "active" if approved else "proposed",
            "bundle": bundle,
            "attachments": dict(definition.source.attachments) or None,
            "proposed_by": actor,
            "proposed_at": now,
            "approved_by": actor if approved else None,
            "approved_at": now if approved else None,
        }
        values["id"] = repo.add_definition(**values)
        if isinstance(definition, Workflow):
            with self._lock:
                self._by_hash[definition.source.sha256] = definition
        self._remember([definition])
        return values

    # --- the catalog in force, read from the database -------------------------------

    def refresh(self, repo: Repository, day: dt.date) -> None:
        """Rebuild the catalog from the stored versions: for every (kind, id) the active version in
        effect on `day` (else the latest active one). Versions this process has loaded before are
        reused by hash; the others are loaded from their stored text, together, against the rest.

        The catalog's tables are replaced, never changed in place, so a request iterating the old
        ones is not disturbed.
        """
        chosen: dict[tuple[str, str], Row] = {}
        by_id: dict[tuple[str, str], list[Row]] = {}
        for r in repo.definition_heads(tuple(KINDS.values())):
            by_id.setdefault((r["kind"], r["def_id"]), []).append(r)
        for key, rows in by_id.items():
            row = in_effect(rows, day) or _latest_active(rows)
            if row is not None:
                chosen[key] = row
        known: dict[str, dict[str, Any]] = {attr: {} for attr in _ATTRS.values()}
        missing: list[Row] = []
        for (kind, def_id), row in chosen.items():
            found = self._models.get((kind, row["sha256"]))
            if found is None:
                missing.append(row)
            else:
                known[_ATTRS[kind]][def_id] = found
        if missing:
            self._load_rows(repo, missing, known)
        catalog = self.catalog
        for attr, table in known.items():
            setattr(catalog, attr, table)

    def _load_rows(self, repo: Repository, rows: list[Row], known: dict[str, dict[str, Any]]) -> None:
        from engine.definitions.loader import load_texts
        from engine.definitions.model import Catalog

        context = Catalog(**known, tests=self.catalog.tests)
        files: list[tuple[str, str | bytes]] = []
        for row in rows:
            full = repo.definition_by_hash(row["kind"], row["sha256"])
            if full is None:
                continue
            name = f"{row['kind']}/{row['def_id']}/{row['sha256'][:12]}.yaml"
            files.append((name, full["source"]))
            for attached, text in (full.get("attachments") or _csv_on_disk(full) or {}).items():
                files.append((f"{row['kind']}/{row['def_id']}/{attached}", text))
        result = load_texts(files, context=context)
        loaded = result.catalog
        for attr in _ATTRS.values():
            for def_id, definition in getattr(loaded, attr).items():
                if definition.source is not None and not any(
                    p.severity == "error" and p.file.startswith(f"{_KIND_OF[attr]}/{def_id}/")
                    for p in result.problems
                ):
                    known[attr][def_id] = definition
                    self._remember([definition])
                    if isinstance(definition, Workflow):
                        with self._lock:
                            self._by_hash[definition.source.sha256] = definition

    def _remember(self, definitions: Collection[Definition]) -> None:
        with self._lock:
            for d in definitions:
                if d.source is not None:
                    self._models.setdefault((KINDS[type(d)], d.source.sha256), d)

    def model(self, repo: Repository | None, kind: str, sha256: str) -> Definition:
        """The definition of this kind with this content hash, rebuilt from its stored text if needed."""
        found = self._models.get((kind, sha256))
        if found is not None:
            return found
        row = repo.definition_by_hash(kind, sha256) if repo is not None else None
        if row is None:
            raise NotFound(say("definition.version_not_stored", kind=kind, sha=sha256[:12]))
        loaded = self.load_text(row["source"], row["file"], row.get("attachments") or _csv_on_disk(row))
        candidates: list[Definition] = [
            *loaded.roles.values(),
            *loaded.forms.values(),
            *loaded.scoring_forms.values(),
            *loaded.units.values(),
            *loaded.registers.values(),
            *loaded.plans.values(),
        ]
        found = next((c for c in candidates if c.source is not None and c.source.sha256 == sha256), None)
        if found is None:
            raise NotFound(say("definition.version_unloadable", kind=kind, sha=sha256[:12]))
        self._remember([found])
        return found

    # --- pinning -----------------------------------------------------------------

    def pin(
        self,
        repo: Repository,
        workflow: Workflow,
        product_set: str,
        day: dt.date,
        keep: DefinitionSet | None = None,
    ) -> DefinitionSet:
        """The versions in effect on `day` of every definition `workflow` uses for `product_set`.

        `keep`: versions already pinned that stay (by kind and id) instead of the ones in effect.
        """
        keep = keep or {}
        out: DefinitionSet = {k: {} for k in PINNED_KINDS}
        stored: dict[tuple[str, str], list[Row]] = {}
        for r in repo.definition_heads(PINNED_KINDS):  # one query, no source texts
            stored.setdefault((r["kind"], r["def_id"]), []).append(r)

        def choose(kind: str, def_id: str) -> str | None:
            kept = keep.get(kind, {}).get(def_id)
            row = None if kept else in_effect(stored.get((kind, def_id), []), day)
            return kept or (row["sha256"] if row is not None else None)

        wanted = [("roles", workflow.roles), *(("form", f) for f in workflow.forms)]
        if workflow.units:
            wanted.append(("units", workflow.units))
        for kind, def_id in wanted:
            sha = choose(kind, def_id)
            if sha is not None:
                out[kind][def_id] = sha
        if workflow.scoring_regime is not None:
            for kind, def_id in sorted(k for k in stored if k[0] == "scoring_form"):
                sha = choose(kind, def_id)
                form = self.model(repo, kind, sha) if sha is not None else None
                if (
                    isinstance(form, ScoringForm)
                    and form.regime == workflow.scoring_regime
                    and any(p.code == product_set for p in form.product_sets)
                ):
                    out[kind][def_id] = form.source.sha256 if form.source else ""
                    break
        return out

    def pinned(self, repo: Repository | None, workflow: Workflow, row: Mapping[str, Any]) -> Pinned:
        """What a dossier row is pinned to (the running catalog for a dossier from before pinning)."""
        hashes: DefinitionSet | None = row.get("definition_set")
        if not hashes:
            forms = {f: self.catalog.forms[f] for f in workflow.forms if f in self.catalog.forms}
            scoring = self.scoring_form(workflow, row["product_set"])
            return Pinned(workflow, self.roles_for(workflow), self.units_for(workflow), forms, scoring)

        def get(kind: str, def_id: str | None) -> Any:
            sha = hashes.get(kind, {}).get(def_id or "")
            return self.model(repo, kind, sha) if sha else None

        roleset = get("roles", workflow.roles)
        if roleset is None:
            raise NotFound(say("definition.roles_not_pinned", roles=workflow.roles, dossier_id=row.get("id")))
        forms = {f: get("form", f) for f in workflow.forms if f in hashes.get("form", {})}
        sheets = [self.model(repo, "scoring_form", s) for s in hashes.get("scoring_form", {}).values()]
        scoring_form = sheets[0] if sheets and isinstance(sheets[0], ScoringForm) else None
        return Pinned(workflow, roleset, get("units", workflow.units), forms, scoring_form, hashes)

    def workflow_in_effect(
        self, repo: Repository, day: dt.date, workflow_id: str | None
    ) -> tuple[Workflow, Row]:
        """The stored workflow version in effect on `day`: latest effective_from, then latest activation."""
        rows = [
            r
            for r in repo.definitions("workflow", workflow_id)
            if r["active"]
            and r["effective_from"] is not None
            and r["effective_from"] <= day
            and (r["effective_until"] is None or day < r["effective_until"])
        ]
        if not rows:
            if workflow_id:
                raise NotFound(
                    say("definition.none_in_effect", workflow=workflow_id, day=day), day=day.isoformat()
                )
            raise NotFound(say("definition.no_workflow_in_effect", day=day), day=day.isoformat())
        best = max(rows, key=lambda r: (r["effective_from"], r["id"]))
        return self.workflow(repo, best["sha256"]), best

    def workflow(self, repo: Repository | None, sha256: str) -> Workflow:
        """The workflow with this content hash, reloading its stored text when needed."""
        wf = self._by_hash.get(sha256)
        if wf is not None:
            return wf
        if repo is None:
            raise NotFound(say("definition.workflow_not_loaded", sha=sha256[:12]))
        row = repo.definition_by_hash("workflow", sha256)
        if row is None:
            raise NotFound(say("definition.workflow_not_stored", sha=sha256[:12]))
        wf = self.load_workflow_text(row["source"], row["file"])
        with self._lock:
            self._by_hash[sha256] = wf
        return wf

    def load_workflow_text(self, text: str, filename: str) -> Workflow:
        result = self.load_text(text, filename)
        if len(result.workflows) != 1:
            raise InvalidDefinition(say("definition.not_one_workflow", filename=filename), problems=[])
        return next(iter(result.workflows.values()))

    def load_text(self, text: str, filename: str, attachments: Mapping[str, str] | None = None) -> Catalog:
        from engine.definitions.loader import load_texts

        folder = filename.rsplit("/", 1)[0] + "/" if "/" in filename else ""
        files: list[tuple[str, str | bytes]] = [(filename, text)]
        files.extend((folder + name, body) for name, body in (attachments or {}).items())
        result = load_texts(files, context=self.catalog)
        if not result.ok:
            errors = [p for p in result.problems if p.severity == "error"]
            raise InvalidDefinition(
                say("definition.invalid", filename=filename, count=len(errors)), problems=errors
            )
        catalog: Catalog = result.catalog
        return catalog

    def roles_for(self, workflow: Workflow) -> RoleSet:
        roleset = self.catalog.roles.get(workflow.roles)
        if roleset is None:
            raise NotFound(say("definition.roles_not_loaded", roles=workflow.roles, workflow=workflow.id))
        return roleset

    def units_for(self, workflow: Workflow) -> UnitSet | None:
        return self.catalog.units.get(workflow.units) if workflow.units else None

    def scoring_form(self, workflow: Workflow, product_set: str) -> ScoringForm | None:
        if workflow.scoring_regime is None:
            return None
        return self.catalog.scoring_form_for(workflow.scoring_regime, product_set)

    def product_group(self, workflow: Workflow, product_set: str) -> str | None:
        form = self.scoring_form(workflow, product_set)
        if form is None:
            return None
        for ps in form.product_sets:
            if ps.code == product_set:
                return ps.group
        return None

    def form(self, form_id: str) -> Form:
        form = self.catalog.forms.get(form_id)
        if form is None:
            raise NotFound(say("definition.form_not_loaded", form=form_id))
        return form

    def all_roles(self) -> dict[str, str]:
        """grant -> scope, over every loaded roles file: each role by its qualified id
        (`<roles file>:<role>`), and by its bare id as a legacy grant names it (the widest scope
        wins on a clash)."""
        # public < own < the declared levels, narrowest first < central < system
        order = {"public": 0, "own": 1}
        for unitset in self.catalog.units.values():
            for depth, level in enumerate(reversed(unitset.levels)):
                order[level] = max(order.get(level, 0), 2 + depth)
        order.update(central=100, system=101)
        out: dict[str, str] = {}
        for roleset in self.catalog.roles.values():
            for role in roleset.roles.values():
                out[role.qualified] = role.scope
                if order.get(role.scope, 0) >= order.get(out.get(role.id, "public"), 0):
                    out[role.id] = role.scope
        return out

    def grantable_roles(self) -> list[tuple[RoleSet, list[Role]]]:
        """Each roles file with the roles it defines, in its order (a shared role under the file
        that defines it), by roles file id: what an administrator grants, one regime at a time."""
        return [(rs, list(rs.own().values())) for _, rs in sorted(self.catalog.roles.items())]

    def resolve_grant(self, grant: str) -> list[str]:
        """The qualified grants an id stands for: itself when qualified and known; an unqualified
        id: the role of that id in every roles file that defines it (what it meant before roles
        had namespaces). Empty when no roles file knows it."""
        if ":" in grant:
            return [grant] if grant in self.all_roles() else []
        return sorted(
            r.qualified for rs in self.catalog.roles.values() for r in rs.own().values() if r.id == grant
        )
