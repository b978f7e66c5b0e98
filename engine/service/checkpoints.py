"""Signed checkpoints over a repository: the signing key on disk, writing, verifying, status.

Plain functions over a transaction factory, so the CLI, cron, a worker and the service call
the same code. The private key is a file in the instance folder (created on first use, mode
0600), never in the database: whoever rewrites the database cannot sign a new head.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from engine import audit
from engine import checkpoints as cp
from engine.messages import Message

KEY_FILE = "audit-signing-key.pem"


def key_path(instance_dir: Path) -> Path:
    return instance_dir / KEY_FILE


def load_private_key(path: Path, *, create: bool = False) -> Ed25519PrivateKey | None:
    """The signing key at `path`; with `create`, a new one written there first (mode 0600)."""
    if not path.is_file():
        if not create:
            return None
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two first uses at once keep one key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_private_key(path)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        return key
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    loaded = serialization.load_pem_public_key(pem)
    if not isinstance(loaded, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return loaded


@dataclass(frozen=True)
class Written:
    """What `write_checkpoint` did: the new checkpoint, or why none was written."""

    checkpoint: cp.Checkpoint | None
    verified: audit.VerifyResult
    unchanged: bool = False  # the head had not moved since the last checkpoint


def write_checkpoint(transaction: Any, key: Ed25519PrivateKey, now: dt.datetime) -> Written:
    """Verify the chain (hashes, payloads, head, every stored checkpoint), then sign its head.

    On demand and on a schedule alike (`ocopflow audit checkpoint` from cron or a worker).
    A broken chain is never signed: signing it would vouch for the rewrite. Nothing is
    written while the head stays where the last checkpoint left it.
    """
    from engine.service.queries import verify_chain  # queries imports this module

    result = verify_chain(transaction, public_key=key.public_key())
    if not result.ok:
        return Written(None, result)
    with transaction() as repo:
        last = repo.last_checkpoint()
        head_seq, _head_hash = repo.audit_head()
        if head_seq < result.events:  # cannot happen after a passing verify; never sign past the head
            return Written(None, result)
        seq = result.events
        at_hash = repo.audit_hashes([seq]).get(seq, audit.GENESIS) if seq else audit.GENESIS
        if last is not None and last.seq >= seq:
            return Written(None, result, unchanged=True)
        at = now.astimezone(dt.UTC).replace(tzinfo=None) if now.tzinfo else now
        signed = cp.sign(key, seq, at_hash, at.isoformat(timespec="seconds") + "Z")
        repo.add_checkpoint(signed)
    return Written(signed, result)


def stored_checkpoints(transaction: Any) -> list[cp.Checkpoint]:
    with transaction(write=False) as repo:
        return list(repo.checkpoints().values())


def check_against(
    repo: Any, result: audit.VerifyResult, public_key: Ed25519PublicKey | None, kept: Iterable[cp.Checkpoint]
) -> tuple[int, list[cp.Finding]]:
    """The stored checkpoints and the auditor's `kept` ones against a verified chain, read
    in the verification's transaction. Returns how many checkpoints were checked and the findings."""
    kept = list(kept)
    stored = repo.checkpoints()
    every = {(c.seq, c.signature): c for c in (*stored.values(), *kept)}.values()
    hashes = repo.audit_hashes(c.seq for c in every if 0 < c.seq <= result.events)
    findings = cp.check(every, chain_end=result.events, hash_at=hashes.get, public_key=public_key)
    if public_key is not None:
        mine = cp.key_id(public_key)
        findings += cp.missing_from(stored, (c for c in kept if c.key_id == mine))
    return len(every), findings


@dataclass(frozen=True)
class CheckpointStatus:
    """The auditors' page: the last stored checkpoint and whether the chain still reaches it."""

    last: cp.Checkpoint | None
    reaches: bool  # event `last.seq` exists with the signed hash and the head is not behind it
    signature_ok: bool | None  # None: no key to check it with
    head: int
    message: Message | None = None  # why the chain does not reach it, in vi / en

    @property
    def problem(self) -> str | None:
        return None if self.message is None else self.message.en

    @property
    def since(self) -> int:
        """Events appended after the last checkpoint."""
        return max(0, self.head - self.last.seq) if self.last is not None else self.head


def checkpoint_status(transaction: Any, public_key: Ed25519PublicKey | None) -> CheckpointStatus:
    """A cheap check for every page view: the head, event `last.seq` and the signature."""
    with transaction(write=False) as repo:
        repo.snapshot_reads()
        head_seq, _ = repo.audit_head()
        last = repo.last_checkpoint()
        if last is None:
            return CheckpointStatus(None, True, None, head_seq)
        at_hash = repo.audit_hashes([last.seq]).get(last.seq) if last.seq else audit.GENESIS
    signature = None if public_key is None else cp.signature_problem(last, public_key)
    findings = cp.check([last], chain_end=head_seq, hash_at=lambda s: at_hash, public_key=None)
    message = signature or (findings[0].message if findings else None)
    return CheckpointStatus(
        last, not findings, None if public_key is None else signature is None, head_seq, message
    )
