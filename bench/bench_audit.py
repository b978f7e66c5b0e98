"""Audit chain speed: `verify` in events/s against raw hashlib over the same bytes.

.venv/bin/python bench/bench_audit.py [N]
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import time

from engine.audit import AuditEvent, canonical, payload_digest, seal, verify


def build(n: int) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    previous: AuditEvent | None = None
    digest = payload_digest({"answers": {"1.1": "c"}})
    for i in range(n):
        draft = AuditEvent(
            seq=0,
            at="2026-06-01T08:00:00.000000+00:00",
            actor=f"user-{i % 97}",
            action="fire",
            dossier_id=f"dossier-{i // 8}",
            from_state="commune_check",
            to_state="province_review",
            definition_hash="ab" * 32,
            payload_digest=digest,
            comment="Hồ sơ đầy đủ" if i % 3 == 0 else None,
        )
        previous = seal(draft, previous)
        events.append(previous)
    return events


def best_of(runs: int, fn) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    start = time.perf_counter()
    events = build(n)
    seal_s = time.perf_counter() - start
    blobs = [canonical(e) for e in events]

    def raw() -> None:
        sha = hashlib.sha256
        for blob in blobs:
            sha(blob).hexdigest()

    def check() -> None:
        assert verify(events).ok

    def naive() -> None:
        # What the obvious code would do: asdict + json.dumps(sort_keys=True) per event.
        prev = "0" * 64
        for e in events:
            fields = dataclasses.asdict(e)
            del fields["hash"]
            fields["prev_hash"] = prev
            blob = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            assert hashlib.sha256(blob).hexdigest() == e.hash
            prev = e.hash

    raw_s = best_of(3, raw)
    naive_s = best_of(1, naive)
    verify_s = best_of(3, check)
    print(f"events                 {n:>12,}")
    print(f"seal (build chain)     {n / seal_s:>12,.0f} events/s")
    print(f"verify                 {n / verify_s:>12,.0f} events/s")
    print(f"baseline: raw sha256   {n / raw_s:>12,.0f} events/s (same canonical bytes, precomputed)")
    print(f"naive verify           {n / naive_s:>12,.0f} events/s (asdict + json.dumps per event)")
    print(f"verify / raw sha256    {raw_s / verify_s:>12.2f}x (hashing alone is the ceiling)")
    print(f"verify / naive         {naive_s / verify_s:>12.2f}x faster than the naive loop")


if __name__ == "__main__":
    main()
