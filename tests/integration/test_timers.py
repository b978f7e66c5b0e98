"""Timers as rows (issue 14): armed and cancelled in the fire's transaction, run by the worker."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.commands.demo import COMMUNES, ORGANISATIONS, seed_users
from engine.service import Service
from engine.service import timers as timer_module
from engine.service.scenario import Driver
from engine.storage import tables as t
from tests.conftest import fresh_catalog, is_postgres

FILED = dt.date(2026, 7, 1)


def _pending(service: Service, dossier_id: int) -> list[tuple[str, str, str]]:
    return [(r["state"], r["timer"], r["phase"]) for r in service.timers.of_dossier(dossier_id)
            if r["status"] == "pending"]  # fmt: skip


def _open(service, people, clock):  # type: ignore[no-untyped-def]
    clock.set(FILED)
    return service.open_dossier(
        people["producer1"], product_name="Bánh tráng phơi sương", product_set="01",
        producer_org=ORGANISATIONS["producer1"], commune_code=COMMUNES["producer1"], filed_on=FILED,
    )  # fmt: skip


def _notifications(database, dossier_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with database.transaction(write=False) as repo:
        rows = repo.connection.execute(
            t.notifications.select().where(t.notifications.c.dossier_id == dossier_id)
        )
        return [r.message_vi for r in rows]


def _events(database, dossier_id: int, action: str) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def,type-arg]
    """(actor, payload) of the dossier's audit events of `action`, oldest first."""
    e = t.audit_events.c
    with database.transaction(write=False) as repo:
        q = t.audit_events.select().where(e.dossier_id == dossier_id, e.action == action).order_by(e.seq)
        return [(r.actor, json.loads(r.payload)) for r in repo.connection.execute(q)]


def test_entering_the_commune_level_arms_its_timer_and_leaving_cancels_it(
    service, people, driver, clock, database
):
    dossier = _open(service, people, clock)
    at_check = driver.walk(dossier.id, ["commune_check"])
    assert _pending(service, dossier.id) == [("commune", "commune_check_late", "due")]
    row = service.timers.of_dossier(dossier.id)[0]
    # 15 working days from entering the state, on the workflow's calendar (weekends skipped)
    assert row["due_at"].date() > at_check.updated_at.date() + dt.timedelta(days=15)
    _actor, fired = _events(database, dossier.id, "fire")[-1]
    assert any(x.get("effect") == "arm_timer" for x in fired["effects"])
    driver.walk(dossier.id, ["province_intake"])  # forwarded: the commune level is left
    assert _pending(service, dossier.id) == []
    assert [r["status"] for r in service.timers.of_dossier(dossier.id)] == ["cancelled"]


def test_a_due_timer_notifies_once_then_escalates_after_its_second_delay(
    service, people, driver, clock, database
):
    dossier = _open(service, people, clock)
    driver.walk(dossier.id, ["commune_check"])
    assert service.timers.run_due().done == 0  # not due yet
    before = len(_notifications(database, dossier.id))
    clock.advance(25)
    first = service.timers.run_due()
    assert (first.notified, first.escalated) == (1, 0)
    assert service.timers.run_due().done == 0  # exactly once
    assert _notifications(database, dossier.id)[before:] == [
        "Hồ sơ OCOP đã quá 15 ngày làm việc chưa được UBND cấp xã kiểm tra"
    ]
    assert _pending(service, dossier.id) == [("commune", "commune_check_late", "escalate")]
    clock.advance(10)
    second = service.timers.run_due()
    assert second.escalated == 1 and service.timers.run_due().done == 0
    messages = _notifications(database, dossier.id)
    assert "quá hạn kiểm tra cấp xã" in messages[-1]
    events = _events(database, dossier.id, "timer")
    assert [(actor, p["phase"]) for actor, p in events] == [("system", "due"), ("system", "escalate")]
    assert service.verify_audit().ok


def test_a_timer_fires_its_transition_as_the_system_with_the_timer_as_cause(
    database, shipped_catalog, clock, tmp_path: Path
):
    catalog = fresh_catalog(shipped_catalog)
    key = next(k for k, w in catalog.workflows.items() if w.id == "ocop-2026")
    workflow = catalog.workflows[key]
    check = workflow.states["commune_check"]
    timer = dataclasses.replace(
        workflow.states["commune"].timers[0], fire="commune_return", escalate=None, notify=()
    )
    states = {**workflow.states, "commune_check": dataclasses.replace(check, timers=(timer,)),
              "commune": dataclasses.replace(workflow.states["commune"], timers=())}  # fmt: skip
    catalog.workflows[key] = dataclasses.replace(workflow, states=states)
    service = Service(database.transaction, catalog, clock=clock, evidence_dir=tmp_path / "evidence")
    people = {a.id: a for a in seed_users(service)}
    driver = Driver(service, list(people.values()), before_fire=lambda: clock.advance(1))
    dossier = _open(service, people, clock)
    driver.walk(dossier.id, ["commune_check"])
    clock.advance(30)
    report = service.timers.run_due()
    assert report.fired == 1 and service.timers.run_due().done == 0
    moved = service.get_dossier(people["producer1"], dossier.id)
    assert moved.state == "returned"
    actor, last = _events(database, dossier.id, "fire")[-1]
    assert (actor, last["transition"]) == ("system", "commune_return")
    assert last["cause"]["timer"] == "commune_check_late"
    assert all(c.paused_on is not None for c in moved.clocks)  # the move's own effects ran
    assert service.verify_audit().ok


def test_a_failing_job_backs_off_then_parks_with_its_error(service, people, driver, clock, monkeypatch):
    dossier = _open(service, people, clock)
    driver.walk(dossier.id, ["commune_check"])
    clock.advance(25)

    def broken(ctx, effect):  # type: ignore[no-untyped-def]
        raise RuntimeError("mail server down")

    monkeypatch.setattr(timer_module.effects, "notify", broken)
    now = clock.current
    first = service.timers.run_due(now)
    assert first.failed == 1 and first.parked == 0
    row = service.timers.of_dossier(dossier.id)[0]
    assert (row["status"], row["attempts"]) == ("pending", 1) and "mail server down" in row["last_error"]
    assert row["due_at"] == now + timer_module.BACKOFF
    assert service.timers.run_due(now).failed == 0  # waits for its backoff
    for attempt in range(2, timer_module.MAX_ATTEMPTS + 1):
        now += timer_module.BACKOFF * 2 ** (attempt - 1)
        assert service.timers.run_due(now).failed == 1
    parked = service.timers.parked()
    assert [(r["timer"], r["attempts"]) for r in parked] == [
        ("commune_check_late", timer_module.MAX_ATTEMPTS)
    ]
    assert service.timers.run_due(now + dt.timedelta(days=1)).failed == 0  # parked: left alone
    assert service.verify_audit().ok


def test_a_dead_workers_claim_expires_and_the_timer_runs(service, people, driver, clock, database):
    dossier = _open(service, people, clock)
    driver.walk(dossier.id, ["commune_check"])
    clock.advance(25)
    now = clock.current
    with database.transaction() as repo:  # a worker claims, then dies before settling
        assert len(repo.claim_due_timers(now, 10, now + timer_module.LEASE)) == 1
    assert service.timers.run_due(now).done == 0  # still claimed
    assert service.timers.run_due(now + timer_module.LEASE + dt.timedelta(seconds=1)).notified == 1


def test_the_certificate_arms_the_re_evaluation_notice(service, people, driver, clock):
    dossier = _open(service, people, clock)
    done = driver.walk(dossier.id, ["certified"], stars=4)
    assert done.certificate is not None
    row = next(r for r in service.timers.of_dossier(dossier.id) if r["status"] == "pending")
    assert row["timer"] == "reevaluation_window_opens"
    opens = done.certificate.expires_on - dt.timedelta(days=180)
    assert row["due_at"] == dt.datetime.combine(opens, dt.time(0, 0))


@pytest.fixture
def people(service):  # type: ignore[no-untyped-def]
    return {actor.id: actor for actor in seed_users(service)}


WORKER = """
import sys
from engine.service import Service
from engine.storage.db import make_engine
from engine.storage.repository import Database
from engine.definitions.loader import load_catalog, default_paths
catalog = load_catalog(default_paths()).catalog
service = Service(Database(make_engine(sys.argv[1])).transaction, catalog, sync=False)
service.refresh_catalog(force=True)
while service.timers.run_due(limit=50).done or service.timers.run_due(limit=50).done:
    pass
"""


@pytest.mark.slow
@pytest.mark.skipif(not is_postgres(), reason="SKIP LOCKED between processes: PostgreSQL")
def test_four_workers_run_a_thousand_due_timers_each_exactly_once(  # type: ignore[no-untyped-def]
    service, people, driver, clock, database, database_url
):
    dossier = _open(service, people, clock)
    driver.walk(dossier.id, ["commune_check"])
    past = clock.current - dt.timedelta(days=1)
    with database.transaction() as repo:  # 4,000 due rows of the one state the dossier is in
        # the workers run on the real clock, by which the dossier's own timer is due too: set it aside
        repo.connection.execute(t.timers.update().values(status="cancelled"))
        repo.connection.execute(t.timers.insert(), [
            {"dossier_id": dossier.id, "state": "commune", "timer": "commune_check_late", "phase": "escalate",
             "due_at": past, "status": "pending", "attempts": 0, "created_at": past}
            for _ in range(4000)
        ])  # fmt: skip
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, database_url]) for _ in range(4)]
    assert [w.wait(timeout=1800) for w in workers] == [0, 0, 0, 0]
    with database.transaction(write=False) as repo:
        e, n = t.audit_events.c, t.notifications.c
        done = repo.connection.execute(
            select(func.count()).where(t.timers.c.status == "done", t.timers.c.phase == "escalate")
        ).scalar_one()
        events = repo.connection.execute(
            select(func.count()).where(e.action == "timer", e.dossier_id == dossier.id)
        ).scalar_one()
        notes = repo.connection.execute(
            select(func.count()).where(
                n.dossier_id == dossier.id, n.message_vi.like("%quá hạn kiểm tra cấp xã%")
            )
        ).scalar_one()
    assert (done, events, notes) == (4000, 4000, 4000)
    assert service.verify_audit().ok


def test_a_working_day_timer_pauses_with_the_review_clock_and_resumes_with_what_was_left(
    service, people, driver, clock, database
):
    """Issue 14, item 1: a return for supplementation (`returned`, `clock: paused`) stops the
    commune's 15 working days; resubmitting resumes them with the days left, as the clock counts."""
    from engine.workdays import add_working_days, working_days_between

    dossier = _open(service, people, clock)
    checked = driver.walk(dossier.id, ["commune_check"])
    armed = service.timers.of_dossier(dossier.id)[0]
    entered = checked.updated_at.date()
    assert armed["due_at"].date() == add_working_days(entered, 15)
    clock.advance(4)
    returned_on = clock.current.date()
    left = working_days_between(returned_on, armed["due_at"].date())
    service.fire(people["commune1"], dossier.id, "commune_return", comment="Thiếu phiếu kiểm nghiệm")
    row = service.timers.of_dossier(dossier.id)[0]
    assert (row["status"], row["due_at"]) == ("paused", armed["due_at"])
    shown = service.get_dossier(people["commune1"], dossier.id).clocks[0]
    assert shown.paused_on is not None and shown.days_left == left  # the page's "còn N ngày"

    clock.advance(60)  # long past the original due moment: nothing runs while paused
    assert service.timers.run_due().done == 0
    last = _notifications(database, dossier.id)[-1]  # still the return's notice, no timer's
    assert (
        last.splitlines()[0].endswith("được trả lại để bổ sung") and "Lý do: Thiếu phiếu kiểm nghiệm" in last
    )

    back = clock.current.date()
    service.fire(people["producer1"], dossier.id, "resubmit")
    row = service.timers.of_dossier(dossier.id)[0]
    assert row["status"] == "pending" and row["paused_at"] is None
    assert working_days_between(back, row["due_at"].date()) == left
    assert row["due_at"].time() == armed["due_at"].time()
    clock_after = service.get_dossier(people["commune1"], dossier.id).clocks[0]
    assert clock_after.due_on == row["due_at"].date()  # the timer and the clock agree
    _actor, fired = _events(database, dossier.id, "fire")[-1]
    assert {"effect": "resume_timer", "timer": "commune_check_late", "state": "commune",
            "due_at": row["due_at"].isoformat()} in fired["effects"]  # fmt: skip

    clock.current = row["due_at"] - dt.timedelta(minutes=1)
    assert service.timers.run_due().done == 0  # not a minute early
    clock.current = row["due_at"] + dt.timedelta(minutes=1)
    assert service.timers.run_due().notified == 1
    assert "quá 15 ngày làm việc" in _notifications(database, dossier.id)[-1]
