"""Trace events of batches: a register's `trace:` block says which events a record may carry, who
records each, and in which order; each event is appended (never changed) and enters the audit chain.

A transforming event (split or merge) names its input batches; a batch's history is its own events
and, through each transformation, its inputs' events before it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.definitions.model import Register, TraceStep
from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied
from engine.messages import say
from engine.permissions import Actor, in_scope, roles_of
from engine.record_access import may_record
from engine.service.base import as_dict
from engine.service.records import _facts, values_digest
from engine.storage.repository import Repository, Row

if TYPE_CHECKING:
    from engine.service import Service

TRANSFORMING = "transforming"  # the CBV step whose event names input batches
INPUTS_MAX = 100


@dataclass(frozen=True)
class TraceEvent:
    seq: int  # the audit event's sequence number
    record_id: int
    event_id: str
    step: str
    event_time: dt.datetime
    recorded_at: dt.datetime
    actor: str
    values: dict[str, Any]
    inputs: tuple[int, ...] = ()


def _event(row: Row) -> TraceEvent:
    return TraceEvent(
        seq=row["seq"], record_id=row["record_id"], event_id=row["event_id"], step=row["step"],
        event_time=row["event_time"], recorded_at=row["recorded_at"], actor=row["actor"],
        values=dict(row["data"] or {}), inputs=tuple(row.get("inputs") or ()),
    )  # fmt: skip


class TraceUseCases:
    """Record and read a batch's trace events (`service.trace`)."""

    def __init__(self, base: Service) -> None:
        self.base = base

    def steps(self, register_id: str) -> tuple[TraceStep, ...]:
        return self.base.register(register_id).trace

    def record_event(
        self,
        actor: Actor,
        register_id: str,
        record_id: Any,
        event_id: str,
        values: Mapping[str, Any],
        *,
        at: dt.datetime | None = None,
        inputs: Sequence[Any] = (),
    ) -> TraceEvent:
        """Append one event to a batch's history; refused (nothing written) when the YAML does not
        allow it: unknown event, a role not in its `roles`, out of order (`after`), repeated (`once`),
        a field problem, a time in the future."""
        base = self.base
        now = base.now()
        when = at or now
        if when.tzinfo is not None:
            when = when.astimezone(dt.UTC).replace(tzinfo=None)
        with base._tx() as repo:
            row, pinned = base._load_record(repo, actor, register_id, record_id)
            step = pinned.trace_step(event_id)
            if step is None:
                raise InvalidForm(say("record.invalid", count=1), {"event": say(
                    "trace.unknown_event", register=pinned.id, event=event_id,
                    known=", ".join(s.id for s in pinned.trace) or "—")})  # fmt: skip
            self._check_may(actor, pinned, row, step)
            if row["status"] != "active":
                raise Conflict(say("record.archived", record_id=row["id"]), record_id=row["id"])
            if when > now:
                raise InvalidForm(
                    say("record.invalid", count=1), {"event_time": say("trace.future", at=when)}
                )
            input_ids = self._inputs(repo, actor, pinned, row, step, inputs)
            history = self._history(repo, row["id"])
            done = {e.event_id for e in history}
            if step.once and step.id in {e.event_id for e in history if e.record_id == row["id"]}:
                raise Conflict(say("trace.once", event=step.id), event=step.id)
            if step.after and not done.intersection(step.after):
                raise InvalidForm(say("record.invalid", count=1), {"event": say(
                    "trace.out_of_order", event=step.id, after=" / ".join(step.after))})  # fmt: skip
            checked = base._checked(repo, actor, dataclasses.replace(pinned, fields=step.fields), values)
            data = as_dict(checked.values)
            event = repo.append_event(
                at=now, actor=actor.id, action="trace.event", definition_hash=row["definition_hash"],
                payload={"register": pinned.id, "record": row["id"], "code": row["code"], "event": step.id,
                         "step": step.step, "event_time": when.isoformat(), "inputs": input_ids,
                         "values_digest": values_digest(data)},
            )  # fmt: skip
            repo.link_event(event.seq, row["id"])
            repo.add_trace_event(
                seq=event.seq, record_id=row["id"], event_id=step.id, step=step.step, event_time=when,
                recorded_at=now, actor=actor.id, data=data, inputs=input_ids,
            )  # fmt: skip
            return TraceEvent(
                event.seq, row["id"], step.id, step.step, when, now, actor.id, data, tuple(input_ids)
            )

    def history(self, actor: Actor, register_id: str, record_id: Any) -> list[TraceEvent]:
        """The batch's events and, through its transformations, its inputs' earlier events; in the
        order they happened (then as recorded)."""
        with self.base._tx(write=False) as repo:
            row, _ = self.base._load_record(repo, actor, register_id, record_id)
            return self._history(repo, row["id"])

    # --- pieces -----------------------------------------------------------------------

    def _check_may(self, actor: Actor, reg: Register, row: Row, step: TraceStep) -> None:
        """One of the actor's roles is in the event's `roles` and has the batch in its scope."""
        roles = [r for r in roles_of(actor, self.base._roleset(reg)) if r.id in step.roles]
        if not any(in_scope(actor, role, _facts(row).as_dossier()) for role in roles):
            raise PermissionDenied(
                say("trace.not_allowed", event=step.id), reason="role" if not roles else "scope"
            )

    def _inputs(self, repo: Repository, actor: Actor, reg: Register, row: Row, step: TraceStep,
                inputs: Sequence[Any]) -> list[int]:  # fmt: skip
        if step.step != TRANSFORMING:
            if inputs:
                raise InvalidForm(say("record.invalid", count=1), {"inputs": say("trace.inputs_not_allowed")})
            return []
        ids: list[int] = []
        for value in list(inputs)[:INPUTS_MAX]:
            text = str(value)
            found = repo.records_by_ids(reg.id, [int(text)]) if text.isdigit() else []
            roleset = self.base._roleset(reg)
            if not found or found[0]["id"] == row["id"] or not may_record(actor, reg, roleset, "view",
                                                                          _facts(found[0])):  # fmt: skip
                raise NotFound(say("trace.input_unknown", record_id=text),
                               problems={"inputs": say("trace.input_unknown", record_id=text)})  # fmt: skip
            if found[0]["id"] not in ids:
                ids.append(found[0]["id"])
        if not ids:
            raise InvalidForm(say("record.invalid", count=1), {"inputs": say("trace.inputs_needed")})
        return ids

    @staticmethod
    def _history(repo: Repository, record_id: int) -> list[TraceEvent]:
        """Own events, and each transformation's inputs' events recorded before it (recursively)."""
        out: dict[int, TraceEvent] = {}
        todo: list[tuple[int, int | None]] = [(record_id, None)]  # (batch, only events before this seq)
        seen: set[tuple[int, int | None]] = set()
        while todo:
            batch, until = todo.pop()
            if (batch, until) in seen:
                continue
            seen.add((batch, until))
            for r in repo.trace_events([batch]):
                if until is not None and r["seq"] >= until:
                    continue
                e = _event(r)
                out[e.seq] = e
                todo += [(i, e.seq) for i in e.inputs]
        return sorted(out.values(), key=lambda e: (e.event_time, e.seq))
