"""Evaluation rounds (issue 14, item 4; Decision 26/2026 Art. 5): a dossier joins the round of its
filing date in each series of its workflow, and sits in its own round's council sitting."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from engine.errors import PermissionDenied, TransitionNotAllowed
from engine.storage import tables as t


def _keys(service, actor, dossier_id):  # type: ignore[no-untyped-def]
    return [(r.key, r.describe("vi")) for r in service.rounds.of_dossier(actor, dossier_id)]


@pytest.mark.parametrize(
    ("filed_on", "province", "central"),
    [
        (dt.date(2026, 7, 1), "province:2026:dot-2", "central:2026:dot-1"),
        (dt.date(2026, 10, 30), "province:2026:dot-2", "central:2027:dot-2"),  # the cut-off day itself
        (dt.date(2026, 10, 31), "province:2027:dot-1", "central:2027:dot-2"),  # the day after: next year
        (dt.date(2026, 12, 31), "province:2027:dot-1", "central:2027:dot-2"),
    ],
)
def test_a_dossier_joins_the_first_round_whose_cut_off_is_on_or_after_its_filing_date(
    service, people, open_dossier, filed_on, province, central
):
    dossier = open_dossier(filed_on=filed_on)
    keys = [k for k, _ in _keys(service, people["producer1"], dossier.id)]
    assert sorted(keys) == sorted([province, central])


def test_the_round_is_named_in_words_and_noted_in_the_opening_event(service, people, open_dossier, database):
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    shown = service.rounds.of_dossier(people["producer1"], dossier.id)
    province = next(r for r in shown if r.series == "province")
    assert province.describe("vi") == "Đợt 2 năm 2026"
    assert province.series_label.get("vi") == "Đợt đánh giá cấp tỉnh"
    assert province.cutoff == dt.date(2026, 10, 30) and province.sits_by == dt.date(2026, 12, 30)
    e = t.audit_events.c
    with database.transaction(write=False) as repo:
        row = repo.connection.execute(
            t.audit_events.select().where(e.dossier_id == dossier.id, e.action == "open")
        ).one()
    effects = json.loads(row.payload)["effects"]
    assert {"effect": "join_round", "round": "province:2026:dot-2"} in effects


def test_the_work_list_filters_by_round(service, people, open_dossier):
    early = open_dossier(filed_on=dt.date(2026, 7, 1))
    late = open_dossier(filed_on=dt.date(2026, 11, 2), product_name="Mứt gừng")
    officer = people["commune1"]
    page = service.list_dossiers(officer, filters={"round": "province:2026:dot-2"})
    assert [d.id for d in page.items] == [early.id]
    page = service.list_dossiers(officer, filters={"round": "province:2027:dot-1"})
    assert [d.id for d in page.items] == [late.id]
    choices = {c.key: c.label for c in service.rounds.choices("vi")}
    assert choices["province:2027:dot-1"] == "Đợt 1 năm 2027 (Đợt đánh giá cấp tỉnh)"


@pytest.mark.slow
def test_a_council_sits_per_round_and_refuses_a_dossier_of_another_round(
    service, people, open_dossier, driver, database
):
    first = open_dossier(filed_on=dt.date(2026, 7, 1))
    second = open_dossier(filed_on=dt.date(2026, 11, 2), product_name="Mứt gừng")
    driver.walk(first.id, ["council_scoring"])
    driver.walk(second.id, ["council_scoring"])
    chair = people["chair"]
    a = next(r for r in service.rounds.of_dossier(chair, first.id) if r.series == "province")
    b = next(r for r in service.rounds.of_dossier(chair, second.id) if r.series == "province")
    assert a.sitting_id is not None and b.sitting_id is not None and a.sitting_id != b.sitting_id
    assert a.sitting_state == "council_scoring"
    with database.transaction(write=False) as repo:
        sitting = repo.sitting(a.sitting_id)
    assert sitting is not None and (sitting["year"], sitting["round_id"]) == (2026, "dot-2")

    with pytest.raises(TransitionNotAllowed) as refused:
        service.rounds.seat(chair, second.id, a.sitting_id)
    assert refused.value.details["reason"] == "round"
    assert refused.value.text.get("vi") == (
        f"Hồ sơ {second.id} thuộc Đợt 1 năm 2027; phiên họp {a.sitting_id} của Đợt 2 năm 2026 "
        "chỉ nhận hồ sơ của đợt đó."
    )
    with pytest.raises(PermissionDenied):  # only the chair of that council seats dossiers
        service.rounds.seat(people["commune1"], first.id, a.sitting_id)
    # its own round's sitting takes it, audited
    again = service.rounds.seat(chair, first.id, a.sitting_id)
    assert again.sitting_id == a.sitting_id
    e = t.audit_events.c
    with database.transaction(write=False) as repo:
        seats = repo.connection.execute(
            t.audit_events.select().where(e.dossier_id == first.id, e.action == "seat")
        ).all()
    assert [json.loads(r.payload)["round"] for r in seats] == ["province:2026:dot-2"]
