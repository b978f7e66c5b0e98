"""Signed checkpoints of the audit chain's head, and the check of a chain against them. No IO.

A checkpoint says "at `at`, the chain held `seq` events and event `seq` had hash `head_hash`",
signed with Ed25519 by a key kept outside the database (the instance folder). An auditor keeps
exported checkpoints elsewhere. Whoever can write to the database can re-seal the whole chain
after an edit, renumber it after a deletion, or cut its tail and move the head back: every one
of those leaves some checkpoint whose event is gone or has another hash. Like CloudTrail digest
files and transparency-log signed tree heads, a checkpoint cannot be forged without the key.

The signed bytes are a fixed prefix and the canonical JSON (sorted keys, compact, UTF-8) of
seq, head_hash, at and key_id; the signature is hex.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from engine.messages import Message, say

DOMAIN = b"ocopflow-audit-checkpoint-v1\n"
FIELDS = ("seq", "head_hash", "at", "signature", "key_id")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int  # events in the chain when it was signed (0: empty chain)
    head_hash: str  # the hash of event `seq`
    at: str  # UTC, ISO 8601
    signature: str  # hex Ed25519 signature of `signed_bytes`
    key_id: str  # `key_id(public key)` of the signer

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in FIELDS}

    def to_line(self) -> str:
        """One line of an exported checkpoint file (JSON lines)."""
        return json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class CheckpointFileError(ValueError):
    """A checkpoint file line that is not a checkpoint; str() names the line."""


def key_id(public_key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signed_bytes(seq: int, head_hash: str, at: str, signer: str) -> bytes:
    body = {"at": at, "head_hash": head_hash, "key_id": signer, "seq": int(seq)}
    return DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(private_key: Ed25519PrivateKey, seq: int, head_hash: str, at: str) -> Checkpoint:
    signer = key_id(private_key.public_key())
    signature = private_key.sign(signed_bytes(seq, head_hash, at, signer)).hex()
    return Checkpoint(int(seq), head_hash, at, signature, signer)


def signature_problem(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> Message | None:
    """None when `public_key` signed exactly this checkpoint; else why not, in plain words."""
    c = checkpoint
    if c.key_id != key_id(public_key):
        return say("checkpoint.other_key", seq=c.seq, at=c.at, signer=c.key_id, key=key_id(public_key))
    try:
        public_key.verify(bytes.fromhex(c.signature), signed_bytes(c.seq, c.head_hash, c.at, c.key_id))
    except (InvalidSignature, ValueError):
        return say("checkpoint.bad_signature", seq=c.seq, at=c.at)
    return None


def parse_lines(lines: Iterable[str], source: str = "checkpoints") -> list[Checkpoint]:
    """The checkpoints of an exported file; CheckpointFileError names the first bad line."""
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            out.append(
                Checkpoint(
                    int(data["seq"]),
                    str(data["head_hash"]),
                    str(data["at"]),
                    str(data["signature"]),
                    str(data["key_id"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointFileError(
                f"{source}:{number}: not a checkpoint ({exc.__class__.__name__})"
            ) from exc
    return out


@dataclass(frozen=True)
class Finding:
    """One checkpoint the chain does not reach; `first` is the earliest event it puts in doubt."""

    first: int
    message: Message

    @property
    def problem(self) -> str:
        """In English, as the chain's own problems are (logs, the CLI, the API)."""
        return self.message.en


def check(
    checkpoints: Iterable[Checkpoint],
    *,
    chain_end: int,
    hash_at: Callable[[int], str | None],
    public_key: Ed25519PublicKey | None,
) -> list[Finding]:
    """Every checkpoint the chain (already verified from GENESIS to `chain_end`) fails to reach.

    `hash_at(seq)` is the stored hash of event seq (None: no such event). A checkpoint whose
    signature fails is reported and not used; a rewrite is narrowed to the events between the
    last checkpoint that still holds and the first that does not.
    """
    findings: list[Finding] = []
    holds = 0  # the highest seq a valid checkpoint vouches for
    for c in sorted(checkpoints, key=lambda c: c.seq):
        bad = signature_problem(c, public_key) if public_key is not None else None
        if bad is not None:
            findings.append(Finding(max(1, c.seq), bad))
        elif c.seq > chain_end:
            count = c.seq - chain_end
            found = say("checkpoint.cut", end=chain_end, at=c.at, seq=c.seq, count=count, first=holds + 1)
            findings.append(Finding(holds + 1, found))
        elif c.seq and hash_at(c.seq) != c.head_hash:
            findings.append(
                Finding(holds + 1, say("checkpoint.rewritten", seq=c.seq, at=c.at, first=holds + 1))
            )
        else:
            holds = max(holds, c.seq)
    return findings


def missing_from(stored: Mapping[int, Checkpoint], kept: Iterable[Checkpoint]) -> list[Finding]:
    """Checkpoints the auditor kept that the database no longer holds (deleted to hide a rewrite)."""
    return [
        Finding(max(1, c.seq), say("checkpoint.missing", at=c.at, seq=c.seq))
        for c in kept
        if c.seq not in stored or stored[c.seq].signature != c.signature
    ]
