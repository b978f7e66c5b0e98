"""Read-only questions: history, overdue, my work, certificates, and the audit chain's integrity."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine import audit
from engine.certificate_signing import normalize_number
from engine.checkpoints import Checkpoint
from engine.definitions import councils
from engine.errors import Conflict, NotFound
from engine.messages import say
from engine.permissions import Actor, local_roles
from engine.service import checkpoints, consistency
from engine.service.base import certificate_snapshot
from engine.service.effects import clock_state
from engine.service.scores import ScoringUseCases
from engine.service.snapshots import CertificateSnapshot, DossierSnapshot
from engine.storage.audit_query import AuditFilter
from engine.storage.repository import Repository

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MY_WORK_LIMIT = 200
AUDIT_PER_PAGE_MAX = 500
AUDIT_COUNT_CAP = 10_000  # totals above this read "more than 10,000", as the dossier list does
AUDIT_CHECK_BATCH = 5_000  # events one page view verifies at most (tens of ms); the rest on the next views


class QueryUseCases(ScoringUseCases):
    # Provided by AccountUseCases, next to this mixin in Service (engine/service/__init__.py).
    require: Callable[[Actor | None, str], None]

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
        """Dossiers on which the actor can do something now, overdue first: fire a transition,
        or score where their council sits (or their own criteria are awaited) and they have not
        handed in a final sheet yet."""
        area = self.area_filter(actor)
        with self._tx(write=False) as repo:
            rows = []
            for workflow in self.catalog.workflows.values():
                roleset = self.catalog.roles.get(workflow.roles)
                held = local_roles(actor.roles, roleset) if roleset is not None else frozenset()
                states = {s for t in workflow.transitions if held & set(t.roles) for s in t.sources}
                # a state where the dossier rests (`rest: true`, e.g. certified) is nobody's pending work
                states -= {sid for sid, state in workflow.states.items() if state.rests}
                if roleset is not None:
                    sittings = councils.sittings(workflow, roleset, self._assessor_roles(workflow.id))
                    states |= {s for s, council in sittings.items() if held & set(council.roles)}
                states |= {
                    s for t in workflow.transitions if held & set(t.requires.sheets) for s in t.sources
                }
                if states:
                    rows.extend(repo.dossiers_in_states(workflow.id, sorted(states), area)[:MY_WORK_LIMIT])
            mine = []
            for row in rows:
                try:
                    loaded = self._load(repo, actor, row["id"])
                except NotFound:
                    continue
                if any(a.allowed for a in self._actions(repo, actor, loaded)) or self._sheet_awaited(
                    repo, actor, loaded
                ):
                    mine.append(row)
            snaps = self._snapshots(repo, mine)
        return sorted(snaps, key=lambda s: (not s.overdue, s.updated_at))

    def certificate_by_number(self, number: str) -> CertificateSnapshot:
        """The public look-up behind the QR code: no sign-in needed."""
        with self._tx(write=False) as repo:
            row = repo.certificate_by_number(number) or repo.certificate_by_typed_number(
                normalize_number(number)
            )
        if row is None:
            raise NotFound(say("certificate.not_found", number=number))
        return certificate_snapshot(row, self.now().date())

    def certificates(self, actor: Actor, dossier_id: int) -> list[CertificateSnapshot]:
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            rows = repo.certificates_for_dossiers([loaded.row["id"]])
        today = self.now().date()
        return [certificate_snapshot(r, today) for r in rows]

    def verify_audit(self, kept: Iterable[Checkpoint] = ()) -> audit.VerifyResult:
        """Walk the whole chain; name the first event edited, deleted, inserted or reordered,
        and check it still reaches every signed checkpoint (stored, and `kept` by an auditor)."""
        return verify_chain(self._tx, public_key=self._audit_public_key(), kept=kept)

    def write_audit_checkpoint(self) -> checkpoints.Written:
        """Verify the chain and sign its head (the key is created on first use)."""
        key = checkpoints.load_private_key(self.signing_key, create=True)
        assert key is not None
        return checkpoints.write_checkpoint(self._tx, key, self.now())

    def audit_checkpoint_status(self, actor: Actor) -> checkpoints.CheckpointStatus:
        """The last checkpoint and whether the chain still reaches it (the auditors' page)."""
        self.require(actor, "audit")
        return checkpoints.checkpoint_status(self._tx, self._audit_public_key())

    def audit_consistency(self, actor: Actor) -> consistency.ConsistencyReport:
        """Replay every dossier's events against its state, stars, certificates and evidence."""
        self.require(actor, "audit")
        found = consistency.check_consistency(self._tx, self.evidence_dir)
        return consistency.ConsistencyReport(found.dossiers, found.differences, self.now())

    def _audit_public_key(self) -> Ed25519PublicKey | None:
        key = checkpoints.load_private_key(self.signing_key)
        return None if key is None else key.public_key()

    # --- the auditors' page: filtered pages in SQL, incremental verification ---------------

    def audit_log(
        self,
        actor: Actor,
        filters: AuditFilter,
        *,
        before: int | None = None,
        after: int | None = None,
        per_page: int = 50,
    ) -> AuditLog:
        """One page of matching events, newest first: older than `before`, or the page just
        newer than `after` (`after=0`: the oldest page); neither: the newest page."""
        self.require(actor, "audit")
        per_page = min(AUDIT_PER_PAGE_MAX, max(1, per_page))
        with self._tx(write=False) as repo:
            found = repo.audit_page(filters, before=before, after=after, limit=per_page + 1)
            more = len(found) > per_page
            events = found[1:] if after is not None and more else found[:per_page]
            newer = older = False
            if events:
                top, bottom = events[0].seq, events[-1].seq
                newer = more if after is not None else repo.audit_exists(filters, after=top)
                older = repo.audit_exists(filters, before=bottom) if after is not None else more
            total = repo.audit_count(filters, cap=AUDIT_COUNT_CAP)
            subjects = repo.audit_subjects([e.seq for e in events])
        return AuditLog(tuple(events), total, AUDIT_COUNT_CAP, newer, older, subjects)

    def audit_actions(self, actor: Actor) -> list[str]:
        """Every action name in the log (for the filter's choices)."""
        self.require(actor, "audit")
        with self._tx(write=False) as repo:
            return repo.audit_actions()

    def audit_export(
        self, actor: Actor, filters: AuditFilter
    ) -> Iterator[tuple[audit.AuditEvent, dict[str, str]]]:
        """Every matching event with its subjects, oldest first, streamed in batches from one read
        transaction.

        The permission is checked now, not at the first row; the export stops at the events
        stored when it starts, so rows appended meanwhile do not make it run on.
        """
        self.require(actor, "audit")

        def rows() -> Iterator[tuple[audit.AuditEvent, dict[str, str]]]:
            with self._tx(write=False) as repo:
                head, _ = repo.audit_head()
                yield from repo.audit_export(filters, upto=head)

        return rows()

    def audit_status(self, actor: Actor) -> AuditStatus:
        """The chain's state as this process knows it, after verifying the events appended since
        the last check (at most AUDIT_CHECK_BATCH of them per call). Events checked before are
        not read again: only a full check (`check_audit_chain`, `ocopflow audit verify`) does."""
        self.require(actor, "audit")
        watch = self._audit_watch()
        with watch.lock:
            return self._check_tail(watch)

    def check_audit_chain(self, actor: Actor) -> AuditStatus:
        """Verify the whole chain now (every hash and payload) and start the checkpoint from it."""
        self.require(actor, "audit")
        watch = self._audit_watch()
        if not watch.full_run.acquire(blocking=False):
            raise Conflict("a full check of the audit chain is already running")
        try:
            result = verify_chain(self._tx)
            last_hash = None
            if result.ok and result.events:
                with self._tx(write=False) as repo:
                    last_hash = repo.audit_hash(result.events)
            with watch.lock:
                watch.full_at, watch.full = self.now(), result
                if result.ok and result.events >= watch.seq:
                    watch.seq, watch.hash = result.events, last_hash or audit.GENESIS
                    watch.checked_at = watch.full_at
                return self._check_tail(watch)
        finally:
            watch.full_run.release()

    def _audit_watch(self) -> _AuditWatch:
        with _WATCH_CREATION:
            watch: _AuditWatch | None = self.__dict__.get("_audit_watch_state")
            if watch is None:
                watch = self.__dict__["_audit_watch_state"] = _AuditWatch()
            return watch

    def _check_tail(self, watch: _AuditWatch) -> AuditStatus:
        """Verify the events after the checkpoint; move it forward when they hold (lock held)."""
        with self._tx(write=False) as repo:
            # The head first: every event up to it is committed, so the rows read next are all there.
            head_seq, head_hash = repo.audit_head()
            upto = min(head_seq, watch.seq + AUDIT_CHECK_BATCH)
            broken = _checkpoint_gone(repo, watch, head_seq)
            if broken is None:
                anchor = audit.AuditEvent(watch.seq, "", "", "", hash=watch.hash) if watch.seq else None
                bad: list[int] = []
                result = audit.verify_rows(repo.audit_tail(watch.seq, upto), after=anchor, bad_payloads=bad)
                through = watch.seq + result.events
                last_hash = repo.audit_hash(through) if result.ok and through else watch.hash
                broken = _tail_problem(result, bad, through, upto, head_seq, head_hash, last_hash)
        if broken is None:
            if through > watch.seq or watch.checked_at is None:
                watch.seq, watch.hash = through, last_hash or audit.GENESIS
            watch.checked_at = self.now()
        full = watch.full
        if broken is None and full is not None and not full.ok:
            broken = (full.first_broken or 0, full.problem or "")
        return AuditStatus(
            ok=broken is None,
            through=watch.seq,
            head=head_seq,
            checked_at=watch.checked_at,
            full_at=watch.full_at,
            first_broken=broken[0] if broken else None,
            problem=broken[1] if broken else None,
        )


def verify_chain(
    transaction: Any, *, public_key: Ed25519PublicKey | None = None, kept: Iterable[Checkpoint] = ()
) -> audit.VerifyResult:
    """The chain check on its own (no definitions needed): `ocopflow audit verify` runs this.

    One pass over the rows: the hash chain (audit.verify), each payload against its
    digest, and the recorded head against the last event (a deleted tail). Then every
    signed checkpoint, stored and `kept` (an auditor's exported file), must still be
    reached: a re-sealed, renumbered or cut chain misses one (engine/checkpoints.py).
    """
    bad_payload: list[int] = []
    with transaction(write=False) as repo:
        repo.snapshot_reads()
        result = audit.verify_rows(repo.chain_rows(), bad_payloads=bad_payload)
        head_seq, head_hash = repo.audit_head()
        last = repo.last_events(1) if result.ok else []
        checked, findings = checkpoints.check_against(repo, result, public_key, kept)
    problems: list[tuple[int, str]] = [(f.first, f.problem) for f in findings]
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
        return audit.VerifyResult(True, result.events, checkpoints=checked)
    first, problem = min(problems)
    return audit.VerifyResult(False, result.events, first, problem, checkpoints=checked)


@dataclass(frozen=True)
class AuditLog:
    """One page of the audit log; `newer` / `older`: whether more matching events lie that way."""

    events: tuple[audit.AuditEvent, ...]
    total: int  # counted up to `cap + 1`
    cap: int
    newer: bool
    older: bool
    subjects: dict[int, dict[str, str]] = field(default_factory=dict)  # seq -> what it is about

    @property
    def total_is_exact(self) -> bool:
        return self.total <= self.cap


@dataclass(frozen=True)
class AuditStatus:
    """What this process knows of the chain: every event up to `through` verified, the last time
    at `checked_at`; `full_at` is when this process last verified the whole chain (None: never)."""

    ok: bool
    through: int
    head: int
    checked_at: dt.datetime | None
    full_at: dt.datetime | None
    first_broken: int | None = None
    problem: str | None = None

    @property
    def pending(self) -> int:
        """Events stored after `through` not verified yet (a page view checks a batch at a time)."""
        return max(0, self.head - self.through)


@dataclass
class _AuditWatch:
    """The per-process checkpoint: the last verified event (seq, hash). Kept in memory only: a
    checkpoint stored in the database could be rewritten by whoever rewrites the events."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    full_run: threading.Lock = field(default_factory=threading.Lock)
    seq: int = 0
    hash: str = audit.GENESIS
    checked_at: dt.datetime | None = None
    full_at: dt.datetime | None = None
    full: audit.VerifyResult | None = None


_WATCH_CREATION = threading.Lock()


def _checkpoint_gone(repo: Repository, watch: _AuditWatch, head_seq: int) -> tuple[int, str] | None:
    """The verified events must still end where they did: the head not behind, the last one unchanged."""
    if head_seq < watch.seq:
        first = head_seq + 1
        return first, f"events {first}–{watch.seq} were verified and are now missing (deleted)"
    if watch.seq and repo.audit_hash(watch.seq) != watch.hash:
        return watch.seq, f"event {watch.seq} was changed after it was verified"
    return None


def _tail_problem(
    result: audit.VerifyResult,
    bad_payloads: list[int],
    through: int,
    upto: int,
    head_seq: int,
    head_hash: str,
    last_hash: str | None,
) -> tuple[int, str] | None:
    """The first problem of a verified tail, as verify_chain names it: chain, then missing rows,
    then the recorded head, and an edited payload when it comes first."""
    problems: list[tuple[int, str]] = []
    if not result.ok and result.first_broken is not None:
        problems.append((result.first_broken, result.problem or "the chain is broken"))
    elif through < upto:
        first = through + 1
        problems.append((first, f"events {first}–{upto} are missing (deleted)"))
    elif upto == head_seq and head_seq and head_hash != last_hash:
        problems.append((head_seq, f"event {head_seq} does not match the chain's recorded head"))
    if bad_payloads:
        seq = bad_payloads[0]
        problems.append((seq, f"event {seq} was edited: its payload does not match its digest"))
    return min(problems) if problems else None
