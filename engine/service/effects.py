"""Transition effects, dispatched through an allow-list: YAML names a key, never code."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine import expressions
from engine.definitions.model import Effect, RoleSet, Transition, Workflow
from engine.errors import TransitionNotAllowed
from engine.messages import say
from engine.storage.repository import Repository, Row
from engine.workdays import ClockState


@dataclass
class EffectContext:
    repo: Repository
    workflow: Workflow
    dossier: Row  # the row as read; `changes` holds what the fire writes back
    changes: dict[str, Any]
    actor: str
    today: dt.date
    now: dt.datetime
    council: Callable[[], Any]  # lazily computed council result (engine.scoring.CouncilResult or None)
    log: list[dict[str, Any]] = field(default_factory=list)  # what happened, for the audit payload
    # The dossier's clock rows by name once read, kept up to date by save_clock, so the
    # snapshot after the fire needs no second read. None: not read during this fire.
    clock_rows: dict[str, Row] | None = None
    # The dossier's roles file: a notify effect tells the users whose role scope covers the dossier.
    roleset: RoleSet | None = None
    # What a notice's template reads: the step fired (None: a timer), the state entered, the
    # comment given, and the site's public address its link starts with.
    transition: Transition | None = None
    target: str | None = None
    comment: str | None = None
    base_url: str = ""

    def value(self, name: str) -> Any:
        return self.changes.get(name, self.dossier.get(name))


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def clock_state(row: Row, workflow: Workflow) -> ClockState:
    return ClockState(
        name=row["name"],
        started_on=row["started_on"],
        days=row["days"],
        kind="calendar" if row["kind"] == "calendar" else "working",
        paused_on=row["paused_on"],
        paused_days=row["paused_days"],
        stopped_on=row["stopped_on"],
        calendar=workflow.calendar,
    )


def save_clock(ctx: EffectContext, clock: ClockState) -> None:
    values = {
        "started_on": clock.started_on,
        "days": clock.days,
        "kind": clock.kind,
        "paused_on": clock.paused_on,
        "paused_days": clock.paused_days,
        "stopped_on": clock.stopped_on,
        "due_on": clock.due_date(),
    }
    dossier_id = ctx.dossier["id"]
    old = ctx.clock_rows.get(clock.name) if ctx.clock_rows is not None else None
    if old is None:
        ctx.repo.save_clock(dossier_id, clock.name, **values)
    else:
        # A row read in this fire: write only the columns that change. Leaving due_on out of
        # a pause keeps its index untouched, one page less to write at the commit.
        changed = {k: v for k, v in values.items() if old.get(k) != v}
        if changed:
            ctx.repo.save_clock(dossier_id, clock.name, **changed)
    if ctx.clock_rows is not None:
        base = old or {"dossier_id": dossier_id, "name": clock.name}
        ctx.clock_rows[clock.name] = {**base, **values}


def _clocks(ctx: EffectContext) -> dict[str, ClockState]:
    if ctx.clock_rows is None:
        ctx.clock_rows = {r["name"]: r for r in ctx.repo.clocks(ctx.dossier["id"])}
    return {name: clock_state(r, ctx.workflow) for name, r in ctx.clock_rows.items()}


def _template_context(ctx: EffectContext, sequence: int) -> dict[str, Any]:
    return {
        "province_code": ctx.value("province_code"),
        "commune_code": ctx.value("commune_code"),
        "year": ctx.today.year,
        "sequence": sequence,
        "stars": ctx.value("stars"),
    }


def assign_product_code(ctx: EffectContext, effect: Effect) -> None:
    if ctx.value("product_code"):
        return
    d = ctx.dossier
    sequence = ctx.repo.next_sequence(f"product:{d['province_code']}:{d['commune_code']}:{ctx.today.year}")
    code = expressions.render(ctx.workflow.product_code, _template_context(ctx, sequence))
    ctx.changes["product_code"] = code
    ctx.log.append({"effect": "assign_product_code", "product_code": code})


def start_clock(ctx: EffectContext, effect: Effect) -> None:
    definition = ctx.workflow.clocks[str(effect.arg)]
    clock = ClockState(
        name=definition.id,
        started_on=ctx.today,
        days=definition.days,
        kind=definition.calendar,
        calendar=ctx.workflow.calendar,
    )
    save_clock(ctx, clock)
    ctx.log.append({"effect": "start_clock", "clock": clock.name, "due_on": clock.due_date().isoformat()})


def _change_clock(ctx: EffectContext, effect: Effect, change: Callable[[ClockState], ClockState]) -> None:
    clock = _clocks(ctx).get(str(effect.arg))
    if clock is None:
        return  # a clock that never started has nothing to pause, resume or stop
    save_clock(ctx, change(clock))
    ctx.log.append({"effect": effect.name, "clock": clock.name})


def pause_clock(ctx: EffectContext, effect: Effect) -> None:
    _change_clock(ctx, effect, lambda c: c.pause(ctx.today))


def resume_clock(ctx: EffectContext, effect: Effect) -> None:
    _change_clock(ctx, effect, lambda c: c.resume(ctx.today))


def stop_clock(ctx: EffectContext, effect: Effect) -> None:
    _change_clock(ctx, effect, lambda c: c.stop(ctx.today))


def pause_all(ctx: EffectContext) -> None:
    """Entering a state marked `clock: paused`: every running clock stops counting."""
    for clock in _clocks(ctx).values():
        if clock.running:
            save_clock(ctx, clock.pause(ctx.today))


def resume_all(ctx: EffectContext) -> None:
    for clock in _clocks(ctx).values():
        if clock.paused_on is not None and clock.stopped_on is None:
            save_clock(ctx, clock.resume(ctx.today))


def _excluded(result: Any) -> bool:
    """A knock-out or a rejection holds on the council's result: the scoring form's excluded
    result, which has no stars (docs/definitions.md: excluded is no stars, never 0)."""
    return result is not None and bool(
        getattr(result, "knocked_out", False) or getattr(result, "rejected", False)
    )


def _council_stars(ctx: EffectContext) -> tuple[int, float | None]:
    result = ctx.council()
    if _excluded(result):
        raise TransitionNotAllowed(say("transition.excluded_no_certificate"), reason="scores")
    stars = getattr(result, "stars", None) if result is not None else None
    if stars is None:
        stars = ctx.value("stars")
    if stars is None:
        raise TransitionNotAllowed(say("transition.no_council_result"), reason="scores")
    return int(stars), getattr(result, "total", None) if result is not None else None


def record_stars(ctx: EffectContext, effect: Effect) -> None:
    """Freeze the council's result on the dossier. An excluded result (a failed mandatory
    criterion) records no stars, whatever the points or an earlier rating would give."""
    result = ctx.council()
    if _excluded(result):
        ctx.changes["stars"] = None
        ctx.changes["score_total"] = result.total
        ctx.log.append({"effect": "record_stars", "stars": None, "total": result.total,
                        "knocked_out": bool(result.knocked_out), "rejected": bool(result.rejected)})  # fmt: skip
        return
    stars, total = _council_stars(ctx)
    ctx.changes["stars"] = stars
    ctx.changes["score_total"] = total
    ctx.log.append({"effect": "record_stars", "stars": stars, "total": total})


def issue_certificate(ctx: EffectContext, effect: Effect) -> None:
    policy = ctx.workflow.certificate
    if policy is None:
        raise TransitionNotAllowed(
            say("transition.no_certificate_policy", workflow=ctx.workflow.id), reason="state"
        )
    stars, _ = _council_stars(ctx)
    d = ctx.dossier
    sequence = ctx.repo.next_sequence(f"certificate:{d['province_code']}:{ctx.today.year}")
    number = expressions.render(policy.number, {**_template_context(ctx, sequence), "stars": stars})
    expires = add_months(ctx.today, policy.validity_months)
    windowed = bool(policy.opens_days_before or policy.closes_days_before)
    ctx.repo.add_certificate(
        number=number,
        dossier_id=d["id"],
        product_code=ctx.value("product_code"),
        product_name=d["product_name"],
        producer_org=d["producer_org"],
        stars=stars,
        issued_on=ctx.today,
        expires_on=expires,
        # A policy without a window (both 0) sets none: re-evaluation is then not date-bound.
        reevaluation_opens=expires - dt.timedelta(days=policy.opens_days_before) if windowed else None,
        reevaluation_closes=expires - dt.timedelta(days=policy.closes_days_before) if windowed else None,
        status="valid",
        revoked_on=None,
    )
    ctx.changes["stars"] = stars
    ctx.log.append({"effect": "issue_certificate", "number": number, "stars": stars, "expires_on": expires})


def _current_certificates(ctx: EffectContext) -> list[Row]:
    rows = ctx.repo.certificates_for_product(ctx.value("product_code"), ctx.dossier["id"])
    return [r for r in rows if r["status"] == "valid"]


def revoke_certificate(ctx: EffectContext, effect: Effect) -> None:
    for row in _current_certificates(ctx):
        ctx.repo.set_certificate_status(row["id"], "revoked", ctx.today)
        ctx.log.append({"effect": "revoke_certificate", "number": row["number"]})


def expire_certificate(ctx: EffectContext, effect: Effect) -> None:
    """The certificate an upgrade or re-evaluation replaces is superseded (before the new one is issued)."""
    rows = _current_certificates(ctx)
    renews = ctx.dossier.get("renews_certificate")
    if renews:
        row = ctx.repo.certificate_by_number(renews)
        if row is not None and row["status"] == "valid":
            rows.append(row)
    for row in rows:
        ctx.repo.set_certificate_status(row["id"], "superseded", None)
        ctx.log.append({"effect": "expire_certificate", "number": row["number"]})


def notify(ctx: EffectContext, effect: Effect) -> None:
    """Tell the effect's roles (or the council sitting in the state entered) with its message or
    its rendered template: an inbox row each and their immediate mails (engine/service/notifications.py)."""
    from engine.service import notice_text, notifications  # here: they import the mail outbox

    notice = notice_text.compose(ctx, effect)
    notification_id = ctx.repo.add_notification(
        dossier_id=ctx.dossier["id"],
        roles=list(effect.roles) or [f"council:{effect.council}"],
        area=ctx.dossier["commune_code"],
        message_vi=notice.text_vi,
        message_en=notice.text_en,
        created_at=ctx.now,
        returning=ctx.roleset is not None,
    )
    told: list[str] = []
    if ctx.roleset is not None and notification_id is not None:
        told = notifications.deliver(ctx, effect, notification_id, notice)
    entry: dict[str, Any] = {"effect": "notify", "roles": list(effect.roles), "told": told}
    if effect.council:
        entry["council"] = effect.council
    if effect.template:
        entry["template"] = effect.template
    ctx.log.append(entry)


EFFECTS: dict[str, Callable[[EffectContext, Effect], None]] = {
    "assign_product_code": assign_product_code,
    "start_clock": start_clock,
    "pause_clock": pause_clock,
    "resume_clock": resume_clock,
    "stop_clock": stop_clock,
    "issue_certificate": issue_certificate,
    "revoke_certificate": revoke_certificate,
    "expire_certificate": expire_certificate,
    "record_stars": record_stars,
    "notify": notify,
}


def run(ctx: EffectContext, effects: tuple[Effect, ...]) -> None:
    for effect in effects:
        handler = EFFECTS.get(effect.name)
        if handler is None:  # the loader refuses unknown names; never trust that alone
            raise TransitionNotAllowed(say("transition.effect_unknown", effect=effect.name), reason="state")
        handler(ctx, effect)
