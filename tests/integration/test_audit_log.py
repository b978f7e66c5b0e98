"""The auditors' log through the service: filters and keyset pages in SQL, the actions, the export
stream, the `audit` permission, and the per-process checkpoint of incremental verification."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from engine import audit
from engine.errors import PermissionDenied
from engine.service import queries
from engine.service.queries import AuditFilter
from engine.storage.repository import Repository
from tests.integration._attacker import drop_guards, sql


@pytest.fixture
def log(service, people, driver, open_dossier, clock) -> list[audit.AuditEvent]:  # type: ignore[no-untyped-def]
    """Users, definitions, three dossiers on different days, one walked a few steps: every event."""
    first = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(first.id, ["commune_check"])
    open_dossier(filed_on=dt.date(2026, 7, 20), product_name="Mắm tôm")
    open_dossier(filed_on=dt.date(2026, 8, 3), producer="producer2", product_name="Chè")
    return every_event(service)


def every_event(service: Any) -> list[audit.AuditEvent]:
    with service._tx(write=False) as repo:
        return list(repo.iter_events())


def matches(f: AuditFilter, e: audit.AuditEvent) -> bool:
    """The filter as the old page applied it in Python: the oracle for the SQL."""
    day = e.at[:10]
    return not (
        (f.actor and e.actor != f.actor)
        or (f.action and e.action != f.action)
        or (f.dossier_id is not None and e.dossier_id != str(f.dossier_id))
        or (f.since and day < f.since.isoformat())
        or (f.until and day > f.until.isoformat())
    )


def all_pages(service: Any, actor: Any, f: AuditFilter, per_page: int) -> list[list[int]]:
    pages, before = [], None
    while True:
        page = service.audit_log(actor, f, before=before, per_page=per_page)
        pages.append([e.seq for e in page.events])
        if not page.older:
            return pages
        before = page.events[-1].seq


def filters_for(log: list[audit.AuditEvent]) -> list[AuditFilter]:
    dossier = next(e.dossier_id for e in log if e.action == "fire")
    return [
        AuditFilter(),
        AuditFilter(actor="producer1"),
        AuditFilter(action="fire"),
        AuditFilter(dossier_id=int(dossier)),
        AuditFilter(since=dt.date(2026, 7, 20)),
        AuditFilter(until=dt.date(2026, 7, 19)),
        AuditFilter(since=dt.date(2026, 7, 20), until=dt.date(2026, 7, 20)),
        AuditFilter(actor="producer1", action="open", since=dt.date(2026, 7, 2)),
        AuditFilter(actor="nobody"),
        AuditFilter(dossier_id=999_999),
        AuditFilter(dossier_id=10**17),  # past the id column's range (PostgreSQL refused it: a 500)
    ]


def test_every_page_of_every_filter_holds_exactly_the_matching_events_newest_first(service, people, log):
    auditor = people["auditor"]
    for f in filters_for(log):
        expected = [e.seq for e in reversed(log) if matches(f, e)]
        pages = all_pages(service, auditor, f, per_page=7)
        assert [seq for page in pages for seq in page] == expected, f
        assert all(len(page) == 7 for page in pages[:-1]), f
        assert service.audit_log(auditor, f).total == len(expected), f


def test_the_date_range_is_the_whole_day_on_both_ends(service, people, log):
    days = {e.at[:10] for e in log}
    assert {"2026-07-01", "2026-07-20", "2026-08-03"} <= days
    one_day = AuditFilter(since=dt.date(2026, 7, 20), until=dt.date(2026, 7, 20))
    found = service.audit_log(people["auditor"], one_day, per_page=500).events
    assert found and {e.at[:10] for e in found} == {"2026-07-20"}


def test_paging_back_through_newer_pages_gives_the_same_pages(service, people, log):
    auditor = people["auditor"]
    forward = all_pages(service, auditor, AuditFilter(), per_page=10)
    back, after = [], forward[-1][0]
    while True:
        page = service.audit_log(auditor, AuditFilter(), after=after, per_page=10)
        if not page.events:
            break
        back.append([e.seq for e in page.events])
        assert page.older
        if not page.newer:
            break
        after = page.events[0].seq
    assert back == forward[-2::-1]


def test_page_boundaries_a_full_last_page_and_pages_past_either_end(service, people, log):
    auditor = people["auditor"]
    n = len(log)
    exact = service.audit_log(auditor, AuditFilter(), per_page=n)
    assert len(exact.events) == n and not exact.older and not exact.newer
    one_short = service.audit_log(auditor, AuditFilter(), per_page=n - 1)
    assert one_short.older and [e.seq for e in one_short.events] == list(range(n, 1, -1))
    last = service.audit_log(auditor, AuditFilter(), before=one_short.events[-1].seq, per_page=n - 1)
    assert [e.seq for e in last.events] == [1] and last.newer and not last.older
    oldest = service.audit_log(auditor, AuditFilter(), after=0, per_page=5)
    assert [e.seq for e in oldest.events] == [5, 4, 3, 2, 1] and oldest.newer and not oldest.older
    assert service.audit_log(auditor, AuditFilter(), before=1).events == ()
    assert service.audit_log(auditor, AuditFilter(), after=n).events == ()


def test_a_total_past_the_cap_is_reported_as_more_than_the_cap(service, people, log, monkeypatch):
    monkeypatch.setattr(queries, "AUDIT_COUNT_CAP", 5)
    page = service.audit_log(people["auditor"], AuditFilter(), per_page=3)
    assert page.total == 6 and not page.total_is_exact and page.cap == 5
    few = service.audit_log(people["auditor"], AuditFilter(action="fire"))
    assert few.total_is_exact and few.total == sum(e.action == "fire" for e in log) <= 5


def test_the_actions_offered_are_the_distinct_actions_of_the_whole_log(service, people, log):
    assert service.audit_actions(people["auditor"]) == sorted({e.action for e in log})


def test_the_export_streams_the_matching_events_oldest_first_and_stops_at_its_start(
    service, people, log, open_dossier
):
    auditor = people["auditor"]
    for f in filters_for(log):
        assert [e for e, _ in service.audit_export(auditor, f)] == [e for e in log if matches(f, e)], f
    rows = service.audit_export(auditor, AuditFilter(action="open"))
    first = next(rows)
    open_dossier(product_name="Mở trong lúc xuất")  # appended while the export runs
    assert [first[0], *(e for e, _ in rows)] == [e for e in log if e.action == "open"]


CALLS = {
    "log": lambda s, a: s.audit_log(a, AuditFilter()),
    "actions": lambda s, a: s.audit_actions(a),
    "export": lambda s, a: s.audit_export(a, AuditFilter()),  # refused before the first row is read
    "status": lambda s, a: s.audit_status(a),
    "full-check": lambda s, a: s.check_audit_chain(a),
}


def test_only_a_role_with_the_audit_permission_reads_the_log(service, people, log):
    for who in ("admin", "producer1", "province1", "council1"):
        for name, call in CALLS.items():
            with pytest.raises(PermissionDenied):
                call(service, people[who])
                pytest.fail(f"{who} may {name}")
    for call in CALLS.values():
        call(service, people["auditor"])


# --- incremental verification --------------------------------------------------------------


def slip_in(database: Any, seq: int) -> None:
    """Make room after `seq - 1` and insert a forged event there, sealed after the one before it."""
    with database.engine.begin() as conn:
        drop_guards(conn)
        top = conn.execute(text("SELECT MAX(seq) FROM audit_events")).scalar_one()
        for s in range(top, seq - 1, -1):
            conn.execute(text("UPDATE audit_events SET seq = seq + 1 WHERE seq = :s"), {"s": s})
        prev = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": seq - 1}).scalar_one()
        forged = audit.AuditEvent(seq, "2026-07-01T09:00:00", "mallory", "fire", prev_hash=prev,
                                  payload_digest=audit.payload_digest({}))  # fmt: skip
        row = {**forged.as_dict(), "hash": audit.chain_hash(prev, forged)}
        conn.execute(
            text(
                "INSERT INTO audit_events (seq, at, actor, action, payload_digest, payload, prev_hash, hash) "
                "VALUES (:seq, :at, :actor, :action, :payload_digest, '{}', :prev_hash, :hash)"
            ),
            row,
        )


def test_a_page_view_verifies_only_the_events_appended_since_the_last_one(
    service, people, log, open_dossier, monkeypatch
):
    auditor = people["auditor"]
    first = service.audit_status(auditor)
    assert first.ok and first.through == len(log) and first.pending == 0 and first.full_at is None
    open_dossier(product_name="Thêm một hồ sơ")
    read: list[tuple[int, int]] = []
    original = Repository.audit_tail

    def spy(repo: Any, after: int, upto: int) -> Any:
        read.append((after, upto))
        return original(repo, after, upto)

    monkeypatch.setattr(Repository, "audit_tail", spy)
    second = service.audit_status(auditor)
    head = len(every_event(service))
    assert second.ok and second.through == head > len(log)
    assert read == [(len(log), head)]  # only the new events were read


def test_a_long_backlog_is_verified_a_batch_per_view(service, people, log, monkeypatch):
    monkeypatch.setattr(queries, "AUDIT_CHECK_BATCH", 10)
    auditor = people["auditor"]
    statuses = [service.audit_status(auditor) for _ in range(3)]
    assert [s.through for s in statuses] == [10, 20, 30]
    assert statuses[0].pending == len(log) - 10 and all(s.ok for s in statuses)


def test_an_event_inserted_after_the_checkpoint_is_caught_without_a_full_check(
    service, people, log, database, driver, open_dossier
):
    auditor = people["auditor"]
    checkpoint = service.audit_status(auditor).through
    newer = open_dossier(product_name="Sau điểm kiểm tra")
    driver.walk(newer.id, ["commune_check"])
    slip_in(database, checkpoint + 3)
    status = service.audit_status(auditor)
    assert not status.ok and status.first_broken in {checkpoint + 3, checkpoint + 4}
    assert str(status.first_broken) in (status.problem or "")
    assert status.through == checkpoint  # the checkpoint does not move past a broken chain


def test_an_edit_after_the_checkpoint_is_caught_and_one_before_it_only_by_a_full_check(
    service, people, log, database, open_dossier
):
    auditor = people["auditor"]
    checkpoint = service.audit_status(auditor).through
    sql(database, "UPDATE audit_events SET comment = 'sửa lén' WHERE seq = :s", s=checkpoint // 2)
    assert service.audit_status(auditor).ok  # honest: rows already verified are not read again
    full = service.check_audit_chain(auditor)
    assert not full.ok and full.first_broken == checkpoint // 2 and full.full_at is not None
    assert not service.audit_status(auditor).ok  # the full check's verdict stays on the page

    open_dossier(product_name="Sau điểm kiểm tra")
    head = len(every_event(service))
    sql(database, "UPDATE audit_events SET actor = 'mallory' WHERE seq = :s", s=head)
    fresh = type(service)(service._tx, service.catalog, sync=False)  # another process: no checkpoint
    status = fresh.audit_status(auditor)
    assert not status.ok and status.first_broken == checkpoint // 2


@pytest.mark.parametrize("where", ["payload", "head"])
def test_an_edited_payload_or_a_moved_head_after_the_checkpoint_is_caught(
    service, people, log, database, open_dossier, where
):
    auditor = people["auditor"]
    checkpoint = service.audit_status(auditor).through
    open_dossier(product_name="Sau điểm kiểm tra")
    if where == "payload":
        sql(database, "UPDATE audit_events SET payload = '{\"forged\": 1}' WHERE seq = :s", s=checkpoint + 1)
    else:
        sql(database, "UPDATE audit_head SET hash = :h", h="f" * 64)
    status = service.audit_status(auditor)
    assert not status.ok and status.first_broken is not None and status.first_broken > checkpoint


def test_verified_events_deleted_or_resealed_are_caught_at_the_checkpoint(service, people, log, database):
    auditor = people["auditor"]
    checkpoint = service.audit_status(auditor).through
    sql(database, "UPDATE audit_events SET hash = :h WHERE seq = :s", h="e" * 64, s=checkpoint)
    assert service.audit_status(auditor).first_broken == checkpoint
    sql(database, "DELETE FROM audit_events WHERE seq > :s", s=checkpoint - 2)
    sql(database, "UPDATE audit_head SET seq = :s", s=checkpoint - 2)
    gone = service.audit_status(auditor)
    assert not gone.ok and gone.first_broken == checkpoint - 1 and "missing" in (gone.problem or "")


def test_a_full_check_moves_the_checkpoint_to_the_end_of_the_chain(service, people, log, monkeypatch):
    monkeypatch.setattr(queries, "AUDIT_CHECK_BATCH", 5)
    auditor = people["auditor"]
    assert service.audit_status(auditor).through == 5
    full = service.check_audit_chain(auditor)
    assert full.ok and full.through == len(log) and full.pending == 0 and full.full_at is not None
    assert service.verify_audit().ok  # the full verification itself is unchanged
