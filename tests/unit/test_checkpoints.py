"""Signed checkpoints, pure: signatures, the exported lines, and which checkpoints a chain misses."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine import checkpoints as cp

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()
HASHES = {seq: f"{seq:064x}" for seq in range(1, 101)}


def signed(seq: int, head: str | None = None) -> cp.Checkpoint:
    return cp.sign(KEY, seq, head or HASHES[seq], f"2026-07-01T{seq % 24:02d}:00:00Z")


def test_a_checkpoint_round_trips_through_its_exported_line_and_its_signature_holds() -> None:
    c = signed(42)
    (back,) = cp.parse_lines([c.to_line(), ""])
    assert back == c and cp.signature_problem(back, PUBLIC) is None


@pytest.mark.parametrize("field", ["seq", "head_hash", "at"])
def test_changing_any_signed_field_breaks_the_signature(field: str) -> None:
    c = signed(42)
    changed = cp.Checkpoint(**{**c.as_dict(), field: 43 if field == "seq" else "x"})  # type: ignore[arg-type]
    message = cp.signature_problem(changed, PUBLIC)
    assert message is not None and message.code == "checkpoint.bad_signature"


def test_a_checkpoint_of_another_key_names_both_keys() -> None:
    other = cp.sign(Ed25519PrivateKey.generate(), 5, HASHES[5], "2026-07-01T09:00:00Z")
    message = cp.signature_problem(other, PUBLIC)
    assert message is not None and message.code == "checkpoint.other_key"
    assert other.key_id in message.en and cp.key_id(PUBLIC) in message.en


def test_a_bad_line_is_named_by_its_number() -> None:
    with pytest.raises(cp.CheckpointFileError, match=r"kept\.jsonl:2"):
        cp.parse_lines([signed(1).to_line(), '{"seq": 2}'], "kept.jsonl")


def test_a_chain_that_reaches_every_checkpoint_has_no_finding() -> None:
    kept = [signed(10), signed(50), signed(100)]
    assert cp.check(kept, chain_end=100, hash_at=HASHES.get, public_key=PUBLIC) == []


def test_a_rewrite_is_narrowed_to_the_span_after_the_last_checkpoint_that_holds() -> None:
    rewritten = {**HASHES, **{s: "e" * 64 for s in range(31, 101)}}  # event 31 edited, the rest re-sealed
    findings = cp.check([signed(10), signed(30), signed(50), signed(100)], chain_end=100,
                        hash_at=rewritten.get, public_key=PUBLIC)  # fmt: skip
    assert [f.first for f in findings] == [31, 31]
    assert (
        findings[0].message.code == "checkpoint.rewritten"
        and "between event 31 and event 50" in findings[0].problem
    )


def test_a_cut_tail_with_the_head_moved_back_misses_the_later_checkpoints() -> None:
    findings = cp.check([signed(20), signed(80)], chain_end=60, hash_at=HASHES.get, public_key=PUBLIC)
    (cut,) = findings
    assert (
        cut.first == 21 and cut.message.code == "checkpoint.cut" and "20 events were removed" in cut.problem
    )


def test_checkpoints_kept_by_the_auditor_but_gone_from_the_database_are_named() -> None:
    kept = [signed(10), signed(20)]
    (gone,) = cp.missing_from({10: kept[0]}, kept)
    assert gone.first == 20 and gone.message.code == "checkpoint.missing"
