"""The demo's people, and the scenario driver, for tests that run whole lifecycles."""

from __future__ import annotations

import pytest

from engine.commands.demo import COMMUNES, ORGANISATIONS, seed_users
from engine.permissions import Actor
from engine.service.scenario import Driver


@pytest.fixture
def people(service) -> dict[str, Actor]:  # type: ignore[no-untyped-def]
    return {actor.id: actor for actor in seed_users(service)}


@pytest.fixture
def driver(service, people: dict[str, Actor], clock) -> Driver:  # type: ignore[no-untyped-def]
    return Driver(service, list(people.values()), before_fire=lambda: clock.advance(1))


@pytest.fixture
def open_dossier(service, people: dict[str, Actor], clock):  # type: ignore[no-untyped-def]
    """open_dossier(workflow_id=None, filed_on=None, producer="producer1", **kw) -> DossierSnapshot."""

    def make(*, producer: str = "producer1", product_set: str = "01", **kw):  # type: ignore[no-untyped-def]
        filed_on = kw.pop("filed_on", None)
        if filed_on is not None:
            clock.set(filed_on)
        return service.open_dossier(
            people[producer],
            product_name=kw.pop("product_name", "Bánh tráng phơi sương"),
            product_set=product_set,
            producer_org=ORGANISATIONS[producer],
            commune_code=COMMUNES[producer],
            filed_on=filed_on,
            **kw,
        )

    return make
