"""Checks across files: references resolved against everything loaded together.

These run on every load (the per-file checks are cached), so they only walk
the collected `Ref`s and the built model objects: cheap by construction.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.definitions import councils, registers, shared_roles
from engine.definitions import model as m
from engine.definitions.checks import Ref
from engine.definitions.yamlread import Finding


@dataclass
class Entry:
    """One loaded file: its definition (None when it had errors) and its references."""

    key: str  # the file as shown to the user
    kind: str
    definition: Any
    refs: list[Ref] = field(default_factory=list)


class Resolver:
    def __init__(
        self, catalog: m.Catalog, context: m.Catalog | None, broken: set[tuple[str, str]] | None = None
    ) -> None:
        self.catalog = catalog
        self.context = context or m.Catalog()
        self.broken = broken or set()  # (attr, id) of files loaded with errors: not "unknown"

    def missing(self, attr: str, ident: str) -> bool:
        return self.get(attr, ident) is None and (attr, ident) not in self.broken

    def get(self, attr: str, ident: str) -> Any:
        found = getattr(self.catalog, attr).get(ident)
        return found if found is not None else getattr(self.context, attr).get(ident)

    def all(self, attr: str) -> list[Any]:
        merged = {**getattr(self.context, attr), **getattr(self.catalog, attr)}
        return list(merged.values())


def check_entry(entry: Entry, r: Resolver) -> Iterator[Finding]:
    d = entry.definition
    if isinstance(d, m.Workflow):
        yield from _workflow(d, entry.refs, r)
        yield from _editing(d)
        yield from _sittings(d, r)
        yield from _groups(d, r)
        yield from _cycle(d)
        yield from _borrowed_assessors(d, r)
    elif isinstance(d, m.Form):
        yield from _form(d, entry.refs, r)
    elif isinstance(d, m.ScoringForm):
        yield from _scoring(d, entry.refs, r)
    elif isinstance(d, m.TestSuite):
        yield from _tests(d, r)
    elif isinstance(d, m.Register):
        yield from registers.cross_check(d, entry.refs, r)
    elif isinstance(d, m.Plan):
        yield from _spending_roles(d, r)
    elif isinstance(d, m.RoleSet):
        pool = {rs.id: rs for rs in r.all("roles")}
        for f in shared_roles.check_uses(d, pool):
            if f.code != "E140" or ("roles", f.params["id"]) not in r.broken:
                yield f


def _spending_roles(plan: m.Plan, r: Resolver) -> Iterator[Finding]:
    """A plan with budget lines, and roles files loaded, none of which lets a role record spending."""
    rolesets: list[m.RoleSet] = r.all("roles")
    if not plan.budget or not rolesets:
        return
    if not any("record_spending" in role.can for rs in rolesets for role in rs.roles.values()):
        known = ", ".join(sorted(rs.id for rs in rolesets))
        yield Finding("W021", ("budget",), {"id": plan.id, "roles": known}, at_key=True, severity="warning")


def _workflow(wf: m.Workflow, refs: list[Ref], r: Resolver) -> Iterator[Finding]:
    roleset: m.RoleSet | None = r.get("roles", wf.roles)
    unitset: m.UnitSet | None = r.get("units", wf.units) if wf.units else None
    if roleset is not None and unitset is not None:
        yield from _scopes(roleset, unitset)
    forms = [r.get("forms", fid) for fid in wf.forms]
    collected = {f.document for form in forms if form for f in form.fields() if f.type == "evidence"}
    carries = any(link.carry_over for link in wf.links)
    for ref in refs:
        if ref.kind == "roles_file" and r.missing("roles", ref.id):
            yield Finding("E209", ref.path, {"what": "roles", "id": ref.id})
        elif ref.kind == "regime" and not any(sf.regime == ref.id for sf in r.all("scoring_forms")):
            yield Finding("W006", ref.path, {"id": ref.id})
        elif ref.kind == "units_file" and r.missing("units", ref.id):
            yield Finding("E209", ref.path, {"what": "units", "id": ref.id})
        elif ref.kind == "form" and r.missing("forms", ref.id):
            yield Finding("E205", ref.path, {"id": ref.id})
        elif ref.kind == "form" and not carries:
            form = r.get("forms", ref.id)
            carried = [f.id for f in form.fields() if f.carry_over] if form is not None else []
            if carried:
                yield Finding("W030", ref.path, {"form": ref.id, "fields": carried}, severity="warning")
        elif ref.kind == "link_register":
            register = r.get("registers", ref.id)
            if register is None and (("registers", ref.id) not in r.broken):
                known = sorted({reg.id for reg in r.all("registers")})
                yield Finding("E243", ref.path, {"name": ref.context, "id": ref.id, "known": known})
            elif register is not None and register.roles != wf.roles:
                params = {
                    "name": ref.context,
                    "id": ref.id,
                    "roles": register.roles,
                    "workflow_roles": wf.roles,
                }
                yield Finding("W017", ref.path, params, severity="warning")
        elif ref.kind == "link_level" and unitset is not None and ref.id not in unitset.levels:
            yield Finding("E134", ref.path, {"name": ref.context, "level": ref.id, "units": unitset.id,
                                             "levels": ", ".join(unitset.levels)})  # fmt: skip
        elif ref.kind in ("fire_role", "role") and roleset is not None:
            role = roleset.roles.get(ref.id)
            if role is None:
                yield Finding(
                    "E204", ref.path, {"id": ref.id, "roles": roleset.id, "known": sorted(roleset.roles)}
                )
            elif ref.kind == "fire_role" and "fire" not in role.can:
                yield Finding(
                    "E214", ref.path, {"role": ref.id, "transition": ref.context, "roles": roleset.id}
                )
        elif ref.kind == "field":
            form = r.get("forms", ref.context)
            if r.missing("forms", ref.context) or ref.context not in wf.forms:
                yield Finding("E205", ref.path, {"id": ref.context})
            elif form is not None and ref.id not in {f.id for f in form.fields()}:
                known = sorted(f.id for f in form.fields())
                yield Finding("E206", ref.path, {"id": ref.id, "form": ref.context, "known": known})
        elif ref.kind == "evidence" and all(forms) and ref.id not in collected:
            yield Finding("E230", ref.path, {"id": ref.id, "known": sorted(d for d in collected if d)})
        elif ref.kind in ("member", "chair", "sheet") and roleset is not None:
            yield from _council_ref(wf, ref, roleset, r)


def _scopes(roleset: m.RoleSet, unitset: m.UnitSet) -> Iterator[Finding]:
    """A role's scope is an engine scope or a level the workflow's units file declares."""
    for role in roleset.roles.values():
        if role.scope not in m.ENGINE_SCOPES and role.scope not in unitset.levels:
            yield Finding("E122", ("roles",), {"role": role.id, "roles": roleset.id, "scope": role.scope,
                                               "units": unitset.id, "levels": ", ".join(unitset.levels)})  # fmt: skip


def _council_ref(wf: m.Workflow, ref: Ref, roleset: m.RoleSet, r: Resolver) -> Iterator[Finding]:
    """A council's members score and its chair chairs; a required sheet is an assessor's."""
    role = roleset.roles.get(ref.id)
    if role is None:
        yield Finding("E204", ref.path, {"id": ref.id, "roles": roleset.id, "known": sorted(roleset.roles)})
        return
    params: dict[str, Any] = {"role": ref.id, "state": ref.context, "roles": roleset.id}
    if ref.kind in ("member", "chair") and "score" not in role.can:
        yield Finding("E224", ref.path, params)
    if ref.kind == "chair" and "chair" not in role.can:
        yield Finding("E225", ref.path, params)
    if ref.kind == "sheet":
        forms = _regime_forms(wf, r)
        known = sorted({a for sf in forms for a in sf.assessors()})
        if forms and ref.id not in known:
            sheet = {"transition": ref.context, "id": ref.id, "regime": wf.scoring_regime, "known": known}
            yield Finding("E227", ref.path, sheet)


def _groups(wf: m.Workflow, r: Resolver) -> Iterator[Finding]:
    """Once a workflow labels its product groups, every group its scoring forms use has a label."""
    if not wf.product_groups:
        return
    for sf in _regime_forms(wf, r):
        for product_set in sf.product_sets:
            if product_set.group not in wf.product_groups:
                params = {"id": product_set.group, "form": sf.id, "known": sorted(wf.product_groups)}
                yield Finding("W013", ("product_groups",), params, at_key=True, severity="warning")


def _cycle(wf: m.Workflow) -> Iterator[Finding]:
    """A declared cycle lists each step once, in order, and every state sits in one of its steps."""
    if not wf.cycle:
        return
    for i, (a, b) in enumerate(itertools.pairwise(wf.cycle)):
        if b.step <= a.step:
            yield Finding("E228", ("cycle", i + 1, "step"), {"step": b.step, "before": a.step})
    declared = [c.step for c in wf.cycle]
    for state in wf.states.values():
        if state.step not in declared:
            params = {"id": state.id, "step": state.step, "steps": declared}
            yield Finding("E229", (*_state_path(wf, state.id), "step"), params)


def _borrowed_assessors(wf: m.Workflow, r: Resolver) -> Iterator[Finding]:
    """A workflow that scores with another workflow's regime (a variant) has a role for each of its
    assessors, with `score`; the regime's own workflow is checked from the scoring form (E204/E221)."""
    roleset: m.RoleSet | None = r.get("roles", wf.roles)
    if roleset is None or not wf.scoring_regime or wf.scoring_regime == wf.id:
        return
    used: dict[str, list[str]] = {}
    for sf in _regime_forms(wf, r):
        for role in sorted({sf.default_assessor, *sf.assessors()}):
            used.setdefault(role, []).append(sf.id)
    for role, forms in used.items():
        if role not in roleset.roles or "score" not in roleset.roles[role].can:
            params = {
                "id": wf.id,
                "regime": wf.scoring_regime,
                "role": role,
                "roles": roleset.id,
                "forms": forms,
            }
            yield Finding("E233", ("scoring_forms", "regime"), params)


def _regime_forms(wf: m.Workflow, r: Resolver) -> list[m.ScoringForm]:
    return [sf for sf in r.all("scoring_forms") if wf.scoring_regime and sf.regime == wf.scoring_regime]


def _sittings(wf: m.Workflow, r: Resolver) -> Iterator[Finding]:
    """Scores are awaited only where a council sat; a council sits only where its result is awaited."""
    deciding = [(i, t) for i, t in enumerate(wf.transitions) if t.requires.scores]
    if not wf.declares_councils:
        roleset: m.RoleSet | None = r.get("roles", wf.roles)
        if deciding and roleset is not None:
            assessors = frozenset(a for sf in _regime_forms(wf, r) for a in sf.assessors())
            inferred = [
                f"{sid} (members: {' '.join(c.members) or '-'}; chair: {c.chair or '-'})"
                for sid, c in councils.inferred(wf, roleset, assessors).items()
            ]
            yield Finding(
                "W012", ("states",), {"id": wf.id, "inferred": inferred}, at_key=True, severity="warning"
            )
        return
    seated = {sid for sid, s in wf.states.items() if s.council is not None}
    incoming: dict[str, set[str]] = {}
    for t in wf.transitions:
        for source in t.sources:
            incoming.setdefault(t.target, set()).add(source)
    for i, t in deciding:
        if not (_upstream(t.sources, incoming) & seated):
            params = {"transition": t.id, "state": t.sources[0] if t.sources else ""}
            yield Finding("E226", ("transitions", i, "requires", "scores"), params)
    for sid in sorted(seated, key=list(wf.states).index):
        if not any(sid in t.sources for _, t in deciding):
            yield Finding(
                "W011", (*_state_path(wf, sid), "council"), {"id": sid}, at_key=True, severity="warning"
            )


def _state_path(wf: m.Workflow, state_id: str) -> tuple[str, ...]:
    """The data path of a (nested) state: states/<outer>/states/<inner>/…"""
    path: tuple[str, ...] = ()
    for state in wf.lineage(state_id):
        path = ("states", state.id, *path)
    return path


def _editing(wf: m.Workflow) -> Iterator[Finding]:
    """Where `editable_forms` is used: every required form can be edited before it is required."""
    if not wf.declares_editing:
        return
    leaves = [s.id for s in wf.leaves()]
    editable = {sid: set(wf.editable_forms_in(sid)) for sid in leaves}
    incoming: dict[str, set[str]] = {}
    for t in wf.transitions:
        for source in t.sources:
            incoming.setdefault(t.target, set()).add(source)
    required: set[str] = set()
    for i, t in enumerate(wf.transitions):
        before = _upstream(t.sources, incoming)
        for j, form_id in enumerate(t.requires.forms):
            required.add(form_id)
            if form_id in wf.forms and not any(form_id in editable.get(s, ()) for s in before):
                yield Finding(
                    "E223",
                    ("transitions", i, "requires", "forms", j),
                    {"id": form_id, "transition": t.id, "state": t.sources[0] if t.sources else ""},
                )
    for i, form_id in enumerate(wf.forms):
        if form_id not in required and not any(form_id in e for e in editable.values()):
            yield Finding("W010", ("forms", i), {"id": form_id}, severity="warning")


def _upstream(sources: tuple[str, ...], incoming: dict[str, set[str]]) -> set[str]:
    """The sources and every state from which one of them can be reached."""
    seen = set(sources)
    frontier = list(sources)
    while frontier:
        for before in incoming.get(frontier.pop(), ()):
            if before not in seen:
                seen.add(before)
                frontier.append(before)
    return seen


def _form(form: m.Form, refs: list[Ref], r: Resolver) -> Iterator[Finding]:
    users = [wf for wf in r.all("workflows") if form.id in wf.forms]
    rolesets = [rs for rs in (r.get("roles", wf.roles) for wf in users) if rs] or r.all("roles")
    if not rolesets:
        return
    for ref in refs:
        if ref.kind == "editor" and not any(ref.id in rs.roles for rs in rolesets):
            known = sorted({rid for rs in rolesets for rid in rs.roles})
            yield Finding(
                "E204", ref.path, {"id": ref.id, "roles": ", ".join(rs.id for rs in rolesets), "known": known}
            )


def _scoring(sf: m.ScoringForm, refs: list[Ref], r: Resolver) -> Iterator[Finding]:
    wf: m.Workflow | None = r.get("workflows", sf.regime)
    roleset: m.RoleSet | None = r.get("roles", wf.roles) if wf else None
    for ref in refs:
        if ref.kind == "workflow" and r.missing("workflows", ref.id):
            yield Finding("E209", ref.path, {"what": "workflow (regime)", "id": ref.id})
        elif ref.kind == "assessor" and roleset is not None and ref.id not in roleset.roles:
            yield Finding(
                "E204", ref.path, {"id": ref.id, "roles": roleset.id, "known": sorted(roleset.roles)}
            )
        elif ref.kind == "assessor" and roleset is not None and "score" not in roleset.roles[ref.id].can:
            yield Finding("E221", ref.path, {"role": ref.id, "roles": roleset.id})


def _tests(suite: m.TestSuite, r: Resolver) -> Iterator[Finding]:
    for i, case in enumerate(suite.cases):
        raw = case.raw
        path = ("cases", i)
        params = {"name": case.name}
        if "scoring_form" in raw:
            sf: m.ScoringForm | None = r.get("scoring_forms", str(raw["scoring_form"]))
            if sf is None:
                if not r.missing("scoring_forms", str(raw["scoring_form"])):
                    continue
                yield Finding(
                    "E503",
                    (*path, "scoring_form"),
                    {**params, "what": "scoring form", "id": raw["scoring_form"]},
                )
                continue
            yield from _case_answers(sf, raw, path, params)
        elif "workflow" in raw:
            wf: m.Workflow | None = r.get("workflows", str(raw["workflow"]))
            if wf is None:
                if not r.missing("workflows", str(raw["workflow"])):
                    continue
                yield Finding(
                    "E503", (*path, "workflow"), {**params, "what": "workflow", "id": raw["workflow"]}
                )
                continue
            if "state" in raw and raw["state"] not in wf.states:
                yield Finding("E503", (*path, "state"), {**params, "what": "state", "id": raw["state"]})
            if "transition" in raw and wf.transition(str(raw["transition"])) is None:
                yield Finding(
                    "E503", (*path, "transition"), {**params, "what": "transition", "id": raw["transition"]}
                )
            yield from _case_editing(wf, raw, path, params, r)
            roleset: m.RoleSet | None = r.get("roles", wf.roles)
            actor = raw.get("actor")
            if roleset and isinstance(actor, dict):
                for j, role in enumerate(actor.get("roles", [])):
                    if role not in roleset.roles:
                        yield Finding(
                            "E204",
                            (*path, "actor", "roles", j),
                            {"id": role, "roles": roleset.id, "known": sorted(roleset.roles)},
                        )


def _case_editing(
    wf: m.Workflow, raw: dict[str, Any], path: tuple[Any, ...], params: dict[str, Any], r: Resolver
) -> Iterator[Finding]:
    """A case's `form` is one of the workflow's forms; its `document` a type the workflow knows."""
    if "form" in raw and raw["form"] not in wf.forms:
        yield Finding("E503", (*path, "form"), {**params, "what": "form", "id": raw["form"]})
    if "document" in raw:
        forms = [r.get("forms", fid) for fid in wf.forms]
        known = {f.document for form in forms if form for f in form.fields() if f.type == "evidence"}
        known |= {doc for t in wf.transitions for doc in t.requires.evidence}
        if raw["document"] not in known:
            yield Finding(
                "E503", (*path, "document"), {**params, "what": "document type", "id": raw["document"]}
            )


def _case_answers(
    sf: m.ScoringForm, raw: dict[str, Any], path: tuple[Any, ...], params: dict[str, Any]
) -> Iterator[Finding]:
    criteria = {c.id: c for c in sf.criteria()}
    flags = {f.id for f in sf.rejection} | {k.id for c in criteria.values() for k in c.knockouts}
    flags |= {c.gate.id for c in criteria.values() if c.gate}
    for key in ("answers", "assessors_answers"):
        answers = raw.get(key)
        if not isinstance(answers, dict):
            continue
        for cid, oid in answers.items():
            crit = criteria.get(cid)
            if crit is None:
                yield Finding(
                    "E503", (*path, key, cid), {**params, "what": "criterion", "id": cid}, at_key=True
                )
            elif oid not in {o.id for o in crit.options}:
                yield Finding("E503", (*path, key, cid), {**params, "what": f"option of {cid}", "id": oid})
    for j, flag in enumerate(raw.get("flags", []) if isinstance(raw.get("flags"), list) else []):
        if flag not in flags:
            yield Finding("E503", (*path, "flags", j), {**params, "what": "flag", "id": flag})
    council = raw.get("council")
    for j, sheet in enumerate(council.get("sheets", []) if isinstance(council, dict) else []):
        yield from _case_answers(sf, sheet, (*path, "council", "sheets", j), params)


def duplicate_product_sets(entries: list[Entry]) -> Iterator[tuple[Entry, Finding]]:
    owners: dict[tuple[str, str], str] = {}
    for entry in entries:
        sf = entry.definition
        if not isinstance(sf, m.ScoringForm):
            continue
        for i, ps in enumerate(sf.product_sets):
            key = (sf.regime, ps.code)
            if key in owners and owners[key] != sf.id:
                yield (
                    entry,
                    Finding(
                        "E218",
                        ("product_sets", i, "code"),
                        {"code": ps.code, "regime": sf.regime, "other": owners[key]},
                    ),
                )
            owners.setdefault(key, sf.id)
