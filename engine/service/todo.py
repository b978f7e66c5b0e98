"""What a reader has to do now on a dossier: the checklist a page puts first.

Everything comes from the decisions the engine already makes: the reader's own
actions (`_actions`, the same `may_fire` the fire uses) with what each lacks, the
forms the reader may edit now (`may_edit_form`) with their empty or wrong fields,
the running deadline, and — when the dossier came back through a `kind: return`
transition — who returned it, when, and the reason they wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.definitions.model import Text
from engine.permissions import Actor, may_edit_form
from engine.service.scores import ScoringUseCases
from engine.service.snapshots import Action, ClockSnapshot, Missing

# Refusals about who the reader is: those actions are someone else's work.
_NOT_THE_READERS = ("role", "scope", "permission", "state")


@dataclass(frozen=True)
class Returned:
    """The return that brought the dossier to its current state."""

    action: Text
    actor: str
    at: dt.datetime
    comment: str | None


@dataclass(frozen=True)
class Todo:
    """`items`: what the reader must still supply, by name, in the order of the forms; `actions`:
    the reader's own actions, forward ones first (`primary` is the one that moves the dossier on);
    `deadline`: the running clock due first; `returned`: why the dossier came back, if it did."""

    items: tuple[Missing, ...]
    actions: tuple[Action, ...]
    deadline: ClockSnapshot | None
    returned: Returned | None
    others: tuple[Action, ...] = ()  # the steps of other people from this state

    @property
    def primary(self) -> Action | None:
        forward = [a for a in self.actions if a.kind == "forward"]
        return next((a for a in forward if a.allowed), forward[0] if forward else None)


@dataclass(frozen=True)
class FormPreview:
    visible: dict[str, bool]  # field id -> shown on these answers
    missing: tuple[Missing, ...]


class TodoUseCases(ScoringUseCases):
    def todo(self, actor: Actor, dossier_id: int) -> Todo:
        """The reader's checklist for the dossier (see the module's docstring)."""
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            snapshot = self._snapshots(repo, [loaded.row])[0]
            listed = self._actions(repo, actor, loaded)
            actions = [a for a in listed if a.allowed or (a.reason or "") not in _NOT_THE_READERS]
            others = tuple(a for a in listed if a not in actions)
            order = {"forward": 0, "return": 1, "destructive": 2}
            actions.sort(key=lambda a: order.get(a.kind, 0))
            items: dict[tuple[str, str | None, str | None], Missing] = {}
            cache: dict[str, Any] = {}
            for form_id in loaded.pinned.forms:
                form = loaded.pinned.forms[form_id]
                if may_edit_form(actor, loaded.workflow, loaded.roleset, loaded.facts, form):
                    for gap in self.form_gaps(repo, loaded, form_id, cache):
                        items.setdefault((gap.reason, gap.form, gap.field), gap)
            # What a forward step lacks, unless another forward step is open already; a guard's
            # condition only when the reader can do nothing else (alternatives exclude each other).
            forward = [a for a in actions if a.kind == "forward"]
            if not any(a.allowed for a in forward):
                for action in forward:
                    for gap in action.missing:
                        items.setdefault((gap.reason, gap.form, gap.field), gap)
            if not any(a.allowed for a in actions):
                for action in forward:
                    if action.reason == "guard" and action.message is not None:
                        items.setdefault(("guard", action.id, None), Missing("guard", action.message))
            running = [c for c in snapshot.clocks if c.stopped_on is None and c.days_left is not None]
            deadline = min(running, key=lambda c: c.days_left or 0) if running else None
            returned = self._returned(repo, loaded)
            return Todo(tuple(items.values()), tuple(actions), deadline, returned, others)

    def preview_form(
        self, actor: Actor, dossier_id: int, form_id: str, answers: Mapping[str, Any]
    ) -> FormPreview:
        """What the form would be with these answers, saving nothing: which fields show and which
        required ones (documents to upload among them) are still empty or wrong."""
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            form = loaded.pinned.form(form_id)
            check = self.check_form(repo, loaded, form, answers)
            gaps = tuple(
                Missing(f"form:{form_id}", f.label, form_id, f.id, check.problems.get(f.id))
                for f in form.fields()
                if f.id in check.missing or f.id in check.problems
            )
            return FormPreview({f.id: f.id not in check.hidden for f in form.fields()}, gaps)

    @staticmethod
    def _returned(repo: Any, loaded: Any) -> Returned | None:
        state = loaded.row["state"]
        for event, payload in reversed(repo.dossier_events(loaded.row["id"])):
            if event.action != "fire":
                continue
            transition = loaded.workflow.transition(str((payload or {}).get("transition")))
            if event.to_state != state or transition is None or transition.kind != "return":
                return None
            return Returned(transition.label, event.actor, event.at, event.comment)
        return None
