"""The consistency check: replay the audit events and compare each dossier with what they say.

The hash chain proves the events were not rewritten; it says nothing of a dossier row changed
by SQL without an event. This replays every event on a dossier, in seq order, and compares:

- the state: the last event's `to_state` (every event on a dossier records the state it left
  the dossier in: open, fire, migrate, and in-place changes alike);
- the stars: the ones the `open` event carried, then each `record_stars` / `issue_certificate`
  effect of a fire;
- the certificates: each `issue_certificate` effect (number, dossier, stars, expiry), then
  `revoke_certificate` (revoked) and `expire_certificate` (superseded), against the
  certificates table, both ways;
- the evidence: each `attach_evidence` event (id, checksum), then `replace_evidence` (the old
  row goes, the new one comes) and `remove_evidence`, against the evidence table, both ways, and
  the file on disk (present, and its SHA-256 equal to the recorded one);
- the records of the registers: the last event of each record (create, edit, archive, restore)
  against the record's status and the SHA-256 of its values (`values_digest`), both ways.

A plain function over a transaction factory: `ocopflow audit consistency` and the auditors'
page call it. Run `ocopflow audit verify` too: this trusts the events it replays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.messages import Message, say

_HEX64 = re.compile(r"[0-9a-f]{64}")
CERTIFICATE_STATUS = {"issue_certificate": "valid", "revoke_certificate": "revoked",
                      "expire_certificate": "superseded"}  # fmt: skip


@dataclass(frozen=True)
class Difference:
    """One thing a dossier, certificate or evidence row says that its events do not."""

    dossier: int | None
    message: Message

    def text(self, lang: str = "vi") -> str:
        return self.message.get(lang)

    def as_dict(self) -> dict[str, Any]:
        return {"dossier": self.dossier, **self.message.as_dict()}


@dataclass(frozen=True)
class ConsistencyReport:
    dossiers: int
    differences: tuple[Difference, ...]
    checked_at: dt.datetime | None = None
    records: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences


@dataclass
class _Expected:
    """What the events say of one dossier so far."""

    state: str | None = None
    state_seq: int = 0
    stars: int | None = None
    stars_known: bool = False  # an event said how many stars (older `open` events did not)
    opened: bool = False


RECORD_STATUS = {"record.create": "active", "record.edit": "active", "record.restore": "active",
                 "record.archive": "archived"}  # fmt: skip


@dataclass
class _Replay:
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    dossiers: dict[int, _Expected] = field(default_factory=dict)
    certificates: dict[str, dict[str, Any]] = field(default_factory=dict)
    evidence: dict[int, dict[str, Any]] = field(default_factory=dict)

    def event(self, seq: int, dossier: int, action: str, to_state: str | None, payload_text: str) -> None:
        known = self.dossiers.setdefault(dossier, _Expected())
        if to_state is not None:
            known.state, known.state_seq = to_state, seq
        payload = _payload(payload_text)
        if action == "open":
            known.opened = True
            if "stars" in payload:
                known.stars, known.stars_known = payload["stars"], True
        elif action in ("attach_evidence", "replace_evidence") and isinstance(payload.get("id"), int):
            replaced = payload.get("replaced")
            if isinstance(replaced, dict):
                self.evidence.pop(replaced.get("id"), None)  # type: ignore[arg-type]
            self.evidence[payload["id"]] = {**payload, "dossier": dossier, "seq": seq}
        elif action == "remove_evidence" and isinstance(payload.get("id"), int):
            self.evidence.pop(payload["id"], None)
        for effect in payload.get("effects") or ():
            self.effect(seq, dossier, known, effect if isinstance(effect, dict) else {})

    def record_event(self, seq: int, action: str, payload_text: str) -> None:
        payload = _payload(payload_text)
        record = payload.get("record")
        if not isinstance(record, int):
            return
        self.records[record] = {"seq": seq, "status": RECORD_STATUS.get(action),
                                "digest": payload.get("values_digest"), "register": payload.get("register")}  # fmt: skip

    def effect(self, seq: int, dossier: int, known: _Expected, effect: dict[str, Any]) -> None:
        name = effect.get("effect")
        if name in ("record_stars", "issue_certificate") and "stars" in effect:
            known.stars, known.stars_known = effect["stars"], True
        if name not in CERTIFICATE_STATUS or not effect.get("number"):
            return
        number = str(effect["number"])
        if name == "issue_certificate":
            self.certificates[number] = {"dossier": dossier, "stars": effect.get("stars"),
                                         "expires_on": effect.get("expires_on"), "seq": seq}  # fmt: skip
        cert = self.certificates.setdefault(number, {"seq": seq})
        cert["status"], cert["status_seq"] = CERTIFICATE_STATUS[name], seq


def _payload(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _shown(value: Any) -> Any:
    return say("consistency.none") if value is None else value


def check_consistency(transaction: Any, evidence_dir: Path) -> ConsistencyReport:
    """Every difference between the dossiers (and their certificates and evidence) and their events."""
    replay = _Replay()
    out: list[Difference] = []
    with transaction(write=False) as repo:
        repo.snapshot_reads()
        for seq, dossier, action, to_state, payload in repo.dossier_event_stream():
            replay.event(seq, dossier, action, to_state, payload)
        seen = set()
        for dossier, state, stars in repo.dossier_state_stream():
            seen.add(dossier)
            out.extend(_dossier(dossier, state, stars, replay.dossiers.get(dossier)))
        certificates = list(repo.certificate_stream())
        evidence = list(repo.evidence_stream())
        for seq, action, payload in repo.record_event_stream():
            replay.record_event(seq, action, payload)
        records = list(repo.record_stream())
    for dossier, known in sorted(replay.dossiers.items()):
        if dossier not in seen:
            out.append(Difference(dossier, say("consistency.events_without_dossier", dossier=dossier,
                                                seq=known.state_seq)))  # fmt: skip
    out.extend(_certificates(certificates, replay.certificates))
    out.extend(_evidence(evidence, replay.evidence, evidence_dir))
    out.extend(_records(records, replay.records))
    return ConsistencyReport(len(seen), tuple(out), records=len(records))


def _records(rows: list[dict[str, Any]], expected: dict[int, dict[str, Any]]) -> Iterator[Difference]:
    from engine.service.records import values_digest

    stored = {int(r["id"]): r for r in rows}
    for record_id, row in stored.items():
        want = expected.get(record_id)
        register = row["register_id"]
        if want is None:
            yield Difference(None, say("consistency.record_unrecorded", record=record_id, register=register))
            continue
        if want["status"] is not None and row["status"] != want["status"]:
            yield Difference(None, say("consistency.record_status", record=record_id, register=register,
                                       found=row["status"], expected=want["status"], seq=want["seq"]))  # fmt: skip
        if want["digest"] is not None and values_digest(row["data"] or {}) != want["digest"]:
            yield Difference(None, say("consistency.record_changed", record=record_id, register=register,
                                       seq=want["seq"]))  # fmt: skip
    for record_id, want in expected.items():
        if record_id not in stored:
            yield Difference(None, say("consistency.record_missing", record=record_id,
                                       register=want.get("register") or "?", seq=want["seq"]))  # fmt: skip


def _dossier(dossier: int, state: str, stars: int | None, known: _Expected | None) -> Iterator[Difference]:
    if known is None or not known.opened:
        yield Difference(dossier, say("consistency.no_open_event", dossier=dossier))
        if known is None:
            return
    if known.state is not None and state != known.state:
        yield Difference(dossier, say("consistency.state", dossier=dossier, found=state, expected=known.state,
                                      seq=known.state_seq))  # fmt: skip
    if known.stars_known and stars != known.stars:
        yield Difference(dossier, say("consistency.stars", dossier=dossier, found=_shown(stars),
                                      expected=_shown(known.stars)))  # fmt: skip


def _certificates(rows: list[dict[str, Any]], expected: dict[str, dict[str, Any]]) -> Iterator[Difference]:
    stored = {str(r["number"]): r for r in rows}
    for number, row in stored.items():
        want = expected.get(number)
        if want is None or "dossier" not in want:
            yield Difference(row["dossier_id"], say("consistency.certificate_unrecorded", number=number,
                                                    dossier=row["dossier_id"]))  # fmt: skip
            continue
        expires = row["expires_on"].isoformat() if row["expires_on"] is not None else None
        for label, found, wanted, seq in (
            (say("consistency.field_dossier"), row["dossier_id"], want["dossier"], want["seq"]),
            (say("consistency.field_stars"), row["stars"], want["stars"], want["seq"]),
            (say("consistency.field_expires_on"), expires, want["expires_on"], want["seq"]),
            (
                say("consistency.field_status"),
                row["status"],
                want.get("status"),
                want.get("status_seq", want["seq"]),
            ),
        ):
            if wanted is not None and str(found) != str(wanted):
                yield Difference(row["dossier_id"], say("consistency.certificate_changed", number=number,
                                 field=label, found=_shown(found), expected=wanted, seq=seq))  # fmt: skip
    for number, want in expected.items():
        if number not in stored and "dossier" in want:
            yield Difference(want["dossier"], say("consistency.certificate_missing", number=number,
                                                  dossier=want["dossier"], seq=want["seq"]))  # fmt: skip


def _evidence(
    rows: list[dict[str, Any]], expected: dict[int, dict[str, Any]], folder: Path
) -> Iterator[Difference]:
    stored = {int(r["id"]): r for r in rows}
    for evidence_id, row in stored.items():
        name, dossier = row["filename"], row["dossier_id"]
        want = expected.get(evidence_id)
        if want is None:
            yield Difference(dossier, say("consistency.evidence_unrecorded", evidence=evidence_id, filename=name,
                                          dossier=dossier))  # fmt: skip
        elif want.get("sha256") != row["sha256"] or want["dossier"] != dossier:
            yield Difference(dossier, say("consistency.evidence_changed", evidence=evidence_id, filename=name,
                                          dossier=dossier, seq=want["seq"]))  # fmt: skip
        state = _file_state(folder, str(want.get("sha256") if want is not None else row["sha256"]))
        if state == "missing":
            yield Difference(dossier, say("consistency.file_missing", evidence=evidence_id, filename=name,
                                          dossier=dossier))  # fmt: skip
        elif state == "changed":
            yield Difference(dossier, say("consistency.file_changed", evidence=evidence_id, filename=name,
                                          dossier=dossier))  # fmt: skip
    for evidence_id, want in expected.items():
        if evidence_id not in stored:
            yield Difference(want["dossier"], say("consistency.evidence_missing", evidence=evidence_id,
                                                  filename=want.get("filename", "?"), dossier=want["dossier"],
                                                  seq=want["seq"]))  # fmt: skip


def _file_state(folder: Path, digest: str) -> str:
    """Evidence is stored by content hash: the file must exist and still hash to its name."""
    path = folder / digest
    if not _HEX64.fullmatch(digest) or not path.is_file():
        return "missing"
    sha = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            sha.update(chunk)
    return "ok" if sha.hexdigest() == digest else "changed"
