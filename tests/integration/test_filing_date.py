"""Who sets the filing date: the server's clock; a role the workflow's `filing.backdate` names may
give an earlier date within its window, with a reason, audited. The filing date picks the regime."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import InvalidForm, PermissionDenied
from tests.integration.test_definition_store import bundle

TODAY = dt.date(2026, 7, 1)  # the clock fixture's date


@pytest.fixture
def homestay(service, admin, make_actor):  # type: ignore[no-untyped-def]
    service.install_bundle(admin, bundle(**{"roles.yaml": ("four_eyes: true", "four_eyes: false")}))
    return {
        "owner": make_actor("owner1", ["owner"], area="00583", organisation="Nhà Gốm"),
        "desk": make_actor("desk1", ["commune_officer"], area="00583"),
    }


def open_on(service, actor, day, reason=None):  # type: ignore[no-untyped-def]
    return service.open_dossier(
        actor, product_name="Nhà Gốm", product_set="homestay", producer_org="Nhà Gốm",
        commune_code="00583", workflow_id="homestay", filed_on=day, backdate_reason=reason,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("who", "days_back", "reason", "outcome"),
    [
        ("owner", 0, None, "opened"),  # today: anyone who may open
        ("owner", 1, "late", "role"),  # the owner may not back-date
        ("owner", -1, None, "filed_on"),  # the future: nobody
        ("desk", -1, "x", "filed_on"),
        ("desk", 10, None, "backdate_reason"),  # the declared role, but no reason
        ("desk", 10, "Hồ sơ giấy nhận ngày 21/6", "opened"),
        ("desk", 30, "Hồ sơ giấy", "opened"),  # the window's edge
        ("desk", 31, "Hồ sơ giấy", "filed_on"),  # past the window
    ],
)
def test_the_filing_date_truth_table(service, homestay, who, days_back, reason, outcome):
    day = TODAY - dt.timedelta(days=days_back)
    if outcome == "opened":
        assert open_on(service, homestay[who], day, reason).filed_on == day
    elif outcome == "role":
        with pytest.raises(PermissionDenied) as refused:
            open_on(service, homestay[who], day, reason)
        assert refused.value.reason == "backdate" and "commune_officer" in refused.value.message
    else:
        with pytest.raises(InvalidForm) as refused:
            open_on(service, homestay[who], day, reason)
        assert set(refused.value.problems) == {outcome}


def test_a_back_dated_filing_is_audited_with_its_reason(service, homestay):
    import json

    from sqlalchemy import select

    from engine.storage import tables as t

    opened = open_on(service, homestay["desk"], TODAY - dt.timedelta(days=3), "Hồ sơ giấy")
    c = t.audit_events.c
    with service._tx(write=False) as repo:
        (payload,) = repo.connection.execute(
            select(c.payload).where(c.action == "open", c.dossier_id == opened.id)
        ).scalars()
    recorded = json.loads(payload)
    assert recorded["reason"] == "Hồ sơ giấy" and recorded["backdated_on"] == TODAY.isoformat()
    assert recorded["filed_on"] == (TODAY - dt.timedelta(days=3)).isoformat()
    assert service.verify_audit().ok


def test_the_shipped_ocop_regimes_let_nobody_back_date(service, make_actor):
    producer = make_actor("p1", ["producer"], area="25708", organisation="HTX")
    with pytest.raises(PermissionDenied) as refused:
        service.open_dossier(
            producer, product_name="Bánh", product_set="01", producer_org="HTX", commune_code="25708",
            filed_on=TODAY - dt.timedelta(days=400),
        )  # fmt: skip
    assert refused.value.reason == "backdate"
