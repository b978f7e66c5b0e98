"""Fire a transition: permission, guard and requirements, the move, its effects and the audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from engine import context as names
from engine.definitions.model import Text, Transition, Workflow
from engine.errors import NotFound, PermissionDenied, TransitionNotAllowed
from engine.machine import compile_workflow
from engine.messages import Localized, Message, say
from engine.permissions import Actor, Decision, DossierFacts, FireContext, may_fire, unmet_requirements
from engine.service import effects, rounds, timers
from engine.service.base import Loaded
from engine.service.dossiers import DossierUseCases
from engine.service.forms import check_answers, dossier_facts, prefilled
from engine.service.snapshots import Action, DossierSnapshot, Missing
from engine.storage.repository import Repository, Row

# Refusals that are about who you are; the rest are about the dossier's state.
_PERMISSION_REASONS = ("role", "scope", "permission")


def _error(decision: Decision, transition: Transition, missing: tuple[Missing, ...] = ()) -> Exception:
    message: Localized | str = decision.message or decision.reason
    form_id = decision.reason.partition(":")[2] if decision.reason.startswith("form:") else None
    fields = [m.label for m in missing if m.reason == decision.reason and m.field]
    if form_id and fields and isinstance(decision.message, Message):
        message = say("refusal.form_items", form=decision.message.params["form"], items=fields)
    details: dict[str, Any] = {"transition": transition.id}
    if missing:
        details["missing"] = list(missing)
    if decision.reason in _PERMISSION_REASONS or decision.reason.startswith("duty:"):
        return PermissionDenied(message, reason=decision.reason, **details)
    return TransitionNotAllowed(message, reason=decision.reason, **details)


# Refusals about what the dossier lacks: a checklist can name each item.
_REQUIREMENT_KINDS = ("form", "evidence", "sheet", "scores")


class FiringUseCases(DossierUseCases):
    council_for: Callable[[Repository, Loaded], Any]  # provided by the scoring use cases
    final_sheets: Callable[..., frozenset[str]]  # provided by the scoring use cases

    def _fire_context(
        self,
        repo: Repository,
        loaded: Loaded,
        transition: Transition,
        comment: str | None,
        check_comment: bool,
    ) -> tuple[DossierFacts, FireContext, Callable[[], Any]]:
        row = loaded.row
        dossier_id = row["id"]
        duty_transitions = {
            other
            for d in loaded.workflow.duties
            if d.rule == "different_actor" and transition.id in d.transitions
            for other in d.transitions
        }
        targets = {t.target for t in loaded.workflow.transitions if t.id in duty_transitions}
        facts = DossierFacts(
            str(dossier_id),
            row["state"],
            row["province_code"],
            row["commune_code"],
            row["producer_org"],
            repo.fired_by(dossier_id, targets) if targets else {},
            _scorers(repo, dossier_id) if _sheet_duty(loaded.workflow, transition.id) else frozenset(),
            loaded.facts.areas_by_level,
        )
        # Read forms and evidence only when this transition looks at them, and the answers
        # (JSON to parse) only when its guard does: firing is the hot path.
        guard = transition.guard or ""
        saved: dict[str, Row] = {}
        complete: frozenset[str] = frozenset()
        if "forms" in guard:
            saved = repo.form_answers(dossier_id)
            complete = frozenset(fid for fid, r in saved.items() if r["complete"])
        elif transition.requires.forms:
            complete = repo.complete_forms(dossier_id)
        needs_evidence = bool(transition.requires.evidence) or "evidence" in guard
        evidence = repo.evidence_types(dossier_id) if needs_evidence else frozenset()
        cache: dict[str, Any] = {}

        def council() -> Any:
            if "result" not in cache:
                cache["result"] = self.council_for(repo, loaded)
            return cache["result"]

        uses_score = transition.requires.scores or "score" in (transition.guard or "")
        result = council() if uses_score else None
        guard_context = names.guard_context(
            dossier=names.dossier_names(row),
            forms={fid: r["answers"] for fid, r in saved.items()},
            evidence=evidence,
            score=names.score_names(result),
            today=self.now().date(),
        )
        labels: dict[str, Text] = {}
        for fid in transition.requires.forms:
            form = loaded.pinned.forms.get(fid)
            if form is not None:
                labels[fid] = form.title
        needs_sheets = transition.requires.sheets
        for role in needs_sheets:
            if role in loaded.roleset.roles:
                labels[f"sheet:{role}"] = loaded.roleset.roles[role].label
        context = FireContext(
            complete_forms=complete,
            evidence=evidence,
            scores_final=bool(result is not None and getattr(result, "final", False)),
            final_sheets=self.final_sheets(repo, loaded, needs_sheets) if needs_sheets else frozenset(),
            guard_context=guard_context,
            comment=comment,
            check_comment=check_comment,
            labels=labels,
        )
        return facts, context, council

    def fire(
        self,
        actor: Actor,
        dossier_id: int,
        transition_id: str,
        *,
        comment: str | None = None,
        expected_version: int | None = None,
    ) -> DossierSnapshot:
        """Move the dossier along `transition_id`; one transaction, one audit event."""
        return self._fire(actor, dossier_id, transition_id, comment, expected_version, False)[0]

    def fire_and_actions(
        self,
        actor: Actor,
        dossier_id: int,
        transition_id: str,
        *,
        comment: str | None = None,
        expected_version: int | None = None,
    ) -> tuple[DossierSnapshot, list[Action]]:
        """`fire`, and the actor's `available_actions` in the new state, read in the same transaction.

        For callers that show the actions next (the API answers with them): one transaction
        and one dossier load less, and the list cannot come from a state someone else moved on.
        """
        snapshot, actions = self._fire(actor, dossier_id, transition_id, comment, expected_version, True)
        return snapshot, actions or []

    def _fire(
        self,
        actor: Actor,
        dossier_id: int,
        transition_id: str,
        comment: str | None,
        expected_version: int | None,
        list_actions: bool,
    ) -> tuple[DossierSnapshot, list[Action] | None]:
        now = self.now()
        with self._tx() as repo:
            loaded = self._load(repo, actor, dossier_id)
            row, workflow = loaded.row, loaded.workflow
            self._check_version(row, expected_version)
            transition = workflow.transition(transition_id)
            if transition is None:
                raise NotFound(say("transition.unknown", workflow=workflow.id, transition=transition_id))
            facts, context, council = self._fire_context(repo, loaded, transition, comment, True)
            decision = may_fire(actor, workflow, loaded.roleset, facts, transition, context=context)
            if not decision:
                missing = self._missing(repo, loaded, transition, context, decision, {})
                raise _error(decision, transition, missing)
            fresh, ctx = self._move(repo, loaded, transition, actor.id, comment, now, council)
            held = None if ctx.clock_rows is None else {row["id"]: list(ctx.clock_rows.values())}
            snapshot = self._snapshots(repo, [fresh], held)[0]
            actions = self._actions(repo, actor, Loaded(fresh, loaded.pinned)) if list_actions else None
            return snapshot, actions

    def _move(
        self,
        repo: Repository,
        loaded: Loaded,
        transition: Transition,
        actor_id: str,
        comment: str | None,
        now: dt.datetime,
        council: Callable[[], Any],
        cause: dict[str, Any] | None = None,
    ) -> tuple[Row, effects.EffectContext]:
        """The move itself, once permitted: new state, effects, timers, the audit event.
        `cause`: what fired it when nobody did (a timer), named in the event's payload."""
        row, workflow = loaded.row, loaded.workflow
        target = compile_workflow(workflow).fire(row["state"], transition.id)
        version = repo.update_dossier(row["id"], row["version"], state=target, updated_at=now)
        ctx = effects.EffectContext(
            repo, workflow, row, {}, actor_id, now.date(), now, council, roleset=loaded.roleset,
            transition=transition, target=target, comment=comment or None,
            base_url=getattr(self, "public_base_url", ""),
        )  # fmt: skip
        self._clock_pauses(ctx, row["state"], target)
        effects.run(ctx, transition.effects)
        if ctx.changes:
            repo.set_dossier_fields(row["id"], **ctx.changes)
        timers.on_move(repo, workflow, {**row, **ctx.changes}, row["state"], target, now, ctx.log)
        rounds.on_move(repo, workflow, row, target, now, ctx.log)
        repo.append_event(
            at=now,
            actor=actor_id,
            action="fire",
            dossier_id=row["id"],
            from_state=row["state"],
            to_state=target,
            definition_hash=row["definition_hash"],
            payload={
                "transition": transition.id,
                "version": version,
                "effects": ctx.log,
                **({"cause": cause} if cause else {}),
            },
            comment=comment or None,
        )
        return {**row, **ctx.changes, "state": target, "version": version, "updated_at": now}, ctx

    def _clock_pauses(self, ctx: effects.EffectContext, source: str, target: str) -> None:
        """States marked `clock: paused` stop every running clock; leaving them starts them again."""
        states = ctx.workflow.states
        was_paused = source in states and states[source].pauses_clocks
        is_paused = target in states and states[target].pauses_clocks
        if is_paused and not was_paused:
            effects.pause_all(ctx)
        elif was_paused and not is_paused:
            effects.resume_all(ctx)

    def available_actions(self, actor: Actor, dossier_id: int) -> list[Action]:
        """Every transition leaving the current state, with whether this actor may fire it now and why not."""
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            return self._actions(repo, actor, loaded)

    def _actions(self, repo: Repository, actor: Actor, loaded: Loaded) -> list[Action]:
        out = []
        compiled = compile_workflow(loaded.workflow)
        cache: dict[str, Any] = {}
        for transition in compiled.transitions_from(loaded.row["state"]):
            facts, context, _ = self._fire_context(repo, loaded, transition, None, False)
            decision = may_fire(actor, loaded.workflow, loaded.roleset, facts, transition, context=context)
            out.append(
                Action(
                    id=transition.id,
                    label=transition.label,
                    allowed=decision.allowed,
                    reason=None if decision.allowed else decision.reason,
                    message=None if decision.allowed else decision.message,
                    target=transition.target,
                    comment=transition.comment,
                    kind=transition.kind,
                    missing=self._missing(repo, loaded, transition, context, decision, cache),
                )
            )
        return out

    def _missing(
        self,
        repo: Repository,
        loaded: Loaded,
        transition: Transition,
        context: FireContext,
        decision: Decision,
        cache: dict[str, Any],
    ) -> tuple[Missing, ...]:
        """By name, everything the dossier lacks for `transition` when that is why it is refused."""
        if decision.allowed or decision.reason.partition(":")[0] not in _REQUIREMENT_KINDS:
            return ()
        out: list[Missing] = []
        for unmet in unmet_requirements(transition, context):
            kind, _sep, ref = unmet.reason.partition(":")
            gaps = self.form_gaps(repo, loaded, ref, cache) if kind == "form" else []
            out.extend(gaps or [Missing(unmet.reason, unmet.message or Text(unmet.reason))])
        return tuple(out)

    def form_gaps(
        self, repo: Repository, loaded: Loaded, form_id: str, cache: dict[str, Any]
    ) -> list[Missing]:
        """The fields of a form that keep it incomplete: required and empty, or answered wrongly."""
        form = loaded.pinned.forms.get(form_id)
        if form is None:
            return []
        if "answers" not in cache:
            cache["answers"] = repo.form_answers(loaded.row["id"])
            cache["evidence"] = repo.evidence_types(loaded.row["id"])
        saved = cache["answers"].get(form_id)
        # never saved: the fields it shows prefilled (`prefill`) are not asked again, saving is
        shown = prefilled(form, dossier_facts(loaded.row)) if saved is None else {}
        check = check_answers(
            form,
            dict(saved["answers"]) if saved else shown,
            dossier=names.dossier_names(loaded.row),
            today=self.now().date(),
            units=loaded.pinned.units,
            evidence=cache["evidence"],
        )
        reason = f"form:{form_id}"
        gaps = [
            Missing(reason, f.label, form_id, f.id, check.problems.get(f.id))
            for f in form.fields()
            if f.id in check.missing or f.id in check.problems
        ]
        if shown:
            gaps.insert(0, Missing(reason, say("form.prefilled_not_saved", count=len(shown)), form_id))
        return gaps


def _sheet_duty(workflow: Workflow, transition_id: str) -> bool:
    """A different_actor duty with `actions: [score]` names this transition: its sheets matter."""
    return any(
        d.rule == "different_actor" and "score" in d.actions and transition_id in d.transitions
        for d in workflow.duties
    )


def _scorers(repo: Repository, dossier_id: int) -> frozenset[str]:
    return frozenset(str(r["member"]) for r in repo.score_sheets(dossier_id))
