"""A workflow definition compiled into one `transitions.Machine`.

One machine is built per definition version (id, version, content hash) and
shared. Dossiers are not machine models: the machine keeps one attached model;
each fire puts it in the dossier's state (`set_state`), triggers, and reads the
new state, under a lock because the model is shared. (Attaching a throw-away
model per fire cost more than the rest of the fire's Python: `add_model` binds
every trigger and `may_` method of the machine onto it.)

`transitions` resolves strings in callbacks as dotted import paths; nothing
from YAML is ever handed to it as a callback — only the callables below.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from transitions import EventData, Machine, MachineError

from engine.definitions.model import Transition, Workflow
from engine.errors import TransitionNotAllowed


class _Dossier:
    """The lightweight model attached to the machine for one fire."""

    def __init__(self) -> None:
        self.state: str = ""
        self.fired: str | None = None


def _record_fired(event: EventData) -> None:
    model = event.model
    if isinstance(model, _Dossier) and event.event is not None:
        model.fired = event.event.name


@dataclass(frozen=True)
class CompiledWorkflow:
    workflow: Workflow
    machine: Machine = field(repr=False, compare=False)
    _by_state: dict[str, tuple[Transition, ...]] = field(repr=False, compare=False)
    _model: _Dossier = field(default_factory=_Dossier, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.machine.states)

    def transitions_from(self, state: str) -> list[Transition]:
        """The transitions whose `from` includes this leaf state, in file order."""
        return list(self._by_state.get(state, ()))

    def can_fire(self, state: str, transition_id: str) -> bool:
        return any(t.id == transition_id for t in self._by_state.get(state, ()))

    def fire(self, state: str, transition_id: str) -> str:
        """The state after firing `transition_id` from `state`.

        Raises TransitionNotAllowed(reason="state") when the transition does not
        leave from this state (or either is unknown). Checks of roles, guards and
        requirements are `engine.permissions`' job, not the machine's.
        """
        if not self.can_fire(state, transition_id):
            raise TransitionNotAllowed(
                f"'{transition_id}' cannot be fired from state '{state}'",
                reason="state",
                state=state,
                transition=transition_id,
            )
        model = self._model
        with self._lock:
            self.machine.set_state(state, model)
            model.fired = None
            try:
                self.machine.events[transition_id].trigger(model)
            except MachineError as exc:
                raise TransitionNotAllowed(str(exc.value), reason="state") from exc
            fired, target = model.fired, model.state
        if fired != transition_id:  # pragma: no cover - transitions contract
            raise TransitionNotAllowed(f"'{transition_id}' did not fire", reason="state")
        return target


_CACHE: dict[tuple[str, str, str | None], CompiledWorkflow] = {}
_CACHE_LOCK = threading.Lock()


def _build(workflow: Workflow) -> CompiledWorkflow:
    leaves = [s.id for s in workflow.leaves()]
    config: list[dict[str, Any]] = [
        {"trigger": t.id, "source": list(t.sources), "dest": t.target, "before": [_record_fired]}
        for t in workflow.transitions
    ]
    machine = Machine(
        model=None,
        states=leaves,
        initial=workflow.initial,
        transitions=config,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )
    by_state: dict[str, list[Transition]] = {leaf: [] for leaf in leaves}
    for t in workflow.transitions:
        for source in t.sources:
            by_state.setdefault(source, []).append(t)
    model = _Dossier()
    machine.add_model(model, initial=workflow.initial)
    return CompiledWorkflow(
        workflow=workflow,
        machine=machine,
        _by_state={state: tuple(ts) for state, ts in by_state.items()},
        _model=model,
    )


def compile_workflow(workflow: Workflow) -> CompiledWorkflow:
    """The compiled machine for this definition version, built once and cached."""
    key = (workflow.id, workflow.version, workflow.source.sha256 if workflow.source else None)
    compiled = _CACHE.get(key)
    if compiled is None or not _same(compiled.workflow, workflow):
        with _CACHE_LOCK:
            compiled = _CACHE.get(key)
            if compiled is None or not _same(compiled.workflow, workflow):
                compiled = _CACHE[key] = _build(workflow)
    return compiled


def _same(cached: Workflow, workflow: Workflow) -> bool:
    # Definitions loaded from files are identified by their content hash; ones
    # built in memory (tests, previews) have no hash and are compared by value.
    return cached is workflow or workflow.source is not None or cached == workflow


def clear_cache() -> None:
    """Forget compiled machines (tests; definition reloads keep the cache valid by hash)."""
    with _CACHE_LOCK:
        _CACHE.clear()
