"""Read-only questions: history, overdue, my work, certificates, and the audit chain's integrity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine import audit
from engine.errors import NotFound
from engine.permissions import Actor
from engine.service.base import certificate_snapshot
from engine.service.effects import clock_state
from engine.service.scores import ScoringUseCases
from engine.service.snapshots import CertificateSnapshot, DossierSnapshot

MY_WORK_LIMIT = 200


class QueryUseCases(ScoringUseCases):
    def history(self, actor: Actor, dossier_id: int) -> list[audit.AuditEvent]:
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            return [event for event, _ in repo.dossier_events(loaded.row["id"])]

    def history_details(self, actor: Actor, dossier_id: int) -> list[tuple[audit.AuditEvent, Any]]:
        """The events with their stored payloads (form answers, effects, scores)."""
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            return repo.dossier_events(loaded.row["id"])

    def notifications(self, actor: Actor, dossier_id: int) -> list[dict[str, Any]]:
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            return repo.notifications(loaded.row["id"])

    def overdue(self, actor: Actor, today: dt.date | None = None) -> list[DossierSnapshot]:
        """Dossiers in the actor's area with a clock past its due date (paused time not counted)."""
        today = today or self.now().date()
        with self._tx(write=False) as repo:
            late: dict[int, tuple[dt.date, dict[str, Any]]] = {}
            for clock_row, dossier in repo.running_clocks(self.area_filter(actor)):
                workflow = self.registry.workflow(repo, dossier["definition_hash"])
                clock = clock_state(clock_row, workflow)
                if clock.overdue(today):
                    due = clock.due_date(today)
                    if dossier["id"] not in late or due < late[dossier["id"]][0]:
                        late[dossier["id"]] = (due, dossier)
            rows = [d for _, d in sorted(late.values(), key=lambda x: (x[0], x[1]["id"]))]
            snaps = self._snapshots(repo, rows)
        return snaps

    def my_work(self, actor: Actor) -> list[DossierSnapshot]:
        """Dossiers on which the actor can do something now, overdue first."""
        area = self.area_filter(actor)
        with self._tx(write=False) as repo:
            rows = []
            for workflow in self.catalog.workflows.values():
                states = sorted(
                    {s for t in workflow.transitions if actor.roles & set(t.roles) for s in t.sources}
                )
                if states:
                    rows.extend(repo.dossiers_in_states(workflow.id, states, area)[:MY_WORK_LIMIT])
            mine = []
            for row in rows:
                try:
                    loaded = self._load(repo, actor, row["id"])
                except NotFound:
                    continue
                if any(a.allowed for a in self._actions(repo, actor, loaded)):
                    mine.append(row)
            snaps = self._snapshots(repo, mine)
        return sorted(snaps, key=lambda s: (not s.overdue, s.updated_at))

    def certificate_by_number(self, number: str) -> CertificateSnapshot:
        """The public look-up behind the QR code: no sign-in needed."""
        with self._tx(write=False) as repo:
            row = repo.certificate_by_number(number)
        if row is None:
            raise NotFound(f"certificate {number!r} not found")
        return certificate_snapshot(row, self.now().date())

    def certificates(self, actor: Actor, dossier_id: int) -> list[CertificateSnapshot]:
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            rows = repo.certificates_for_dossiers([loaded.row["id"]])
        today = self.now().date()
        return [certificate_snapshot(r, today) for r in rows]

    def verify_audit(self) -> audit.VerifyResult:
        """Walk the whole chain; name the first event edited, deleted, inserted or reordered."""
        return verify_chain(self._tx)


def verify_chain(transaction: Any) -> audit.VerifyResult:
    """The chain check on its own (no definitions needed): `ocopflow audit verify` runs this.

    One pass over the rows: the hash chain (audit.verify), each payload against its
    digest, and the recorded head against the last event (a deleted tail).
    """
    bad_payload: list[int] = []
    with transaction(write=False) as repo:
        result = audit.verify_rows(repo.chain_rows(), bad_payloads=bad_payload)
        head_seq, head_hash = repo.audit_head()
        last = repo.last_events(1) if result.ok else []
    problems: list[tuple[int, str]] = []
    if not result.ok and result.first_broken is not None:
        problems.append((result.first_broken, result.problem or "the chain is broken"))
    elif head_seq != result.events:
        first = result.events + 1
        problems.append((first, f"events {first}–{head_seq} are missing at the end of the chain (deleted)"))
    elif head_seq and (not last or head_hash != last[0].hash):
        problems.append((head_seq, f"event {head_seq} does not match the chain's recorded head"))
    if bad_payload:
        seq = bad_payload[0]
        problems.append((seq, f"event {seq} was edited: its payload does not match its digest"))
    if not problems:
        return result
    first, problem = min(problems)
    return audit.VerifyResult(False, result.events, first, problem)
