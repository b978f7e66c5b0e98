"""Definitions as governed data: install a bundle, approve a proposal (four eyes), retire or
deactivate a version.

A bundle (several files, any order) is validated as a whole against the catalog in force, then
checked against the stored versions: an installed (kind, id, version) never changes content, and
an effective date may only be proposed later than the file's own. When a roles file governing
any definition of the bundle asks for `four_eyes`, the versions are stored as a proposal that
another administrator approves; otherwise they are active at once. Every step is audited, and
every process sees the change within a second (the catalog version, engine/service/base.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.definitions.loader import load_texts, problem_at
from engine.definitions.model import Catalog, Form, RoleSet, ScoringForm, UnitSet, Workflow
from engine.definitions.problems import Problem
from engine.errors import Conflict, InvalidDefinition, NotFound, PermissionDenied
from engine.messages import say
from engine.permissions import Actor
from engine.service.registry import KINDS
from engine.service.snapshots import DefinitionVersion, DossierSnapshot
from engine.service.versions import VersionUseCases, version_of
from engine.storage.repository import Repository, Row

Definition = Workflow | RoleSet | Form | ScoringForm | UnitSet
ATTRS = ("workflows", "roles", "forms", "scoring_forms", "units")  # the catalog tables a bundle fills


@dataclass(frozen=True)
class BundleItem:
    """One definition of a checked bundle and what installing it would do."""

    kind: str
    def_id: str
    version: str
    sha256: str
    file: str
    declared_from: dt.date | None  # the file's effective_from
    effective_from: dt.date | None  # what would be stored (a later proposed date, else the file's)
    effective_until: dt.date | None
    installed: bool  # this exact content is stored already: installing it again changes nothing
    current_sha256: str | None  # the version of this id in force now, to diff against


@dataclass(frozen=True)
class BundleCheck:
    problems: tuple[Problem, ...]
    items: tuple[BundleItem, ...]
    four_eyes: bool  # installing stores a proposal another administrator approves
    bundle: str  # sha256 over the members' hashes: the proposal's name

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.items)


@dataclass(frozen=True)
class Installed:
    bundle: str
    versions: tuple[DefinitionVersion, ...]  # the new rows (empty: everything was installed already)
    pending: bool  # stored as a proposal awaiting another administrator


def _definitions(catalog: Catalog) -> list[Definition]:
    return [d for attr in ATTRS for d in getattr(catalog, attr).values()]


def _files_of(files: Iterable[tuple[str, str | bytes]]) -> dict[str, str]:
    return {
        name: (text.decode("utf-8-sig", errors="replace") if isinstance(text, bytes) else text)
        for name, text in files
    }


class GovernanceUseCases(VersionUseCases):
    # --- checking ------------------------------------------------------------------

    def check_bundle(
        self,
        actor: Actor,
        files: Sequence[tuple[str, str | bytes]],
        *,
        effective_from: dt.date | None = None,
        lang: str = "vi",
    ) -> BundleCheck:
        """Validate a bundle against what is installed; nothing is stored."""
        self.require(actor, "administer")
        with self._tx(write=False) as repo:
            return self._check(repo, files, effective_from, lang)[0]

    def _check(
        self,
        repo: Repository,
        files: Sequence[tuple[str, str | bytes]],
        effective_from: dt.date | None,
        lang: str,
    ) -> tuple[BundleCheck, list[Definition]]:
        result = load_texts(files, lang, context=self.catalog)
        texts = _files_of(files)
        problems = list(result.problems)
        definitions = _definitions(result.catalog)
        items = []
        for d in definitions:
            item, found = self._item(repo, d, effective_from, texts, lang)
            problems.extend(found)
            items.append(item)
        if not definitions and not result.errors:
            name = next(iter(texts), "")
            problems.append(problem_at(name, texts.get(name, ""), "E603", (), {}, lang))
        problems.sort(key=lambda p: (p.file, p.line, p.column, p.code))
        digest = hashlib.sha256("\n".join(sorted(i.sha256 for i in items)).encode()).hexdigest()
        check = BundleCheck(tuple(problems), tuple(items), self._four_eyes(definitions), digest)
        return check, definitions

    def _item(
        self, repo: Repository, d: Definition, proposed: dt.date | None, texts: dict[str, str], lang: str
    ) -> tuple[BundleItem, list[Problem]]:
        assert d.source is not None
        kind, version = KINDS[type(d)], getattr(d, "version", "") or ""
        file, text = d.source.file, texts.get(d.source.file, d.source.text)
        rows = repo.definitions(kind, d.id)
        same = [r for r in rows if r["sha256"] == d.source.sha256]
        problems = []
        # A kind without versions (roles, units) is versioned by its content hash alone.
        clash = [r for r in rows if version and r["version"] == version and r["sha256"] != d.source.sha256]
        attached = dict(d.source.attachments)
        if clash or any(attached and (r.get("attachments") or {}) not in ({}, attached) for r in same):
            params = {"kind": kind, "id": d.id, "version": version or "—"}
            problems.append(
                problem_at(file, text, "E601", ("version",) if version else ("id",), params, lang)
            )
        declared = getattr(d, "effective_from", None)
        if proposed is not None and declared is not None and proposed < declared:
            params = {"proposed": proposed.isoformat(), "declared": declared.isoformat()}
            problems.append(problem_at(file, text, "E602", ("effective_from",), params, lang))
        current = getattr(self.catalog, _attr(kind)).get(d.id)
        item = BundleItem(
            kind=kind,
            def_id=d.id,
            version=version,
            sha256=d.source.sha256,
            file=file,
            declared_from=declared,
            effective_from=max(filter(None, (declared, proposed)), default=None),
            effective_until=getattr(d, "effective_until", None),
            installed=bool(same),
            current_sha256=current.source.sha256 if current is not None and current.source else None,
        )
        return item, problems

    def _four_eyes(self, definitions: Sequence[Definition]) -> bool:
        """Whether a roles file governing any of these definitions asks for four eyes.

        Both the installed roles file and the bundle's version of it count, so a bundle cannot
        switch the rule off by itself. A kind this function does not know is governed by every
        roles file (the safe side)."""
        bundle = Catalog(**{a: {} for a in ATTRS})
        for d in definitions:
            getattr(bundle, _attr(KINDS[type(d)])).setdefault(d.id, d)
        workflows = [*self.catalog.workflows.values(), *bundle.workflows.values()]
        roles_ids: set[str] = set()
        for d in definitions:
            if isinstance(d, RoleSet):
                roles_ids.add(d.id)
            elif isinstance(d, Workflow):
                roles_ids.add(d.roles)
            elif isinstance(d, Form):
                roles_ids.update(w.roles for w in workflows if d.id in w.forms)
            elif isinstance(d, ScoringForm):
                roles_ids.update(w.roles for w in workflows if w.scoring_regime == d.regime)
            elif isinstance(d, UnitSet):
                roles_ids.update(w.roles for w in workflows if w.units == d.id)
            else:
                roles_ids.update(self.catalog.roles)
        found = [c.roles.get(r) for c in (self.catalog, bundle) for r in roles_ids]
        return any(rs is not None and rs.four_eyes for rs in found)

    # --- installing ------------------------------------------------------------------

    def install_bundle(
        self,
        actor: Actor,
        files: Sequence[tuple[str, str | bytes]],
        *,
        effective_from: dt.date | None = None,
    ) -> Installed:
        """Store a bundle's new versions, all or none: active now, or proposed under four eyes."""
        self.require(actor, "administer")
        now = self.now()
        with self._tx() as repo:
            check, definitions = self._check(repo, files, effective_from, "vi")
            if not check.items and all(p.code == "E603" for p in check.errors):
                names = ", ".join(name for name, _ in files) or "—"
                raise InvalidDefinition(
                    say("definition.nothing_to_activate", filename=names), problems=check.errors
                )
            if not check.ok:
                raise InvalidDefinition(
                    say("definition.bundle_invalid", count=len(check.errors)), problems=check.errors
                )
            rows = []
            for d, item in zip(definitions, check.items, strict=True):
                if item.installed:
                    continue
                row = self.registry.store(
                    repo,
                    d,
                    actor.id,
                    now,
                    item.effective_from,
                    approved=not check.four_eyes,
                    bundle=check.bundle,
                )
                self._audit_definition(
                    repo, actor, "propose_definition" if check.four_eyes else "activate_definition", row, now
                )
                rows.append(row)
        if rows and not check.four_eyes:
            self.refresh_catalog(force=True)
        return Installed(check.bundle, tuple(version_of(r) for r in rows), check.four_eyes and bool(rows))

    @staticmethod
    def _audit_definition(
        repo: Repository, actor: Actor, action: str, row: Row, now: dt.datetime, **extra: Any
    ) -> None:
        keys = ("kind", "def_id", "version", "file", "effective_from", "effective_until", "bundle")
        repo.append_event(
            at=now,
            actor=actor.id,
            action=action,
            definition_hash=row["sha256"],
            payload={**{k: row.get(k) for k in keys}, **extra},
        )

    def pending_bundles(self, actor: Actor) -> list[DefinitionVersion]:
        """Versions proposed and awaiting another administrator's approval."""
        self.require(actor, "administer")
        return [v for v in self.definition_versions() if v.status == "proposed"]

    def approve_bundle(self, actor: Actor, bundle: str) -> tuple[DefinitionVersion, ...]:
        """Approve a proposal: its versions become active. The proposer may not approve it."""
        self.require(actor, "administer")
        now = self.now()
        with self._tx() as repo:
            rows = [r for r in repo.definitions_in_bundle(bundle) if r["status"] == "proposed"]
            if not rows:
                raise NotFound(say("definition.no_proposal", bundle=bundle[:12]))
            own = [r for r in rows if r["proposed_by"] == actor.id]
            if own:
                raise PermissionDenied(say("definition.own_proposal", bundle=bundle[:12]), reason="four_eyes")
            for r in rows:
                clash = [
                    o
                    for o in repo.definitions(r["kind"], r["def_id"])
                    if o["version"] == r["version"] and o["sha256"] != r["sha256"] and o["active"]
                ]
                if clash:
                    raise Conflict(say("definition.version_taken", id=r["def_id"], version=r["version"]))
                changes = {"status": "active", "active": True, "approved_by": actor.id, "approved_at": now,
                           "activated_by": actor.id, "activated_at": now}  # fmt: skip
                repo.update_definition(r["id"], **changes)
                r.update(changes)
                self._audit_definition(
                    repo, actor, "approve_definition", r, now, proposed_by=r["proposed_by"]
                )
        self.refresh_catalog(force=True)
        return tuple(version_of(r) for r in rows)

    def activate_definition(
        self, actor: Actor, text: str, filename: str, effective_from: dt.date | None = None
    ) -> list[DefinitionVersion]:
        """One file as a bundle of one: the versions it stores (or finds stored already)."""
        installed = self.install_bundle(actor, [(filename, text)], effective_from=effective_from)
        if installed.versions:
            return list(installed.versions)
        with self._tx(write=False) as repo:
            check = self._check(repo, [(filename, text)], effective_from, "vi")[0]
            rows = [repo.definition_by_hash(i.kind, i.sha256) for i in check.items]
        return [version_of(r) for r in rows if r is not None]

    # --- retiring ----------------------------------------------------------------------

    def open_dossiers_pinning(self, actor: Actor, sha256: str) -> list[DossierSnapshot]:
        """Open dossiers that run under this version (as their workflow or a pinned definition)."""
        self.require(actor, "administer")
        with self._tx(write=False) as repo:
            return self._open_pinning(repo, sha256)

    def _open_pinning(self, repo: Repository, sha256: str) -> list[DossierSnapshot]:
        return [s for s in self._snapshots(repo, repo.dossiers_pinning(sha256)) if not s.terminal]

    def retire_definition(
        self, actor: Actor, sha256: str, on: dt.date
    ) -> tuple[DefinitionVersion, list[DossierSnapshot]]:
        """No new dossier picks this version from `on`; dossiers pinned to it go on under it."""
        return self._set_status(actor, sha256, "retire_definition", on)

    def deactivate_definition(
        self, actor: Actor, sha256: str
    ) -> tuple[DefinitionVersion, list[DossierSnapshot]]:
        """No new dossier picks this version any more (a proposal is withdrawn); pinned dossiers go on."""
        return self._set_status(actor, sha256, "deactivate_definition", None)

    def _set_status(
        self, actor: Actor, sha256: str, action: str, on: dt.date | None
    ) -> tuple[DefinitionVersion, list[DossierSnapshot]]:
        self.require(actor, "administer")
        now = self.now()
        with self._tx() as repo:
            row = next((r for r in repo.definitions() if r["sha256"] == sha256), None)
            if row is None:
                raise NotFound(say("definition.not_stored", sha=sha256[:12]))
            if on is not None:
                start, until = row["effective_from"], row["effective_until"]
                if start is not None and on < start:
                    raise InvalidDefinition(
                        say("definition.retire_before_start", day=on, start=start), problems=[]
                    )
                changes: dict[str, Any] = {
                    "effective_until": min(on, until) if until else on,
                    "status": "retired",
                }
            else:
                changes = {"active": False, "status": "deactivated"}
            affected = self._open_pinning(repo, sha256)
            repo.update_definition(row["id"], **changes)
            row.update(changes)
            self._audit_definition(repo, actor, action, row, now, open_dossiers=[d.id for d in affected])
        self.refresh_catalog(force=True)
        return version_of(row), affected


def _attr(kind: str) -> str:
    return {"workflow": "workflows", "roles": "roles", "form": "forms", "scoring_form": "scoring_forms",
            "units": "units"}.get(kind, kind)  # fmt: skip
