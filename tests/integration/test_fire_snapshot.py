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


@pytest.mark.parametrize("workflow_id", sorted(REGIMES))
def test_the_actions_a_fire_answers_with_are_those_a_fresh_read_gives(
    service, people, driver, open_dossier, monkeypatch, workflow_id
):
    """fire_and_actions lists the actor's actions inside the fire's transaction: they must be
    the ones available_actions gives right after, at every step of a whole walk (duties that
    look at who fired what, forms, council sheets and certificates included)."""
    compared: list[str] = []

    def answering_fire(actor, dossier_id, transition_id, **kw):  # type: ignore[no-untyped-def]
        snapshot, actions = service.fire_and_actions(actor, dossier_id, transition_id, **kw)
        assert actions == service.available_actions(actor, dossier_id), transition_id
        assert snapshot == service.get_dossier(people["minister"], dossier_id), transition_id
        compared.append(transition_id)
        return snapshot

    monkeypatch.setattr(service, "fire", answering_fire)
    dossier = open_dossier(filed_on=REGIMES[workflow_id])
    driver.walk(dossier.id, ["returned"])
    done = driver.walk(dossier.id, ["commune_check", "certified"], stars=3)
    assert done.state == "certified"
    assert len(compared) >= 10
