"""The snapshot a fire returns is built from what the fire wrote (no second read): it must match a fresh read."""

from __future__ import annotations

import datetime as dt

import pytest

REGIMES = {"ocop-2023": dt.date(2025, 3, 1), "ocop-2026": dt.date(2026, 7, 1)}  # 2026 runs clocks


@pytest.mark.parametrize("workflow_id", sorted(REGIMES))
def test_every_fire_returns_the_snapshot_a_fresh_read_gives_while_clocks_pause_resume_and_stop(
    service, people, driver, open_dossier, monkeypatch, workflow_id
):
    fire = service.fire
    checked: list[str] = []

    def checking_fire(actor, dossier_id, transition_id, **kw):  # type: ignore[no-untyped-def]
        returned = fire(actor, dossier_id, transition_id, **kw)
        assert returned == service.get_dossier(people["minister"], dossier_id), transition_id
        checked.append(transition_id)
        return returned

    monkeypatch.setattr(service, "fire", checking_fire)
    dossier = open_dossier(filed_on=REGIMES[workflow_id])
    returned = driver.walk(dossier.id, ["returned"])
    assert all(c.paused_on is not None for c in returned.clocks)
    done = driver.walk(dossier.id, ["commune_check", "certified"], stars=3)
    assert done.state == "certified"
    assert len(checked) >= 10
