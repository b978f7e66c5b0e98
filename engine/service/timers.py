"""A state's timers (docs/definitions.md, "Timers"): armed as rows when a dossier enters the state,
cancelled when it leaves, in the same transaction as the move; run by `ocopflow worker`.

`on_open`/`on_move` are called by the opening and firing use cases. `TimerUseCases.run_due`
claims the due rows (a lease, so a killed worker's claim expires), and settles each in its own
transaction: the system fires the timer's transition (an audited fire whose payload names the
timer as its cause) and/or writes the notification, arms the escalation, marks the row done.
A failing job is retried with backoff and parked with its error after MAX_ATTEMPTS.
"""

from __future__ import annotations

import datetime as dt
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.definitions.model import Delay, Effect, Text, Timer, Workflow
from engine.service import effects
from engine.service.base import Loaded
from engine.storage.repository import Repository, Row
from engine.workdays import add_working_days, working_days_between

if TYPE_CHECKING:
    from engine.service import Service

SYSTEM_ACTOR = "system"
LEASE = dt.timedelta(minutes=5)  # a claim not settled by then is a dead worker's: claimed again
MAX_ATTEMPTS = 5
BACKOFF = dt.timedelta(minutes=1)  # doubled on each failure: 1, 2, 4, 8 minutes


def active_states(workflow: Workflow, leaf: str) -> list[str]:
    """The state a dossier is in and every composite state around it, innermost first."""
    out: list[str] = []
    state = workflow.states.get(leaf)
    while state is not None:
        out.append(state.id)
        state = workflow.states.get(state.parent) if state.parent else None
    return out


def _add(start: dt.datetime, delay: Delay, workflow: Workflow) -> dt.datetime:
    if delay.working:
        day = add_working_days(start.date(), delay.amount, workflow.calendar)
        return dt.datetime.combine(day, start.time())
    return start + dt.timedelta(days=delay.amount)


def _date_of(repo: Repository, dossier: Row, name: str) -> dt.date | None:
    owner, _sep, column = name.partition(".")
    if owner == "dossier":
        value = dossier.get(column)
    else:  # certificate.<column>: the dossier's current certificate
        valid = [c for c in repo.certificates_for_dossiers([dossier["id"]]) if c["status"] == "valid"]
        value = valid[-1].get(column) if valid else None
    return value if isinstance(value, dt.date) else None


def due_at(
    repo: Repository, workflow: Workflow, dossier: Row, timer: Timer, now: dt.datetime
) -> dt.datetime | None:
    """When `timer` falls due for a dossier entering its state `now`; None: its date is unknown."""
    if timer.after is not None:
        return _add(now, timer.after, workflow)
    day = _date_of(repo, dossier, timer.at_field or "")
    if day is None:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=timer.at_offset_days), dt.time(0, 0))


def on_move(repo: Repository, workflow: Workflow, dossier: Row, source: str | None, target: str,
            now: dt.datetime, log: list[dict[str, Any]]) -> None:  # fmt: skip
    """Cancel the timers of the states left and arm those of the states entered, noted in `log`."""
    before = set(active_states(workflow, source)) if source else set()
    after = active_states(workflow, target)
    left = before - set(after)
    if left:
        for row in repo.cancel_timers(dossier["id"], left, now):
            log.append({"effect": "cancel_timer", "timer": row["timer"], "state": row["state"]})
    for sid in after:
        if sid in before:
            continue
        for timer in workflow.states[sid].timers:
            when = due_at(repo, workflow, dossier, timer, now)
            if when is None:
                log.append(
                    {"effect": "timer_not_armed", "timer": timer.id, "state": sid, "date": timer.at_field}
                )
                continue
            repo.arm_timer(dossier_id=dossier["id"], state=sid, timer=timer.id, phase="due", due_at=when,
                           created_at=now)  # fmt: skip
            log.append({"effect": "arm_timer", "timer": timer.id, "state": sid, "due_at": when.isoformat()})
    states = workflow.states
    if any(sid in states and states[sid].pauses_clocks for sid in (source, target) if sid):
        hold_or_release(repo, workflow, dossier["id"], target, now, log)


def _delay_of(workflow: Workflow, row: Row) -> Delay | None:
    """The delay an armed row counts (None: an `at` date, which a pause does not move)."""
    state = workflow.states.get(row["state"])
    timer = next((x for x in state.timers if x.id == row["timer"]), None) if state else None
    if timer is None:
        return None
    if row["phase"] == "escalate":
        return timer.escalate.after if timer.escalate is not None else None
    return timer.after


def resumed_due(row: Row, delay: Delay, workflow: Workflow, now: dt.datetime) -> dt.datetime:
    """Where a paused row's due moment moves when the pause ends `now`: pushed back by the days
    paused, counted as the dossier's clocks count them (engine/workdays.py ClockState.resume), so
    what was left at the pause is left again."""
    paused: dt.date = row["paused_at"].date()
    due: dt.datetime = row["due_at"]
    if delay.working:
        gap = working_days_between(paused, max(now.date(), paused), workflow.calendar)
        return dt.datetime.combine(add_working_days(due.date(), gap, workflow.calendar), due.time())
    return due + dt.timedelta(days=(max(now.date(), paused) - paused).days)


def hold_or_release(repo: Repository, workflow: Workflow, dossier_id: int, target: str, now: dt.datetime,
                    log: list[dict[str, Any]]) -> None:  # fmt: skip
    """In a `clock: paused` state the delays of the states around it stop running (the state's own
    timers run); leaving it, they run again with what was left. Only after-delays pause."""
    state = workflow.states.get(target)
    holding = bool(state and state.pauses_clocks)
    for row in repo.dossier_timers(dossier_id):
        if row["status"] not in ("pending", "paused"):
            continue
        delay = _delay_of(workflow, row)
        hold = holding and row["state"] != target and delay is not None
        if hold and row["status"] == "pending":
            repo.set_timer(row["id"], status="paused", paused_at=now)
            log.append({"effect": "pause_timer", "timer": row["timer"], "state": row["state"]})
        elif not hold and row["status"] == "paused" and delay is not None:
            when = resumed_due(row, delay, workflow, now)
            repo.set_timer(row["id"], status="pending", paused_at=None, due_at=when)
            log.append({"effect": "resume_timer", "timer": row["timer"], "state": row["state"],
                        "due_at": when.isoformat()})  # fmt: skip


def on_open(repo: Repository, workflow: Workflow, dossier: Row, now: dt.datetime) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = []
    on_move(repo, workflow, dossier, None, dossier["state"], now, log)
    return log


@dataclass
class RunReport:
    fired: int = 0
    notified: int = 0
    escalated: int = 0
    skipped: int = 0  # settled by another worker meanwhile, or its state was left
    failed: int = 0
    parked: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.fired + self.notified + self.escalated


class TimerUseCases:
    """`service.timers`: run the due timers; list the parked ones."""

    def __init__(self, base: Service) -> None:
        self.base = base

    def run_due(self, now: dt.datetime | None = None, limit: int = 100) -> RunReport:
        now = now or self.base.now()
        report = RunReport()
        with self.base._tx() as repo:
            claimed = repo.claim_due_timers(now, limit, now + LEASE)
        for row in claimed:
            try:
                outcome = self._settle(row["id"], now)
            except Exception as exc:
                parked = self._failed(row["id"], now, exc)
                report.failed += 1
                report.parked += parked
                report.errors.append(f"timer {row['id']} ({row['timer']}): {exc}")
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    def backfill(self, actor_id: str = SYSTEM_ACTOR, now: dt.datetime | None = None) -> Any:
        """Arm the timers open dossiers lack (engine/service/timer_backfill.py); -> BackfillReport."""
        from engine.service.timer_backfill import backfill

        return backfill(self.base, actor_id, now)

    def parked(self) -> list[Row]:
        with self.base._tx(write=False) as repo:
            return repo.parked_timers()

    def of_dossier(self, dossier_id: int) -> list[Row]:
        with self.base._tx(write=False) as repo:
            return repo.dossier_timers(dossier_id)

    def _settle(self, timer_id: int, now: dt.datetime) -> str:
        registry = self.base.registry
        with self.base._tx() as repo:
            row = repo.timer_for_update(timer_id)
            if row is None or row["status"] != "pending":
                return "skipped"
            dossier = repo.dossier(row["dossier_id"])
            assert dossier is not None  # a timer row references its dossier
            workflow = registry.workflow(repo, dossier["definition_hash"])
            state = workflow.states.get(row["state"])
            timer = next((x for x in state.timers if x.id == row["timer"]), None) if state else None
            if timer is None or row["state"] not in active_states(workflow, dossier["state"]):
                repo.set_timer(timer_id, status="cancelled", done_at=now, claimed_until=None)
                return "skipped"
            cause = {"timer": timer.id, "state": row["state"], "phase": row["phase"], "id": timer_id}
            log: list[dict[str, Any]] = []
            ctx = effects.EffectContext(
                repo, workflow, dossier, {}, SYSTEM_ACTOR, now.date(), now, lambda: None, log,
                roleset=registry.pinned(repo, workflow, dossier).roleset, base_url=self.base.public_base_url,
            )  # fmt: skip
            repo.set_timer(timer_id, status="done", done_at=now, claimed_until=None)
            if row["phase"] == "escalate":
                assert timer.escalate is not None
                esc_message = timer.escalate.message
                effects.notify(ctx, Effect("notify", roles=timer.escalate.roles, message=esc_message or timer.message,
                                           template=None if esc_message else timer.template))  # fmt: skip
                self._event(repo, dossier, now, cause, log)
                return "escalated"
            if timer.notify:
                effects.notify(
                    ctx, Effect("notify", roles=timer.notify, message=timer.message, template=timer.template)
                )
            if timer.escalate is not None:
                when = _add(row["due_at"], timer.escalate.after, workflow)
                repo.arm_timer(dossier_id=dossier["id"], state=row["state"], timer=timer.id, phase="escalate",
                               due_at=when, created_at=now)  # fmt: skip
                log.append(
                    {
                        "effect": "arm_timer",
                        "timer": timer.id,
                        "phase": "escalate",
                        "due_at": when.isoformat(),
                    }
                )
            if timer.fire is None:
                self._event(repo, dossier, now, cause, log)
                return "notified"
            transition = workflow.transition(timer.fire)
            assert transition is not None  # E251 checked it leaves the state
            loaded = Loaded(dossier, registry.pinned(repo, workflow, dossier))
            cause["effects"] = log
            self.base._move(repo, loaded, transition, SYSTEM_ACTOR, None, now,
                            lambda: self.base.council_for(repo, loaded), cause)  # fmt: skip
            return "fired"

    @staticmethod
    def _event(repo: Repository, dossier: Row, now: dt.datetime, cause: dict[str, Any],
               log: list[dict[str, Any]]) -> None:  # fmt: skip
        repo.append_event(at=now, actor=SYSTEM_ACTOR, action="timer", dossier_id=dossier["id"],
                          definition_hash=dossier["definition_hash"], payload={**cause, "effects": log})  # fmt: skip

    def _failed(self, timer_id: int, now: dt.datetime, exc: Exception) -> int:
        """Count the failure: retried after a doubling wait, parked with its error after MAX_ATTEMPTS."""
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
        with self.base._tx() as repo:
            row = repo.timer_for_update(timer_id)
            if row is None or row["status"] != "pending":
                return 0
            attempts = row["attempts"] + 1
            if attempts >= MAX_ATTEMPTS:
                repo.set_timer(
                    timer_id, status="parked", attempts=attempts, last_error=error, claimed_until=None
                )
                repo.append_event(at=now, actor=SYSTEM_ACTOR, action="timer_parked", dossier_id=row["dossier_id"],
                                  payload={"timer": row["timer"], "state": row["state"], "id": timer_id,
                                           "attempts": attempts, "error": error})  # fmt: skip
                return 1
            retry = now + BACKOFF * (2 ** (attempts - 1))
            repo.set_timer(timer_id, attempts=attempts, last_error=error, due_at=retry, claimed_until=None)
            return 0


__all__ = ["MAX_ATTEMPTS", "RunReport", "Text", "TimerUseCases", "on_move", "on_open"]
