"""Audit events and the hash chain that makes tampering visible. No IO.

Every event carries the hash of the event before it (`prev_hash`; the first
event carries GENESIS) and its own `hash`, the SHA-256 of the canonical JSON
of all its other fields. Editing, deleting, inserting or reordering stored
events breaks the chain at a place `verify` names.

The canonical form is sorted-keys compact JSON, UTF-8, non-ASCII kept as is —
exactly `json.dumps(fields, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`. It is built by hand here because verifying is a hot loop.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, Protocol

GENESIS = "0" * 64

# Field names in sorted order: the canonical JSON's key order.
FIELDS = (
    "action",
    "actor",
    "at",
    "comment",
    "definition_hash",
    "dossier_id",
    "from_state",
    "payload_digest",
    "prev_hash",
    "seq",
    "to_state",
)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    seq: int
    at: str  # UTC, ISO 8601
    actor: str
    action: str
    dossier_id: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    definition_hash: str | None = None
    payload_digest: str | None = None
    comment: str | None = None
    prev_hash: str = GENESIS
    hash: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in (*FIELDS, "hash")}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int  # how many events were checked
    first_broken: int | None = None  # the seq where the chain first breaks
    problem: str | None = None
    checkpoints: int = 0  # signed checkpoints checked against the chain (engine/checkpoints.py)


_enc = encode_basestring


def _canonical_values(
    action: str,
    actor: str,
    at: str,
    comment: str | None,
    definition_hash: str | None,
    dossier_id: object,
    from_state: str | None,
    digest: str | None,
    prev_hash: str,
    seq: int,
    to_state: str | None,
) -> bytes:
    """The one canonical form of an event: its fields in FIELDS order, byte-identical to
    json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False). Sealing (production,
    tests, benchmarks) and both verifiers call this; a stored dossier id may be an integer."""
    enc = _enc
    c, h, d, f, p, t = comment, definition_hash, dossier_id, from_state, digest, to_state
    return (
        f'{{"action":{enc(action)},"actor":{enc(actor)},"at":{enc(at)},'
        f'"comment":{"null" if c is None else enc(c)},'
        f'"definition_hash":{"null" if h is None else enc(h)},'
        f'"dossier_id":{"null" if d is None else enc(str(d))},'
        f'"from_state":{"null" if f is None else enc(f)},'
        f'"payload_digest":{"null" if p is None else enc(p)},"prev_hash":{enc(prev_hash)},'
        f'"seq":{int(seq)},"to_state":{"null" if t is None else enc(t)}}}'
    ).encode()


def _canonical(e: AuditEvent, prev_hash: str) -> bytes:
    return _canonical_values(e.action, e.actor, e.at, e.comment, e.definition_hash, e.dossier_id,
                             e.from_state, e.payload_digest, prev_hash, e.seq, e.to_state)  # fmt: skip


def canonical(event: AuditEvent) -> bytes:
    """The bytes that are hashed: every field except `hash`."""
    return _canonical(event, event.prev_hash)


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    """SHA-256 hex of the event's canonical JSON with `prev_hash` in place."""
    return hashlib.sha256(_canonical(event, prev_hash)).hexdigest()


class Link(Protocol):
    """What an event is sealed after: the previous event, or the stored head (seq, hash)."""

    @property
    def seq(self) -> int: ...
    @property
    def hash(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Head:
    """The chain's recorded head: the last event's seq and hash (0 and GENESIS when empty)."""

    seq: int
    hash: str


def seal(event: AuditEvent, previous: Link | None) -> AuditEvent:
    """`event` linked after `previous` (None: the first event): seq, prev_hash and hash set.

    The only sealing code: storage seals every appended event here (after the stored head),
    tests and benchmarks after the event before.
    """
    seq = previous.seq + 1 if previous is not None else 1
    prev_hash = (previous.hash or GENESIS) if previous is not None else GENESIS
    e = event
    digest = _canonical_values(e.action, e.actor, e.at, e.comment, e.definition_hash, e.dossier_id,
                               e.from_state, e.payload_digest, prev_hash, seq, e.to_state)  # fmt: skip
    return AuditEvent(seq, e.at, e.actor, e.action, e.dossier_id, e.from_state, e.to_state, e.definition_hash,
                      e.payload_digest, e.comment, prev_hash, hashlib.sha256(digest).hexdigest())  # fmt: skip


def canonical_payload(payload: Any) -> str:
    """The stored form of a payload (dates and other objects as strings); its SHA-256 is the digest."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def text_digest(text: str) -> str:
    """SHA-256 hex of a stored payload text: what an event's payload_digest must equal."""
    return hashlib.sha256(text.encode()).hexdigest()


def payload_digest(payload: Any) -> str:
    """SHA-256 hex of a payload's canonical JSON."""
    return text_digest(canonical_payload(payload))


def verify(
    events: Iterable[AuditEvent], *, after: AuditEvent | _Trusted | None = None, _counted: int = 0
) -> VerifyResult:
    """Check the chain in the order given; name the first seq where it breaks.

    `after` is the last trusted event when only a tail of the chain is checked;
    without it the events must start at seq 1 from GENESIS.
    """
    sha256 = hashlib.sha256
    expected_seq = after.seq + 1 if after is not None else 1
    expected_prev = after.hash if after is not None else GENESIS
    count = _counted
    stream = iter(events)
    for e in stream:
        seq = e.seq
        if seq != expected_seq:
            return _broken(count, e, expected_seq, stream)
        if e.prev_hash != expected_prev:
            return VerifyResult(
                False,
                count,
                seq,
                f"event {seq} does not follow event {seq - 1}: its prev_hash differs from that event's hash "
                f"(event {seq - 1} was changed and re-sealed, or events were removed or inserted)",
            )
        if sha256(_canonical(e, expected_prev)).hexdigest() != e.hash:
            return VerifyResult(False, count, seq, _edited(seq))
        expected_prev = e.hash
        expected_seq = seq + 1
        count += 1
    return VerifyResult(True, count)


# The order of a stored event's columns as `verify_rows` reads them.
ROW_FIELDS = (
    "seq", "at", "actor", "action", "dossier_id", "from_state", "to_state", "definition_hash", "payload_digest",
    "comment", "prev_hash", "hash",
)  # fmt: skip


def event_from_row(row: Sequence[Any]) -> AuditEvent:
    """The event of a stored row in ROW_FIELDS order (dossier ids are stored as integers)."""
    seq, at, actor, action, dossier, frm, to, definition, digest, comment, prev, hash_ = row[:12]
    return AuditEvent(seq, at, actor, action, None if dossier is None else str(dossier), frm, to,
                      definition, digest, comment, prev, hash_)  # fmt: skip


def verify_rows(
    rows: Iterable[Sequence[Any]], *, after: AuditEvent | None = None, bad_payloads: list[int] | None = None
) -> VerifyResult:
    """`verify` over stored rows, read straight from a database cursor: no event objects.

    Each row holds the ROW_FIELDS columns, then (when `bad_payloads` is given) the stored
    payload text, whose SHA-256 must equal the row's payload_digest; the seq of every
    mismatch is appended to `bad_payloads`. The canonical bytes are the ones `canonical`
    builds (same key order, same escaping); verdicts and messages are `verify`'s.
    """
    sha256, canonical_values = hashlib.sha256, _canonical_values
    expected_seq = after.seq + 1 if after is not None else 1
    expected_prev = after.hash if after is not None else GENESIS
    check_payloads = bad_payloads is not None
    bad = bad_payloads if bad_payloads is not None else []
    count = 0
    stream = iter(rows)
    for row in stream:
        seq, at, actor, action, d, f, t, h, p, c, prev, hash_ = row[:12]
        if seq != expected_seq or prev != expected_prev:
            return verify(itertools.chain((event_from_row(row),), map(event_from_row, stream)),
                          after=_Trusted(expected_seq - 1, expected_prev), _counted=count)  # fmt: skip
        if check_payloads and sha256((row[12] or "").encode()).hexdigest() != p:
            bad.append(seq)
        canonical_bytes = canonical_values(action, actor, at, c, h, d, f, p, prev, seq, t)
        if sha256(canonical_bytes).hexdigest() != hash_:
            return VerifyResult(False, count, seq, _edited(seq))
        expected_prev = hash_
        expected_seq = seq + 1
        count += 1
    return VerifyResult(True, count)


@dataclass(frozen=True)
class _Trusted:
    """The last event checked so far, as `verify`'s `after` (only seq and hash are read)."""

    seq: int
    hash: str


def _edited(seq: int) -> str:
    return f"event {seq} was edited: its content does not match its hash"


def _broken(count: int, e: AuditEvent, expected_seq: int, rest: Iterable[AuditEvent]) -> VerifyResult:
    if e.seq > expected_seq:
        # The cold path may read on: an event that turns up later was moved, not deleted.
        if any(later.seq == expected_seq for later in rest):
            return VerifyResult(
                False,
                count,
                expected_seq,
                f"event {expected_seq} comes after event {e.seq} (events reordered)",
            )
        missing = f"{expected_seq}" if e.seq == expected_seq + 1 else f"{expected_seq}–{e.seq - 1}"
        return VerifyResult(
            False, count, expected_seq, f"event {missing} missing before event {e.seq} (deleted)"
        )
    return VerifyResult(
        False,
        count,
        expected_seq,
        f"event {e.seq} found where event {expected_seq} should be (events reordered, duplicated or inserted)",
    )
