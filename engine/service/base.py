"""Shared machinery of the use cases: transactions, loading a dossier with its definitions, snapshots."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import and_

from engine.definitions.model import Catalog, RoleSet, Text, Workflow
from engine.errors import Conflict, NotFound
from engine.messages import say
from engine.permissions import Actor, DossierFacts, visible
from engine.service.effects import clock_state
from engine.service.registry import Pinned, Registry
from engine.service.snapshots import CertificateSnapshot, ClockSnapshot, DossierSnapshot
from engine.storage.repository import AreaFilter, Repository, Row

DEFAULT_EVIDENCE_TYPES = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
DEFAULT_MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
CATALOG_CHECK_SECONDS = 1.0  # how stale a process's catalog may be after another one activates


class RepositoryFactory(Protocol):
    def __call__(self, *, write: bool = True) -> AbstractContextManager[Repository]: ...


@dataclass
class Loaded:
    """A dossier row with the definitions it is pinned to."""

    row: Row
    pinned: Pinned

    @property
    def workflow(self) -> Workflow:
        return self.pinned.workflow

    @property
    def roleset(self) -> RoleSet:
        return self.pinned.roleset

    @property
    def facts(self) -> DossierFacts:
        r = self.row
        units = self.pinned.units
        return DossierFacts(
            str(r["id"]), r["state"], r["province_code"], r["commune_code"], r["producer_org"],
            areas_by_level=units.areas_of(r["commune_code"]) if units else {},
        )  # fmt: skip


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class ServiceBase:
    def __init__(
        self,
        repository_factory: RepositoryFactory,
        catalog: Catalog,
        *,
        clock: Callable[[], dt.datetime] = _utc_now,
        evidence_dir: Path | None = None,
        max_evidence_bytes: int = DEFAULT_MAX_EVIDENCE_BYTES,
        evidence_types: Iterable[str] = DEFAULT_EVIDENCE_TYPES,
        sync: bool = True,
        signing_key: Path | None = None,
        public_base_url: str = "",
    ) -> None:
        self._tx = repository_factory
        # The site's public address (OCOPFLOW_PUBLIC_BASE_URL): links in mails start with it.
        self.public_base_url = public_base_url.rstrip("/")
        self.registry = Registry(catalog)
        self._clock = clock
        self.evidence_dir = evidence_dir or Path("instance") / "evidence"
        # The audit checkpoints' Ed25519 key: a file in the instance folder, never in the database.
        self.signing_key = signing_key or self.evidence_dir.parent / "audit-signing-key.pem"
        self.max_evidence_bytes = max_evidence_bytes
        self.evidence_types = frozenset(evidence_types)
        self._catalog_seen: tuple[int, dt.date] | None = None
        self._catalog_checked = float("-inf")
        self._catalog_lock = threading.Lock()
        if sync:
            self.sync_definitions()
            self.refresh_catalog(force=True)

    @property
    def catalog(self) -> Catalog:
        return self.registry.catalog

    def refresh_catalog(self, *, force: bool = False) -> bool:
        """Re-read the catalog from the database when another process (or this one) changed the
        stored definitions, or the day changed; the version row is read at most once a second.
        Returns whether the catalog was rebuilt."""
        now = time.monotonic()
        if not force and now - self._catalog_checked < CATALOG_CHECK_SECONDS:
            return False
        with self._catalog_lock:
            self._catalog_checked = now
            day = self.now().date()
            with self._tx(write=False) as repo:
                seen = (repo.catalog_version(), day)
                if seen == self._catalog_seen and not force:
                    return False
                self.registry.refresh(repo, day)
                self._catalog_seen = seen
            return True

    def now(self) -> dt.datetime:
        now = self._clock()
        if now.tzinfo is not None:
            now = now.astimezone(dt.UTC).replace(tzinfo=None)
        return now

    @staticmethod
    def record_in_place(
        repo: Repository, actor: Actor, row: Row, action: str, payload: dict[str, Any], at: dt.datetime
    ) -> None:
        """Audit a change to a dossier that leaves it in its state (a form, evidence, a score sheet)."""
        repo.append_event(
            at=at,
            actor=actor.id,
            action=action,
            dossier_id=row["id"],
            from_state=row["state"],
            to_state=row["state"],
            definition_hash=row["definition_hash"],
            payload=payload,
        )

    def sync_definitions(self) -> int:
        """Store every definition of the catalog not stored yet, each with an audit event.

        Several processes may start at once (web workers): the one that loses the race
        on the unique (kind, id, version, hash) row simply finds the rows stored.
        """
        try:
            return self._sync_definitions()
        except Conflict:
            return self._sync_definitions()

    def _sync_definitions(self) -> int:
        with self._tx() as repo:
            now = self.now()
            added = self.registry.sync(repo, "system", now)
            for row in added:
                repo.append_event(
                    at=now,
                    actor="system",
                    action="activate_definition",
                    definition_hash=row["sha256"],
                    payload={k: row[k] for k in ("kind", "def_id", "version", "file", "effective_from")},
                )
        return len(added)

    # --- loading -----------------------------------------------------------------

    def _load(self, repo: Repository, actor: Actor, dossier_id: int) -> Loaded:
        """The dossier if the actor may see it; NotFound otherwise (ids leak nothing)."""
        row = repo.dossier(int(dossier_id)) if str(dossier_id).isdigit() else None
        if row is None:
            raise NotFound(say("dossier.not_found", dossier_id=dossier_id), dossier_id=dossier_id)
        workflow = self.registry.workflow(repo, row["definition_hash"])
        loaded = Loaded(row, self.registry.pinned(repo, workflow, row))
        if not visible(actor, loaded.roleset, loaded.facts):
            raise NotFound(say("dossier.not_found", dossier_id=dossier_id), dossier_id=dossier_id)
        return loaded

    def definitions_for(self, actor: Actor, dossier_id: int) -> Pinned:
        """The definitions a dossier runs under: its workflow and the versions pinned for it."""
        with self._tx(write=False) as repo:
            return self._load(repo, actor, dossier_id).pinned

    def area_filter(self, actor: Actor) -> AreaFilter:
        scopes = self.registry.all_roles()
        provinces, communes, orgs = set(), set(), set()
        for role in actor.roles:
            scope = scopes.get(role)
            if scope in ("central", "system"):
                return AreaFilter(everything=True)
            if scope == "own" and actor.organisation:
                orgs.add(actor.organisation)
            elif scope not in (None, "own", "public") and actor.area:
                first, last = self._area_columns(actor.area, scope)
                provinces |= first
                communes |= last
        return AreaFilter(False, frozenset(provinces), frozenset(communes), frozenset(orgs))

    def _area_columns(self, area: str, level: str) -> tuple[set[str], set[str]]:
        """The codes to match in the dossiers' first-level and last-level columns for the dossiers
        inside `area`, a unit of `level` (the role's scope; a unit of another level: none, as
        `in_scope` says): a unit of a level in between (a district) stands for its last-level units."""
        for unitset in self.registry.catalog.units.values():
            unit = unitset.units.get(area)
            if unit is None or not unitset.levels:
                continue
            if unit.level != level:
                return set(), set()
            if unit.level == unitset.levels[0]:
                return {area}, set()
            if unit.level == unitset.levels[-1]:
                return set(), {area}
            inside = {u.code for u in unitset.within(area) if u.level == unitset.levels[-1]}
            return set(), inside
        return {area}, {area}  # a code no units file knows: matched as it was given

    # --- snapshots ---------------------------------------------------------------

    def _snapshot(
        self, row: Row, workflow: Workflow, clocks: list[Row], certificates: list[Row], today: dt.date
    ) -> DossierSnapshot:
        state = workflow.states.get(row["state"])
        clock_snaps = tuple(self._clock_snapshot(c, workflow, today) for c in clocks)
        live = [c for c in certificates if c["status"] in ("valid", "revoked")]
        return DossierSnapshot(
            id=row["id"],
            version=row["version"],
            workflow_id=row["workflow_id"],
            workflow_version=row["workflow_version"],
            definition_hash=row["definition_hash"],
            state=row["state"],
            state_label=state.label if state else Text(row["state"]),
            step=state.step if state else 0,
            product_name=row["product_name"],
            product_set=row["product_set"],
            product_group=row["product_group"],
            producer_org=row["producer_org"],
            province_code=row["province_code"],
            commune_code=row["commune_code"],
            kind=row["kind"],
            product_code=row["product_code"],
            stars=row["stars"],
            certificate=certificate_snapshot(live[-1], today) if live else None,
            clocks=clock_snaps,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            filed_on=row["filed_on"],
            terminal=bool(state and state.terminal),
            overdue=any(c.days_left is not None and c.days_left < 0 for c in clock_snaps),
            links=dict(row["links"] or {}),
        )

    @staticmethod
    def _clock_snapshot(row: Row, workflow: Workflow, today: dt.date) -> ClockSnapshot:
        clock = clock_state(row, workflow)
        definition = workflow.clocks.get(row["name"])
        return ClockSnapshot(
            name=row["name"],
            label=definition.label if definition else None,
            started_on=clock.started_on,
            days=clock.days,
            kind=clock.kind,
            due_on=clock.due_date(today),
            paused_on=clock.paused_on,
            paused_days=clock.paused_days,
            stopped_on=clock.stopped_on,
            days_left=None if clock.stopped_on else clock.days_left(today),
        )

    def _snapshots(
        self, repo: Repository, rows: list[Row], clocks: dict[int, list[Row]] | None = None
    ) -> list[DossierSnapshot]:
        """Snapshots of many dossiers with two extra queries, not two per dossier.

        `clocks`: the dossiers' clock rows when the caller holds them already (a fire that
        read and wrote them); they are then not read again.
        """
        ids = [r["id"] for r in rows]
        certs: dict[int, list[Row]] = {}
        if clocks is None:
            clocks = {}
            for c in repo.clocks_for_dossiers(ids) if ids else []:
                clocks.setdefault(c["dossier_id"], []).append(c)
        if ids:
            # Only a dossier with stars can hold a certificate (issuing one records its stars).
            starred = [r["id"] for r in rows if r["stars"] is not None]
            for c in repo.certificates_for_dossiers(starred) if starred else []:
                certs.setdefault(c["dossier_id"], []).append(c)
        today = self.now().date()
        return [
            self._snapshot(
                r,
                self.registry.workflow(repo, r["definition_hash"]),
                clocks.get(r["id"], []),
                certs.get(r["id"], []),
                today,
            )
            for r in rows
        ]


VALID_STATUS = "valid"


def certificate_status(stored: str, expires_on: dt.date, today: dt.date) -> str:
    """A certificate's status today: the stored one, except that a valid one past its date is expired.

    `valid_certificate_condition` is the same rule in SQL (the public catalogue's filter)."""
    if stored == VALID_STATUS and expires_on < today:
        return "expired"
    return stored


def valid_certificate_condition(status: Any, expires_on: Any, today: dt.date) -> Any:
    """SQL for `certificate_status(...) == "valid"`, on the given columns."""
    return and_(status == VALID_STATUS, expires_on >= today)


def certificate_snapshot(row: Row, today: dt.date) -> CertificateSnapshot:
    status = certificate_status(row["status"], row["expires_on"], today)
    return CertificateSnapshot(
        number=row["number"],
        dossier_id=row["dossier_id"],
        product_code=row["product_code"],
        product_name=row["product_name"],
        producer_org=row["producer_org"],
        stars=row["stars"],
        issued_on=row["issued_on"],
        expires_on=row["expires_on"],
        status=status,
        revoked_on=row["revoked_on"],
        reevaluation_opens=row["reevaluation_opens"],
        reevaluation_closes=row["reevaluation_closes"],
    )


def as_dict(value: Any) -> Any:
    """Answers and payloads as JSON-friendly data."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): as_dict(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [as_dict(v) for v in value]
    return value
