"""Timers for dossiers that were already waiting when their definition gained them.

A timer is armed by the fire that enters its state. A dossier that sat in the state before the
definition declared the timer (an installation upgrading, or a migration to a version with
timers) was never armed: `reconcile` arms what its current states declare and no row holds,
counted from the moment the dossier entered each state (so an old wait is due at once), and
cancels rows the definition no longer has. Idempotent: a second run finds every timer armed.
Run by `apply_migration` for each migrated dossier and by `ocopflow timers backfill` (one
audited `timers_backfill` event per dossier it changed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.definitions.model import Workflow
from engine.service.timers import active_states, due_at
from engine.storage.repository import Repository, Row

if TYPE_CHECKING:
    from engine.service import Service

LIVE = ("pending", "paused", "parked")


def entered_at(events: list[tuple[Any, Any]], workflow: Workflow, state_id: str) -> dt.datetime | None:
    """When the dossier last came into `state_id` (a leaf, or any leaf of a composite) from outside."""
    state = workflow.states.get(state_id)
    inside = {state_id} | _leaves(workflow, state_id) if state is not None else {state_id}
    last: dt.datetime | None = None
    for event, _payload in events:
        if event.to_state in inside and event.from_state not in inside:
            # stored naive UTC, written ISO 8601 on the event; the timers table holds naive datetimes
            last = dt.datetime.fromisoformat(str(event.at).replace("Z", "+00:00")).replace(tzinfo=None)
    return last


def _leaves(workflow: Workflow, state_id: str) -> set[str]:
    kids = workflow.states[state_id].children
    return {state_id} if not kids else {leaf for kid in kids for leaf in _leaves(workflow, kid)}


def reconcile(repo: Repository, workflow: Workflow, dossier: Row, now: dt.datetime,
              log: list[dict[str, Any]]) -> int:  # fmt: skip
    """Arm the missing timers of the dossier's current states, cancel those its definition lost;
    returns how many rows changed (noted in `log`)."""
    if workflow.is_terminal(dossier["state"]):
        return 0
    events = repo.dossier_events(dossier["id"])
    rows = repo.dossier_timers(dossier["id"])
    active = active_states(workflow, dossier["state"])
    declared = {(sid, t.id) for sid in active for t in workflow.states[sid].timers}
    changed = 0
    stale = {r["state"] for r in rows if r["status"] in LIVE and (r["state"], r["timer"]) not in declared}
    if stale:
        for row in repo.cancel_timers(dossier["id"], stale, now):
            log.append({"effect": "cancel_timer", "timer": row["timer"], "state": row["state"]})
            changed += 1
        rows = repo.dossier_timers(dossier["id"])
    leaf = workflow.states[dossier["state"]]
    for sid in active:
        entered = entered_at(events, workflow, sid) or now
        for timer in workflow.states[sid].timers:
            if any(r["state"] == sid and r["timer"] == timer.id and r["created_at"] >= entered for r in rows):
                continue  # armed when the dossier came in (or since): nothing to do
            when = due_at(repo, workflow, dossier, timer, entered)
            if when is None:
                continue  # its date is not known yet (no certificate): the fire that sets it arms none either
            timer_id = repo.arm_timer(dossier_id=dossier["id"], state=sid, timer=timer.id, phase="due",
                                      due_at=when, created_at=now)  # fmt: skip
            entry: dict[str, Any] = {
                "effect": "arm_timer",
                "timer": timer.id,
                "state": sid,
                "due_at": when.isoformat(),
            }
            if leaf.pauses_clocks and sid != leaf.id and timer.after is not None:
                # waiting in a paused state: armed paused since the dossier came into it
                repo.set_timer(
                    timer_id, status="paused", paused_at=entered_at(events, workflow, leaf.id) or now
                )
                entry["paused"] = True
            log.append(entry)
            changed += 1
    return changed


@dataclass
class BackfillReport:
    dossiers: int = 0  # looked at
    changed: int = 0  # dossiers whose timers changed
    armed: int = 0
    cancelled: int = 0
    changes: list[tuple[int, list[dict[str, Any]]]] = field(default_factory=list)


def backfill(service: Service, actor_id: str, now: dt.datetime | None = None) -> BackfillReport:
    """Every open dossier, one transaction each: its timers reconciled with its pinned workflow."""
    now = now or service.now()
    report = BackfillReport()
    with service._tx(write=False) as repo:
        ids = repo.open_dossier_ids()
    for dossier_id in ids:
        with service._tx() as repo:
            dossier = repo.dossier(dossier_id)
            if dossier is None:
                continue
            report.dossiers += 1
            workflow = service.registry.workflow(repo, dossier["definition_hash"])
            log: list[dict[str, Any]] = []
            if not reconcile(repo, workflow, dossier, now, log):
                continue
            # the compare-and-set serialises this with a fire on the same dossier
            repo.update_dossier(dossier_id, dossier["version"], updated_at=dossier["updated_at"])
            repo.append_event(at=now, actor=actor_id, action="timers_backfill", dossier_id=dossier_id,
                              definition_hash=dossier["definition_hash"], payload={"effects": log})  # fmt: skip
            report.changed += 1
            report.armed += sum(1 for x in log if x["effect"] == "arm_timer")
            report.cancelled += sum(1 for x in log if x["effect"] == "cancel_timer")
            report.changes.append((dossier_id, log))
    return report
