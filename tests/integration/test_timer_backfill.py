"""Timers for dossiers already waiting when their definition gained them (issue 14): armed by a
migration to the new version, or by `ocopflow timers backfill` — idempotent and audited."""

from __future__ import annotations

import datetime as dt
import json

from engine.cli import main
from engine.storage import tables as t
from engine.workdays import add_working_days
from tests.integration.test_versions import new_version


def _timers(database, dossier_id):  # type: ignore[no-untyped-def]
    with database.transaction(write=False) as repo:
        return [(r["state"], r["timer"], r["status"], r["due_at"]) for r in repo.dossier_timers(dossier_id)]


def _forget_timers(database) -> None:  # type: ignore[no-untyped-def]
    """Dossiers from before the timers existed (revision 0005_timers): no row for any of them."""
    with database.transaction() as repo:
        repo.connection.execute(t.timers.delete())


def _events(database, dossier_id, action):  # type: ignore[no-untyped-def]
    e = t.audit_events.c
    with database.transaction(write=False) as repo:
        q = t.audit_events.select().where(e.dossier_id == dossier_id, e.action == action).order_by(e.seq)
        return [json.loads(r.payload) for r in repo.connection.execute(q)]


def test_backfill_arms_a_waiting_dossier_s_timer_from_when_it_came_in_once_and_audited(
    service, people, open_dossier, driver, database, clock
):
    waiting = open_dossier(filed_on=dt.date(2026, 7, 1))
    entered = driver.walk(waiting.id, ["commune_check"]).updated_at
    paused = open_dossier(filed_on=dt.date(2026, 7, 1), product_name="Mứt gừng")
    driver.walk(paused.id, ["returned"])
    _forget_timers(database)
    clock.advance(30)

    report = service.timers.backfill()
    assert (report.changed, report.armed, report.cancelled) == (2, 2, 0)
    [(state, timer, status, due)] = _timers(database, waiting.id)
    assert (state, timer, status) == ("commune", "commune_check_late", "pending")
    assert due == dt.datetime.combine(add_working_days(entered.date(), 15), entered.time())  # not from today
    [(_, _, status, _)] = _timers(database, paused.id)
    assert status == "paused"  # returned for supplementation: waits paused, like its clock
    [event] = _events(database, waiting.id, "timers_backfill")
    assert (
        event["effects"][0]["effect"] == "arm_timer" and event["effects"][0]["timer"] == "commune_check_late"
    )

    again = service.timers.backfill()  # idempotent: nothing left to arm, no new event
    assert (again.changed, again.armed) == (0, 0)
    assert len(_events(database, waiting.id, "timers_backfill")) == 1
    assert len(_timers(database, waiting.id)) == 1
    # the old wait is overdue: the worker tells the commune at once
    assert service.timers.run_due().notified == 1
    assert service.verify_audit().ok


def test_the_command_line_backfill_reports_what_it_armed(
    service, people, open_dossier, driver, database, database_url, capsys
):
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(dossier.id, ["commune_check"])
    _forget_timers(database)
    assert main(["timers", "backfill", "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert f"dossier {dossier.id}\tarm_timer\tcommune/commune_check_late" in out
    assert out.strip().endswith("1 changed, 1 armed, 0 cancelled")
    assert main(["timers", "backfill", "--database-url", database_url]) == 0
    assert capsys.readouterr().out.strip().endswith("0 changed, 0 armed, 0 cancelled")


def test_a_migration_to_a_version_with_a_new_timer_arms_it_for_the_dossiers_it_moves(
    service, people, open_dossier, database, clock
):
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    service.fire(people["producer1"], dossier.id, "submit_plan")
    timer = (
        "    timers:\n"
        "      - id: plan_waiting\n"
        "        after: {days: 10}\n"
        "        notify: [commune_officer]\n"
        '        message: {vi: "Phương án chờ tiếp nhận quá 10 ngày", en: "A business plan has waited 10 days"}\n'
    )
    text = new_version(service).replace(
        '    label: {vi: "Phương án sản xuất kinh doanh", en: "Business plan submitted"}\n',
        '    label: {vi: "Phương án sản xuất kinh doanh", en: "Business plan submitted"}\n' + timer,
    )
    assert "plan_waiting" in text
    service.activate_definition(people["admin"], text, "ocop-2026-v2.yaml")
    clock.advance(2)
    service.apply_migration(
        people["admin"], "2026.2", "2026.3", {"business_plan": "plan_submitted"}, [dossier.id]
    )
    [(state, name, status, due)] = _timers(database, dossier.id)
    assert (state, name, status) == ("plan_submitted", "plan_waiting", "pending")
    # the state was renamed by the migration: the dossier came into it then
    assert due.date() == (clock.current + dt.timedelta(days=10)).date()
    [migrate] = _events(database, dossier.id, "migrate")
    assert migrate["effects"][0]["timer"] == "plan_waiting"
    assert service.timers.backfill().armed == 0  # already armed by the migration
