"""Trace events of batches: a register's `trace:` block says which events a record may carry, who
records each, and in which order; each event is appended (never changed) and enters the audit chain.

A transforming event (split or merge) names its input batches; a batch's history is its own events
and, through each transformation, its inputs' events before it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.definitions.model import Register, RegisterField, Text, TraceStep
from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied
from engine.messages import Localized, say
from engine.permissions import Actor, in_scope, roles_of
from engine.record_access import may_record
from engine.service.base import as_dict, certificate_snapshot
from engine.service.records import _facts, values_digest
from engine.service.snapshots import CertificateSnapshot
from engine.storage.repository import Repository, Row
from engine.storage.trace_store import lot_key

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


@dataclass(frozen=True)
class PublicValue:
    """One field marked `public: true`, with the title of the record a register `ref` names."""

    field: RegisterField
    value: Any
    ref_title: str | None = None


@dataclass(frozen=True)
class PublicPlace:
    """A record an event names (a growing area): its title and, when public, its shape."""

    record_id: int
    title: str
    geometry: dict[str, Any] | None


@dataclass(frozen=True)
class PublicEvent:
    event_id: str
    step: str
    label: Text
    event_time: dt.datetime
    values: tuple[PublicValue, ...]
    of_input: bool  # an event of an input batch before a merge or split


@dataclass(frozen=True)
class PublicBatch:
    """What the public trace page of a batch shows: public fields only, no people."""

    product_code: str
    lot: str
    batch: tuple[PublicValue, ...]
    product_title: str
    product: tuple[PublicValue, ...]
    certificates: tuple[CertificateSnapshot, ...]
    events: tuple[PublicEvent, ...]
    places: tuple[PublicPlace, ...]
    etag: str  # changes whenever anything shown changes (and with the day: validity is of today)


@dataclass(frozen=True)
class StepChoice:
    """An event the batch's page offers: `problem` says why it cannot be recorded now (None: it can)."""

    step: TraceStep
    problem: Localized | None


@dataclass(frozen=True)
class BatchTrace:
    """What a batch's page of events shows its producer (or an officer in scope)."""

    record_id: int
    title: str
    code: str | None
    register: Register
    events: tuple[TraceEvent, ...]
    choices: tuple[StepChoice, ...]
    address: tuple[str, str] | None  # (product code, lot) of the public page, when it has one


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
        with self.base._tx() as repo:
            row, pinned = self.base._load_record(repo, actor, register_id, record_id)
            return self._record(repo, actor, row, pinned, event_id, values, at=at, inputs=inputs)

    @staticmethod
    def typed_time(day: str, month: str, year: str, clock: str, zone: dt.tzinfo) -> dt.datetime:
        """A time typed as day, month, year and hours:minutes ("07:30", "7h30") in `zone`; InvalidForm
        on `event_time` naming what is wrong (a day that does not exist, a time that is not one)."""
        try:
            day_ = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise InvalidForm(
                say("record.invalid", count=1), {"event_time": say("trace.date_invalid")}
            ) from None
        hours, _sep, minutes = clock.strip().lower().replace("h", ":").replace(".", ":").partition(":")
        try:
            moment = dt.time(int(hours), int(minutes or "0"))
        except ValueError:
            raise InvalidForm(
                say("record.invalid", count=1), {"event_time": say("trace.time_invalid")}
            ) from None
        return dt.datetime.combine(day_, moment, tzinfo=zone)

    def check_event(self, actor: Actor, register_id: str, record_id: Any, event_id: str,
                    values: Mapping[str, Any], *, at: dt.datetime | None = None,
                    inputs: Sequence[Any] = ()) -> None:  # fmt: skip
        """The refusals `record_event` would give (the same exceptions), writing nothing: a page that
        could not read the time yet still names every other problem at once."""
        with self.base._tx(write=False) as repo:
            row, pinned = self.base._load_record(repo, actor, register_id, record_id)
            self._record(repo, actor, row, pinned, event_id, values, at=at, inputs=inputs, write=False)

    def batch(self, actor: Actor, register_id: str, record_id: Any) -> BatchTrace:
        """A batch's own page of events: its history, the events the actor may record now (or why
        not) and its public address."""
        base = self.base
        with base._tx(write=False) as repo:
            row, pinned = base._load_record(repo, actor, register_id, record_id)
            history = self._history(repo, row["id"])
            choices = []
            for step in pinned.trace:
                problem: Localized | None
                try:
                    self._check_may(actor, pinned, row, step)
                    self._check_order(step, row, history)
                    problem = (
                        None if row["status"] == "active" else say("record.archived", record_id=row["id"])
                    )
                except (PermissionDenied, Conflict, InvalidForm) as exc:
                    problem = (
                        exc.problems.get("event", exc.text) if isinstance(exc, InvalidForm) else exc.text
                    )
                choices.append(StepChoice(step, problem))
            address = None
            identity = pinned.trace_identity
            ref = pinned.field(identity.product) if identity else None
            data = row["data"] or {}
            if identity and ref is not None and ref.ref is not None and ref.ref.register:
                product = str(data.get(identity.product, ""))
                found = repo.records_by_ids(ref.ref.register, [int(product)]) if product.isdigit() else []
                if found and found[0]["code"] and data.get(identity.lot):
                    address = (str(found[0]["code"]), str(data[identity.lot]))
        return BatchTrace(
            row["id"], str(row["title"]), row["code"], pinned, tuple(history), tuple(choices), address
        )

    @staticmethod
    def _check_order(step: TraceStep, row: Row, history: Sequence[TraceEvent]) -> None:
        if step.once and step.id in {e.event_id for e in history if e.record_id == row["id"]}:
            raise Conflict(say("trace.once", event=step.id), event=step.id)
        if step.after and not {e.event_id for e in history}.intersection(step.after):
            raise InvalidForm(say("record.invalid", count=1), {"event": say(
                "trace.out_of_order", event=step.id, after=" / ".join(step.after))})  # fmt: skip

    def _record(self, repo: Repository, actor: Actor, row: Row, pinned: Register, event_id: str,
                values: Mapping[str, Any], *, at: dt.datetime | None, inputs: Sequence[Any],
                write: bool = True) -> TraceEvent:  # fmt: skip
        base = self.base
        now = base.now()
        when = at or now
        if when.tzinfo is not None:
            when = when.astimezone(dt.UTC).replace(tzinfo=None)
        step = pinned.trace_step(event_id)
        if step is None:
            raise InvalidForm(say("record.invalid", count=1), {"event": say(
                "trace.unknown_event", register=pinned.id, event=event_id,
                known=", ".join(s.id for s in pinned.trace) or "—")})  # fmt: skip
        self._check_may(actor, pinned, row, step)
        if row["status"] != "active":
            raise Conflict(say("record.archived", record_id=row["id"]), record_id=row["id"])
        if when > now:
            raise InvalidForm(say("record.invalid", count=1), {"event_time": say("trace.future", at=when)})
        input_ids = self._inputs(repo, actor, pinned, row, step, inputs)
        self._check_order(step, row, self._history(repo, row["id"]))
        checked = base._checked(repo, actor, dataclasses.replace(pinned, fields=step.fields), values)
        data = as_dict(checked.values)
        if not write:
            return TraceEvent(0, row["id"], step.id, step.step, when, now, actor.id, data, tuple(input_ids))
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

    def epcis(self, actor: Actor, record_id: Any, *, base: str) -> dict[str, Any]:
        """The batch's history (with its inputs' events) as an EPCIS 2.0 EPCISDocument; each batch is
        the class `{base}/01/{product code}/10/{lot}` (its `trace.identity`). NotFound as for the record,
        and for a record whose register has no `trace:` block."""
        from engine import epcis

        base_ = self.base
        with base_._tx(write=False) as repo:
            found = repo.record(int(record_id)) if str(record_id).isdigit() else None
            register_id = found["register_id"] if found else ""
            reg = base_.catalog.registers.get(register_id)
            if found is None or reg is None or not reg.trace:
                raise NotFound(
                    say("record.not_found", record_id=record_id, register="—"), record_id=record_id
                )
            row, pinned = base_._load_record(repo, actor, register_id, record_id)
            history = self._history(repo, row["id"])
            ids = {row["id"]} | {e.record_id for e in history} | {i for e in history for i in e.inputs}
            rows = {r["id"]: r for r in repo.records_by_ids(pinned.id, sorted(ids))}
            identity = pinned.trace_identity
            ref = pinned.field(identity.product) if identity else None
            target = ref.ref.register if ref is not None and ref.ref is not None else None
            product_ids = sorted({int(p) for r in rows.values() if identity and str(
                (r["data"] or {}).get(identity.product, "")).isdigit() for p in [(r["data"] or {})[identity.product]]})  # fmt: skip
            codes = {p["id"]: p["code"] for p in (repo.records_by_ids(target, product_ids) if target else [])}

        def class_of(rid: int) -> str:
            data = (rows.get(rid) or {}).get("data") or {}
            if identity is None:
                return f"{base.rstrip('/')}/batches/{rid}"
            product = data.get(identity.product)
            code = codes.get(int(str(product))) if str(product).isdigit() else None
            return epcis.class_uri(base, str(code or product or ""), str(data.get(identity.lot) or rid))

        last = history[-1].seq if history else 0
        return epcis.document(history, class_of=class_of, created=base_.now(),
                              document_id=f"{base.rstrip('/')}/api/v1/batches/{row['id']}/epcis?seq={last}")  # fmt: skip

    def import_epcis(self, actor: Actor, doc: Any) -> list[TraceEvent]:
        """Record the events of an EPCIS 2.0 document (or of one event posted alone), all or none.

        The document must pass GS1's EPCIS 2.0 JSON Schema; each event names its batch by the class
        URI the export gives it (`…/01/{product code}/10/{lot}`), its register event by `ocop:event`
        (or, when absent, the one event of the register with its `bizStep`), and its field values in
        `ocop:values`. Each is then recorded as `record_event` would (roles, scope, order, fields),
        in one transaction. InvalidForm names each problem by its JSON Pointer in the document."""
        from engine import epcis

        def refused(problems: Mapping[str, Any]) -> InvalidForm:
            return InvalidForm(say("trace.epcis_invalid", count=len(problems)), dict(problems))

        found = epcis.problems(doc)
        if found:
            raise refused({w: say("trace.epcis_schema", detail=m) for w, m in found.items()})
        try:
            items = [epcis.incoming(where, e) for where, e in epcis.events_of(doc)]
        except epcis.Refused as exc:
            raise refused({exc.where: exc.message}) from None
        out = []
        with self.base._tx() as repo:
            for item in items:
                row, pinned = self._batch(repo, actor, item.batch, f"{item.where}/quantityList/0/epcClass"
                                          if not item.inputs else f"{item.where}/outputQuantityList/0/epcClass")  # fmt: skip
                inputs = [self._batch(repo, actor, b, f"{item.where}/inputQuantityList/{i}/epcClass")[0]["id"]
                          for i, b in enumerate(item.inputs)]  # fmt: skip
                event_id = item.event or self._event_for_step(pinned, item.step, item.where)
                step = pinned.trace_step(event_id)
                if step is not None and step.step != item.step:
                    raise refused({f"{item.where}/bizStep": say("trace.epcis_step_unknown", register=pinned.id,
                                   step=item.step, known=step.step)})  # fmt: skip
                try:
                    out.append(self._record(repo, actor, row, pinned, event_id, item.values,
                                            at=item.event_time, inputs=inputs))  # fmt: skip
                except InvalidForm as exc:
                    where = {
                        "event": "/ocop:event",
                        "event_time": "/eventTime",
                        "inputs": "/inputQuantityList",
                    }
                    raise refused({item.where + where.get(k, f"/ocop:values/{k}"): v
                                   for k, v in exc.problems.items()}) from None  # fmt: skip
        return out

    def _batch(
        self, repo: Repository, actor: Actor, batch: tuple[str, str], where: str
    ) -> tuple[Row, Register]:
        """The active batch a class URI names, if the actor may see it (else a problem at `where`)."""
        code, lot = batch
        for reg, product in self._products(repo, code[:100]):
            rows = (
                repo.batches_by_identity(reg.id, product["id"], lot_key(lot), limit=1) if lot_key(lot) else []
            )
            if rows and may_record(actor, reg, self.base._roleset(reg), "view", _facts(rows[0])):
                return rows[0], self.base._register_version(repo, rows[0]["definition_hash"])
        raise InvalidForm(say("trace.epcis_invalid", count=1),
                          {where: say("trace.epcis_batch_unknown", product=code[:100], lot=lot[:40])})  # fmt: skip

    @staticmethod
    def _event_for_step(reg: Register, step: str, where: str) -> str:
        matching = [s.id for s in reg.trace if s.step == step]
        if len(matching) != 1:
            raise InvalidForm(say("trace.epcis_invalid", count=1), {f"{where}/bizStep": say(
                "trace.epcis_step_unknown", register=reg.id, step=step[:60],
                known=", ".join(sorted({s.step for s in reg.trace})) or "—")})  # fmt: skip
        return matching[0]

    def _products(self, repo: Repository, code: str) -> list[tuple[Register, Row]]:
        """(batch register, product record) for each register with `trace.identity` knowing this code."""
        out = []
        for reg in self.base.catalog.registers.values():
            identity = reg.trace_identity
            ref = reg.field(identity.product) if identity else None
            if ref is None or ref.ref is None or not ref.ref.register:
                continue
            product = repo.record_by_code(ref.ref.register, code) or repo.record_by_code(
                ref.ref.register, code.upper()
            )
            if product is not None and product["status"] == "active":
                out.append((reg, product))
        return out

    def public_batch(self, product_code: str, lot: str) -> PublicBatch:
        """The public face of a batch, found as in GS1 Digital Link /{product code}/10/{lot}.

        NotFound(reason="product") when no register with `trace.identity` knows the product code,
        NotFound(reason="lot") when the product has no active batch with that lot (case and spaces
        around do not matter)."""
        code, key = " ".join(product_code.split())[:100], lot_key(lot)
        with self.base._tx(write=False) as repo:
            products = self._products(repo, code)
            product_seen = bool(products)
            for reg, product in products:
                found = repo.batches_by_identity(reg.id, product["id"], key, limit=1) if key else []
                if found:
                    return self._public(repo, found[0], product)
        if product_seen:
            raise NotFound(say("trace.public_lot_unknown", product=code, lot=lot[:40]), reason="lot")
        raise NotFound(say("trace.public_product_unknown", product=code), reason="product")

    def _public(self, repo: Repository, row: Row, product: Row) -> PublicBatch:
        base = self.base
        reg = base._register_version(repo, row["definition_hash"])
        preg = base._register_version(repo, product["definition_hash"])
        assert reg.trace_identity is not None
        titles: dict[tuple[str, int], Row | None] = {}

        def target(register_id: str, record_id: Any) -> Row | None:
            if not str(record_id).isdigit():
                return None
            k = (register_id, int(record_id))
            if k not in titles:
                got = repo.records_by_ids(register_id, [int(record_id)])
                titles[k] = got[0] if got and got[0]["status"] == "active" else None
            return titles[k]

        def public(fields: Sequence[RegisterField], values: Mapping[str, Any]) -> tuple[PublicValue, ...]:
            out = []
            for f in fields:
                v = values.get(f.id)
                if not f.public or v in (None, "", []) or f.type in ("geometry", "table", "file"):
                    continue
                title = None
                if f.ref is not None:
                    if f.ref.kind != "register" or f.many or not f.ref.register:
                        continue  # dossier and certificate numbers are not what a scan shows
                    found = target(f.ref.register, v)
                    if found is None:
                        continue
                    title = found["title"]
                out.append(PublicValue(f, v, title))
            return tuple(out)

        places: dict[int, PublicPlace] = {}
        events = []
        for e in self._history(repo, row["id"]):
            step = reg.trace_step(e.event_id)
            if step is None:
                continue
            values = public(step.fields, e.values)
            for pv in values:
                if pv.field.ref is not None and pv.field.ref.register:
                    found = target(pv.field.ref.register, pv.value)
                    if found is not None and found["id"] not in places:
                        places[found["id"]] = PublicPlace(found["id"], found["title"],
                                                          self._public_shape(repo, found))  # fmt: skip
            events.append(
                PublicEvent(e.event_id, e.step, step.label, e.event_time, values, e.record_id != row["id"])
            )
        today = base.now().date()
        certs = []
        for f in preg.fields:
            if f.ref is None or f.ref.kind != "certificate":
                continue
            raw = product["data"].get(f.id) if product["data"] else None
            for number in (raw if isinstance(raw, list) else [raw] if raw else [])[:20]:
                c = repo.certificate_by_number(str(number))
                if c is not None:
                    certs.append(certificate_snapshot(c, today))
        identity = reg.trace_identity
        # the lot, the product and the product's name are the page's heading, not repeated below
        batch_values = public(
            [f for f in reg.fields if f.id not in (identity.product, identity.lot)], row["data"] or {}
        )
        result = PublicBatch(
            product_code=product["code"] or "", lot=str((row["data"] or {}).get(identity.lot, "")),
            batch=batch_values, product_title=product["title"],
            product=public([f for f in preg.fields if f.id != preg.title_field], product["data"] or {}),
            certificates=tuple(certs), events=tuple(events), places=tuple(places.values()), etag="",
        )  # fmt: skip
        digest = hashlib.sha256(
            json.dumps([as_dict(dataclasses.asdict(result)), today.isoformat(), reg.source.sha256 if reg.source
                        else "", preg.source.sha256 if preg.source else ""], default=str, sort_keys=True).encode()
        ).hexdigest()[:32]  # fmt: skip
        return dataclasses.replace(result, etag=digest)

    def _public_shape(self, repo: Repository, row: Row) -> dict[str, Any] | None:
        """A record's shape, only when its register marks the geometry field public."""
        reg = self.base._register_version(repo, row["definition_hash"])
        shape = next((f for f in reg.fields if f.type == "geometry"), None)
        return row["geometry"] if shape is not None and shape.public and row["geometry"] else None

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
