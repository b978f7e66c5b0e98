from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.audit import (
    GENESIS,
    ROW_FIELDS,
    AuditEvent,
    canonical,
    chain_hash,
    payload_digest,
    seal,
    verify,
    verify_rows,
)


def make_chain(n: int) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    previous: AuditEvent | None = None
    for i in range(n):
        draft = AuditEvent(
            seq=0,
            at=f"2026-06-01T08:{i % 60:02d}:00Z",
            actor=f"user-{i % 3}",
            action="fire" if i % 2 else "save_form",
            dossier_id=f"d-{i // 4}",
            from_state="draft" if i % 2 else None,
            to_state="commune_check" if i % 2 else None,
            definition_hash="ab" * 32,
            payload_digest=payload_digest({"i": i}),
            comment='Hồ sơ đủ "điều kiện"' if i % 5 == 0 else None,
        )
        previous = seal(draft, previous)
        events.append(previous)
    return events


def test_canonical_form_is_sorted_compact_json_of_every_field_but_the_hash() -> None:
    event = make_chain(1)[0]
    fields = {k: v for k, v in event.as_dict().items() if k != "hash"}
    expected = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert canonical(event) == expected
    assert "Hồ sơ".encode() in canonical(event)


OPTIONAL_TEXT = st.none() | st.text()


@given(
    seq=st.integers(min_value=1, max_value=2**62),
    texts=st.tuples(st.text(), st.text(), st.text()),
    optional=st.tuples(*(OPTIONAL_TEXT,) * 6),
)
def test_canonical_form_matches_json_dumps_for_any_text(
    seq: int, texts: tuple[str, str, str], optional: tuple[str | None, ...]
) -> None:
    at, actor, action = texts
    event = AuditEvent(seq, at, actor, action, *optional, prev_hash="f" * 64)
    fields = {k: v for k, v in event.as_dict().items() if k != "hash"}
    expected = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert canonical(event) == expected


def test_seal_links_each_event_to_the_one_before() -> None:
    first, second = make_chain(2)
    assert (first.seq, first.prev_hash) == (1, GENESIS)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert second.hash == hashlib.sha256(canonical(second)).hexdigest()
    assert chain_hash(first.hash, second) == second.hash


def test_an_untouched_chain_verifies() -> None:
    result = verify(make_chain(50))
    assert (result.ok, result.events, result.first_broken, result.problem) == (True, 50, None, None)


def test_an_empty_chain_verifies() -> None:
    assert verify([]).ok


def edit(events: list[AuditEvent]) -> list[AuditEvent]:
    events[6] = dataclasses.replace(events[6], comment="sửa lén")
    return events


def edit_and_reseal(events: list[AuditEvent]) -> list[AuditEvent]:
    changed = dataclasses.replace(events[6], to_state="certified")
    events[6] = dataclasses.replace(changed, hash=chain_hash(changed.prev_hash, changed))
    return events


def delete(events: list[AuditEvent]) -> list[AuditEvent]:
    del events[6]
    return events


def delete_several(events: list[AuditEvent]) -> list[AuditEvent]:
    del events[6:9]
    return events


def delete_and_renumber(events: list[AuditEvent]) -> list[AuditEvent]:
    del events[6]
    return events[:6] + [dataclasses.replace(e, seq=e.seq - 1) for e in events[6:]]


def insert_sealed(events: list[AuditEvent]) -> list[AuditEvent]:
    forged = seal(AuditEvent(seq=0, at="2026-06-01T09:00:00Z", actor="intruder", action="fire"), events[5])
    return [*events[:6], forged, *(dataclasses.replace(e, seq=e.seq + 1) for e in events[6:])]


def insert_duplicate_seq(events: list[AuditEvent]) -> list[AuditEvent]:
    return [*events[:7], dataclasses.replace(events[6], actor="intruder"), *events[7:]]


def swap(events: list[AuditEvent]) -> list[AuditEvent]:
    events[6], events[7] = events[7], events[6]
    return events


def swap_and_renumber(events: list[AuditEvent]) -> list[AuditEvent]:
    a, b = events[6], events[7]
    events[6], events[7] = dataclasses.replace(b, seq=7), dataclasses.replace(a, seq=8)
    return events


def drop_first(events: list[AuditEvent]) -> list[AuditEvent]:
    return events[1:]


TAMPERING = pytest.mark.parametrize(
    ("tamper", "first_broken", "words"),
    [
        (edit, 7, "edited"),
        (edit_and_reseal, 8, "prev_hash"),
        (delete, 7, "missing"),
        (delete_several, 7, "7–9 missing"),
        (delete_and_renumber, 7, "prev_hash"),
        (insert_sealed, 8, "prev_hash"),
        (insert_duplicate_seq, 8, "event 7 found where event 8"),
        (swap, 7, "event 7 comes after event 8 (events reordered)"),
        (swap_and_renumber, 7, "prev_hash"),
        (drop_first, 1, "1 missing"),
    ],
)


@TAMPERING
def test_tampering_is_detected_at_the_first_broken_event(tamper, first_broken: int, words: str) -> None:  # type: ignore[no-untyped-def]
    result = verify(tamper(make_chain(20)))
    assert not result.ok
    assert result.first_broken == first_broken
    assert result.problem is not None and words in result.problem
    assert result.events == first_broken - 1


def test_a_tail_verifies_from_its_last_trusted_event() -> None:
    events = make_chain(20)
    assert verify(events[10:], after=events[9]).ok
    result = verify(events[11:], after=events[9])
    assert (result.ok, result.first_broken) == (False, 11)


def test_payload_digest_does_not_depend_on_key_order_and_handles_dates() -> None:
    a = payload_digest({"b": 1, "a": [1, 2], "on": dt.date(2026, 5, 22), "name": "Trà"})
    b = payload_digest({"name": "Trà", "on": dt.date(2026, 5, 22), "a": [1, 2], "b": 1})
    assert a == b
    assert a != payload_digest({"b": 2, "a": [1, 2], "on": dt.date(2026, 5, 22), "name": "Trà"})
    assert len(a) == 64


def rows(events: list[AuditEvent]) -> list[tuple[object, ...]]:
    """Events as the database returns them: ROW_FIELDS then the payload text."""
    return [
        (*(getattr(e, name) for name in ROW_FIELDS), json.dumps({"i": e.seq - 1}, separators=(",", ":")))
        for e in events
    ]


@TAMPERING
def test_verifying_stored_rows_gives_the_same_verdict_as_verifying_events(
    tamper, first_broken, words
) -> None:  # type: ignore[no-untyped-def]
    tampered = tamper(make_chain(20))
    assert verify_rows(rows(tampered)) == verify(tampered)
    assert verify_rows(rows(tampered)).first_broken == first_broken
    assert (
        verify_rows(rows(make_chain(20)))
        == verify(make_chain(20))
        == verify_rows(rows(make_chain(20)), bad_payloads=[])
    )


@given(
    seq=st.integers(min_value=1, max_value=2**62),
    texts=st.tuples(st.text(), st.text(), st.text()),
    optional=st.tuples(*(OPTIONAL_TEXT,) * 6),
)
def test_stored_rows_hash_to_the_canonical_form_for_any_text(
    seq: int, texts: tuple[str, str, str], optional: tuple[str | None, ...]
) -> None:
    at, actor, action = texts
    draft = AuditEvent(seq, at, actor, action, *optional)
    event = dataclasses.replace(draft, hash=chain_hash(GENESIS, draft))
    trusted = AuditEvent(seq - 1, "", "", "", hash=GENESIS)
    assert verify_rows(rows([event]), after=trusted).ok
    edited = dataclasses.replace(event, at=at + "x")
    assert not verify_rows(rows([edited]), after=trusted).ok


def test_stored_rows_whose_payload_differs_from_its_digest_are_named() -> None:
    stored = rows(make_chain(10))
    stored[3] = (*stored[3][:12], '{"i":99}')
    stored[7] = (*stored[7][:12], None)
    bad: list[int] = []
    assert verify_rows(stored, bad_payloads=bad).ok
    assert bad == [4, 8]
