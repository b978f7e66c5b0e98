"""Drive a dossier to a chosen state through the public service API, reading only the definitions.

Used by `ocopflow demo` and by the lifecycle tests. At each step it picks the
transition that brings the dossier closest to the target, finds an actor in
the pool who may fire it, and satisfies what the refusal names: it fills the
form (`form:<id>`), attaches the document (`evidence:<type>`), has an
assessor save its sheet (`sheet:<role>`), or has the council sitting in the
dossier's state score (`scores`). Guards it cannot satisfy make it try the next
transition. Nothing here names an OCOP state, role or form.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from engine import scoring
from engine.definitions.councils import sittings
from engine.definitions.model import Field, Form, ScoringForm, Transition, Workflow
from engine.errors import OcopflowError
from engine.permissions import Actor, in_scope, local_roles, roles_of
from engine.service import Service
from engine.service.snapshots import DossierSnapshot

MAX_STEPS = 60
PDF = b"%PDF-1.4\n% ocopflow demo document\n"


class ScenarioError(Exception):
    """The target cannot be reached with this pool of actors and these definitions."""


def _distances(workflow: Workflow, target: str) -> dict[str, int]:
    """Fewest transitions from each state to `target` (reverse BFS)."""
    incoming: dict[str, list[str]] = {}
    for t in workflow.transitions:
        for s in t.sources:
            incoming.setdefault(t.target, []).append(s)
    dist = {target: 0}
    queue = deque([target])
    while queue:
        state = queue.popleft()
        for source in incoming.get(state, []):
            if source not in dist:
                dist[source] = dist[state] + 1
                queue.append(source)
    return dist


def answers_for_stars(
    form: ScoringForm, stars: int | None, *, excluded: bool = False
) -> tuple[dict[str, str], set[str]]:
    """A sheet that scores `stars` (None: the highest), or one ticking a rejection box.

    Start from the best answer everywhere, then lower criteria one at a time to the
    lowest answer that still meets their floors for `stars`, until the total falls
    into that star band.
    """
    flags = {form.rejection[0].id} if excluded and form.rejection else set()
    ordered = {
        c.id: sorted((o for o in c.options if not o.knockout), key=lambda o: o.points)
        for c in form.criteria()
    }
    answers = {cid: opts[-1].id for cid, opts in ordered.items() if opts}
    band = next((b for b in form.stars if b.stars == stars), None)
    if stars is None or band is None:
        return answers, flags

    def total() -> float:
        return scoring.score_sheet(form, scoring.Sheet(answers=answers)).total

    for cid, opts in ordered.items():
        if band.below is None or total() < band.below:
            break
        floor_points = max((o.points for o in opts if o.floor is not None and o.floor <= stars), default=None)
        for option in opts:
            if floor_points is not None and option.points < floor_points:
                continue
            previous = answers[cid]
            answers[cid] = option.id
            if total() < band.min:
                answers[cid] = previous
                continue
            break
    return answers, flags


class Driver:
    def __init__(
        self,
        service: Service,
        actors: Sequence[Actor],
        *,
        comment: str = "Ý kiến xử lý (demo)",
        before_fire: Callable[[], None] | None = None,
    ) -> None:
        self.service = service
        self.actors = list(actors)
        self.comment = comment
        self.before_fire = before_fire or (lambda: None)

    # --- forms and evidence -----------------------------------------------------

    def _value(self, field: Field, snap: DossierSnapshot, today: dt.date) -> Any:
        facts = {"kind": snap.kind, "product_set": snap.product_set, "product_group": snap.product_group}
        if field.type in ("choice", "multi_choice"):
            values = [o.value for o in field.options]
            match = next((v for v in values if v in facts.values()), values[0])
            return [match] if field.type == "multi_choice" else match
        if field.type == "number":
            if field.id.endswith("stars") and snap.stars:
                return snap.stars
            low = field.min if isinstance(field.min, int | float) else 0
            return int(low) if field.integer or float(low).is_integer() else low
        if field.type == "date":
            return today.isoformat()
        if field.type == "yes_no":
            return True
        if field.type == "admin_unit":
            units = self.service.definitions_for(self._viewer(snap.id), snap.id).units
            areas = units.areas_of(snap.commune_code) if units else {}
            return areas.get(field.level, snap.commune_code) if field.level else snap.commune_code
        if field.type == "evidence":
            return None
        return f"{field.label.vi} — {snap.product_name}"[: field.max_length or 200]

    def fill_form(self, dossier_id: int, form_id: str, overrides: Mapping[str, Any] | None = None) -> None:
        form = self.service.definitions_for(self._viewer(dossier_id), dossier_id).form(form_id)
        actor = self._editor(dossier_id, form)
        snap = self.service.get_dossier(actor, dossier_id)
        today = self.service.now().date()
        answers: dict[str, Any] = {}
        for field in form.fields():
            if field.type == "multi_choice" and not field.required:
                continue
            fmt = form.formats.get(field.format) if field.format else None
            value = fmt.example if fmt is not None else self._value(field, snap, today)
            if value is not None:
                answers[field.id] = value
        answers.update(overrides or {})
        for field in form.fields():
            if field.type == "evidence" and field.document:
                self.attach(dossier_id, field.document)
        problems: dict[str, Any] = {}
        for _ in range(3):  # hidden fields keep no answer; drop what the form refuses and retry
            try:
                self.service.save_form(actor, dossier_id, form_id, answers)
                return
            except OcopflowError as exc:
                problems = exc.details.get("problems") or {}
                if not problems:
                    raise
                for key in problems:
                    answers.pop(key, None)
        said = "; ".join(f"{key}: {problem}" for key, problem in problems.items())
        raise ScenarioError(f"form {form_id} could not be filled: {said}")

    def _editor(self, dossier_id: int, form: Form) -> Actor:
        for actor in self.actors:
            if not _names(actor) & set(form.editable_by):
                continue
            try:
                self.service.get_dossier(actor, dossier_id)
                return actor
            except OcopflowError:
                continue
        raise ScenarioError(f"no actor may edit {form.id} on dossier {dossier_id}")

    def attach(self, dossier_id: int, document_type: str) -> None:
        for actor in self.actors:
            try:
                self.service.attach_evidence(
                    actor, dossier_id, document_type, f"{document_type}.pdf", PDF + document_type.encode()
                )
                return
            except OcopflowError:
                continue
        raise ScenarioError(f"no actor may attach {document_type} to dossier {dossier_id}")

    # --- scoring ----------------------------------------------------------------

    def score(self, dossier_id: int, stars: int | None, *, excluded: bool = False) -> int:
        """The council sitting in the dossier's state scores it; returns how many sheets were saved."""
        viewer = self._viewer(dossier_id)
        snap = self.service.get_dossier(viewer, dossier_id)
        pinned = self.service.definitions_for(viewer, dossier_id)
        workflow, roleset, form = pinned.workflow, pinned.roleset, pinned.scoring_form
        if form is None:
            raise ScenarioError(f"no scoring form for product set {snap.product_set}")
        council = sittings(workflow, roleset, form.assessors()).get(snap.state)
        if council is None:
            return 0
        answers, flags = answers_for_stars(form, stars, excluded=excluded)
        scored = 0
        for actor in self.actors:
            if local_roles(actor.roles, roleset) & set(council.roles):
                try:
                    self.service.save_score_sheet(actor, dossier_id, answers, flags, final=True)
                    scored += 1
                except OcopflowError:
                    continue
        return scored

    def assess(self, dossier_id: int, role: str, stars: int | None, *, excluded: bool = False) -> bool:
        """An actor holding `role` saves a final sheet of the criteria the scoring form gives it.

        Its answers are those of the council's sheet for `stars`, so the result is unchanged.
        """
        form = self.service.definitions_for(self._viewer(dossier_id), dossier_id).scoring_form
        if form is None:
            raise ScenarioError(f"dossier {dossier_id} has no scoring form")
        answers, _ = answers_for_stars(form, stars, excluded=excluded)
        mine = {c.id: answers[c.id] for c in form.assessed_by(role) if c.id in answers}
        for actor in self.actors:
            if role not in _names(actor):
                continue
            try:
                self.service.save_score_sheet(actor, dossier_id, mine, final=True)
                return True
            except OcopflowError:
                continue
        return False

    def _viewer(self, dossier_id: int) -> Actor:
        for actor in self.actors:
            try:
                self.service.get_dossier(actor, dossier_id)
                return actor
            except OcopflowError:
                continue
        raise ScenarioError(f"nobody in the pool sees dossier {dossier_id}")

    # --- walking ----------------------------------------------------------------

    def walk(
        self, dossier_id: int, targets: Sequence[str], *, stars: int | None = 4, excluded: bool = False
    ) -> DossierSnapshot:
        """Reach each target state in turn; returns the last snapshot."""
        snap = self.service.get_dossier(self._viewer(dossier_id), dossier_id)
        for target in targets:
            snap = self._reach(snap, target, stars, excluded)
        return snap

    def _reach(
        self, snap: DossierSnapshot, target: str, stars: int | None, excluded: bool
    ) -> DossierSnapshot:
        workflow = self.service.registry.workflow(None, snap.definition_hash)
        dist = _distances(workflow, target)
        visited = {snap.state}
        for _ in range(MAX_STEPS):
            if snap.state == target:
                return snap
            options = [
                t
                for t in workflow.transitions
                if snap.state in t.sources
                and t.target in dist
                and (t.target not in visited or t.target == target)
            ]
            options.sort(key=lambda t: dist[t.target])
            reasons: list[str] = []
            for transition in options:
                fired = self._try(snap, transition, stars, excluded, reasons)
                if fired is not None:
                    snap = fired
                    visited.add(snap.state)
                    break
            else:
                raise ScenarioError(
                    f"dossier {snap.id}: cannot go from '{snap.state}' to '{target}': {reasons}"
                )
        raise ScenarioError(f"dossier {snap.id}: '{target}' not reached in {MAX_STEPS} steps")

    def _candidates(self, snap: DossierSnapshot, transition: Transition) -> list[Actor]:
        pinned = self.service.definitions_for(self._viewer(snap.id), snap.id)
        roleset = pinned.roleset
        from engine.permissions import DossierFacts

        facts = DossierFacts(
            str(snap.id), snap.state, snap.province_code, snap.commune_code, snap.producer_org,
            areas_by_level=pinned.units.areas_of(snap.commune_code) if pinned.units else {},
        )  # fmt: skip
        return [
            a
            for a in self.actors
            if any(r.id in transition.roles and in_scope(a, r, facts) for r in roles_of(a, roleset))
        ]

    def _try(
        self,
        snap: DossierSnapshot,
        transition: Transition,
        stars: int | None,
        excluded: bool,
        reasons: list[str],
    ) -> DossierSnapshot | None:
        scored = False
        assessed: set[str] = set()
        for actor in self._candidates(snap, transition):
            for _ in range(12):
                action = next(
                    (a for a in self.service.available_actions(actor, snap.id) if a.id == transition.id), None
                )
                if action is None:
                    return None
                if action.allowed:
                    self.before_fire()
                    comment = None if transition.comment == "none" else self.comment
                    return self.service.fire(actor, snap.id, transition.id, comment=comment)
                reason = action.reason or ""
                if reason.startswith("form:"):
                    self.fill_form(snap.id, reason.removeprefix("form:"))
                elif reason.startswith("evidence:"):
                    self.attach(snap.id, reason.removeprefix("evidence:"))
                elif reason.startswith("sheet:") and reason not in assessed:
                    assessed.add(reason)
                    if not self.assess(snap.id, reason.removeprefix("sheet:"), stars, excluded=excluded):
                        reasons.append(f"{transition.id}: nobody in the pool may {reason}")
                        break
                elif reason == "scores" and not scored:
                    scored = True
                    if not self.score(snap.id, stars, excluded=excluded):
                        reasons.append(f"{transition.id}: nobody in the pool may score")
                        break
                else:
                    reasons.append(f"{transition.id}/{actor.id}: {reason}")
                    break
        return None


def _names(actor: Actor) -> set[str]:
    """The role ids the actor's grants name, whatever their roles file: the demo driver only picks
    whom to try; the service decides each act against the dossier's own roles file."""
    return {grant.rpartition(":")[2] for grant in actor.roles}
