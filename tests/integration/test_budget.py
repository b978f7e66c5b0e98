"""Spending against a plan's budget lines (issue 13): refused beyond the planned amount, saying by
how much in đồng, unless the plan's YAML allows the overrun; audited; scoped; safe under a race."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from engine.errors import InvalidForm, NotFound, OcopflowError, PermissionDenied
from engine.permissions import Actor
from engine.storage import tables as t

PLAN = "tay-ninh-2025-2026"  # province (500.000.000 đ, no overrun) and producers (100.000.000 đ, overrun allowed)


@pytest.fixture
def officer(make_actor: Callable[..., Actor]) -> Actor:
    return make_actor("tayninh", ["province_officer"], area="80")


def _record(service: Any, actor: Actor, line: str, amount: str, **kw: Any) -> Any:
    return service.budget.record(actor, PLAN, line, amount=amount, spent_on=kw.pop("on", "2026-06-15"),
                                 note=kw.pop("note", "Hội chợ OCOP"), locale=kw.pop("locale", "vi"), **kw)  # fmt: skip


def _refusal(exc: InvalidForm, field: str, lang: str = "vi") -> str:
    return str(exc.problems[field].get(lang))


def test_spending_typed_the_vietnamese_way_is_stored_and_shown_against_the_line(
    service: Any, officer: Actor
) -> None:
    entry = _record(service, officer, "province", "1.200.000", reference="PC-12/2026")
    _record(service, officer, "province", "300.000,5")
    budget = service.budget.budget(officer, PLAN)
    line = next(b for b in budget.lines if b.line.id == "province")
    assert entry.amount == 1_200_000 and entry.reference == "PC-12/2026"
    assert (line.planned, line.spent, line.remaining) == (500_000_000, 1_500_000.5, 498_499_999.5)
    by_source = {s.source.id: (s.planned, s.spent) for s in budget.sources}
    assert by_source == {"province": (500_000_000, 1_500_000.5), "producers": (100_000_000, 0)}
    assert [e.amount for e in budget.entries] == [300_000.5, 1_200_000]
    assert budget.may_record is True


def test_an_entry_beyond_the_planned_amount_is_refused_saying_by_how_much(
    service: Any, officer: Actor
) -> None:
    _record(service, officer, "province", "499.000.000")
    with pytest.raises(InvalidForm) as refused:
        _record(service, officer, "province", "1.200.000")
    assert "vượt dòng kinh phí 'Ngân sách tỉnh' 200.000 đồng" in _refusal(refused.value, "amount")
    assert "499.000.000 đồng trên 500.000.000 đồng" in _refusal(refused.value, "amount")
    assert "by 200,000 đồng" in _refusal(refused.value, "amount", "en")
    assert service.budget.budget(officer, PLAN).spent == 499_000_000  # nothing stored
    _record(service, officer, "province", "1.000.000")  # exactly the planned amount is not an overrun
    assert service.budget.budget(officer, PLAN).lines[0].remaining == 0


def test_a_line_whose_yaml_allows_overruns_takes_spending_beyond_its_plan(
    service: Any, officer: Actor
) -> None:
    _record(service, officer, "producers", "150.000.000")
    line = next(b for b in service.budget.budget(officer, PLAN).lines if b.line.id == "producers")
    assert line.spent == 150_000_000 and line.over and line.remaining == -50_000_000


def test_each_entry_writes_an_audit_event_and_the_chain_holds(
    service: Any, officer: Actor, database: Any
) -> None:
    entry = _record(service, officer, "province", "2.500.000", note="In tem nhãn", reference="HĐ 7")
    with database.transaction(write=False) as repo:
        rows = repo.connection.execute(
            select(t.audit_events).where(t.audit_events.c.action == "record_spending")
        ).mappings().all()  # fmt: skip
    assert len(rows) == 1 and rows[0]["actor"] == "tayninh"
    payload = json.loads(rows[0]["payload"])
    assert payload == {"plan": PLAN, "plan_version": "1", "line": "province", "entry": entry.id,
                       "amount": "2500000", "spent_on": "2026-06-15", "note": "In tem nhãn",
                       "reference": "HĐ 7", "over_planned": False}  # fmt: skip
    assert rows[0]["definition_hash"] == service.catalog.plans[PLAN].source.sha256
    assert service.verify_audit().ok


@pytest.mark.parametrize(
    ("amount", "field", "words"),
    [
        ("1,200", "amount", "1,200"),  # vi: a decimal comma before three digits is a doubt, not a guess
        ("0", "amount", "lớn hơn 0"),
        ("12,345", "amount", "12,345"),
        ("1.200,555", "amount", "hai chữ số thập phân"),
        ("mười nghìn", "amount", "số"),
    ],
)
def test_a_wrong_amount_is_refused_with_a_reason(
    service: Any, officer: Actor, amount: str, field: str, words: str
) -> None:
    with pytest.raises(InvalidForm) as refused:
        _record(service, officer, "province", amount)
    assert words in _refusal(refused.value, field)


def test_a_date_in_the_future_or_not_a_date_and_a_missing_note_are_refused(
    service: Any, officer: Actor
) -> None:
    with pytest.raises(InvalidForm) as refused:
        _record(service, officer, "province", "1.000", on="2026-07-02", note=" ")
    assert "tương lai" in _refusal(refused.value, "spent_on")
    assert "nội dung" in _refusal(refused.value, "note")
    with pytest.raises(InvalidForm) as refused:
        _record(service, officer, "province", "1.000", on="15/06/2026")
    assert "15/06/2026" in _refusal(refused.value, "spent_on")


def test_who_may_record_comes_from_the_roles_file_and_the_plans_own_area(
    service: Any, officer: Actor, make_actor: Callable[..., Actor]
) -> None:
    council = make_actor("council", ["council_member"], area="80")  # sees the plan, lacks record_spending
    with pytest.raises(PermissionDenied) as denied:
        _record(service, council, "province", "1.000")
    assert denied.value.reason == "role" and "record_spending" in str(denied.value.text.get("vi"))
    assert service.budget.budget(council, PLAN).may_record is False
    other = make_actor("hanoi", ["province_officer"], area="01")
    with pytest.raises(NotFound):
        service.budget.budget(other, PLAN)
    with pytest.raises(NotFound):
        _record(service, other, "province", "1.000")
    with pytest.raises(NotFound):
        _record(service, officer, "nowhere", "1.000")
    assert service.budget.budget(officer, PLAN).entries == ()


def test_two_officers_recording_at_once_never_jointly_overrun(
    service: Any, officer: Actor, make_actor: Callable[..., Actor]
) -> None:
    second = make_actor("tayninh2", ["province_officer"], area="80")
    _record(service, officer, "province", "400.000.000")
    people = [officer, second] * 3
    barrier = threading.Barrier(len(people))
    results: list[object] = [None] * len(people)

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = _record(service, people[i], "province", "60.000.000")
        except OcopflowError as exc:
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [r for r in results if isinstance(r, InvalidForm)]
    assert len(refused) == len(people) - 1, results  # 400 + 60 fits in 500; a second 60 does not
    assert service.budget.budget(officer, PLAN).lines[0].spent == 460_000_000
    assert service.verify_audit().ok


def test_a_role_granted_with_its_roles_file_records_spending_like_a_bare_one(
    service: Any, make_actor: Callable[..., Actor]
) -> None:
    """Grants name their roles file (`ocop-2026-roles:province_officer`); the budget reads them so."""
    qualified = make_actor("tayninh-q", ["ocop-2026-roles:province_officer"], area="80")
    entry = _record(service, qualified, "province", "1.000")
    assert entry.amount == 1000
    other = make_actor("council-q", ["ocop-2026-roles:council_member"], area="80")
    with pytest.raises(PermissionDenied):
        _record(service, other, "province", "1.000")
