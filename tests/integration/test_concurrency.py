"""Threads firing on one dossier: exactly one wins per version, nothing is half-written, the chain holds."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections import Counter

from engine.errors import Conflict, OcopflowError, TransitionNotAllowed

THREADS = 8
ROUNDS = 6


def back_and_forth(service, people, driver, open_dossier):  # type: ignore[no-untyped-def]
    """A dossier in the commune check, where 'return' and 'resubmit' make a cycle to fire around."""
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    return driver.walk(dossier.id, ["commune_check"])


NEXT = {"commune_check": ("commune1", "commune_return"), "returned": ("producer1", "resubmit")}


def race(n: int, work) -> list[object]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except OcopflowError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_of_threads_firing_with_the_same_version_exactly_one_succeeds_each_round(
    service, people, driver, open_dossier
):
    dossier = back_and_forth(service, people, driver, open_dossier)
    for _ in range(ROUNDS):
        current = service.get_dossier(people["commune1"], dossier.id)
        actor, transition = NEXT[current.state]

        def work(_: int, current=current, actor=actor, transition=transition):  # type: ignore[no-untyped-def]
            return service.fire(
                people[actor], dossier.id, transition, comment="bổ sung", expected_version=current.version
            )

        results = race(THREADS, work)
        kinds = Counter(type(r).__name__ for r in results)
        assert kinds == {"DossierSnapshot": 1, "Conflict": THREADS - 1}, kinds
        after = service.get_dossier(people["commune1"], dossier.id)
        assert after.version == current.version + 1
    assert service.verify_audit().ok


def test_a_free_for_all_leaves_the_state_equal_to_the_last_audit_event(service, people, driver, open_dossier):
    dossier = back_and_forth(service, people, driver, open_dossier)
    start = len([e for e in service.history(people["commune1"], dossier.id) if e.action == "fire"])
    wins = Counter()  # type: ignore[var-annotated]
    lock = threading.Lock()

    def work(i: int) -> int:
        won = 0
        for _ in range(ROUNDS):
            for actor, transition in NEXT.values():
                try:
                    service.fire(people[actor], dossier.id, transition, comment="bổ sung")
                    won += 1
                except (Conflict, TransitionNotAllowed):
                    pass
        with lock:
            wins[i] = won
        return won

    race(THREADS, work)
    final = service.get_dossier(people["commune1"], dossier.id)
    events = [e for e in service.history(people["commune1"], dossier.id) if e.action == "fire"]
    assert sum(wins.values()) == len(events) - start > 0
    assert events[-1].to_state == final.state
    # Every fire moved the dossier from where the previous one left it: no lost update.
    for before, after in itertools.pairwise(events):
        assert after.from_state == before.to_state
    assert service.verify_audit().ok
