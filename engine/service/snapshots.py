"""What the service hands out: plain frozen snapshots, never rows or sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.definitions.model import Text
from engine.messages import Localized


@dataclass(frozen=True)
class ClockSnapshot:
    name: str
    label: Text | None
    started_on: dt.date
    days: int
    kind: str  # working | calendar
    due_on: dt.date | None
    paused_on: dt.date | None
    paused_days: int
    stopped_on: dt.date | None
    days_left: int | None  # None once stopped

    @property
    def running(self) -> bool:
        return self.stopped_on is None and self.paused_on is None


@dataclass(frozen=True)
class CertificateSnapshot:
    number: str
    dossier_id: int
    product_code: str | None
    product_name: str
    producer_org: str
    stars: int
    issued_on: dt.date
    expires_on: dt.date
    status: str  # valid | expired | revoked | superseded
    revoked_on: dt.date | None
    reevaluation_opens: dt.date | None
    reevaluation_closes: dt.date | None


@dataclass(frozen=True)
class DossierSnapshot:
    id: int
    version: int
    workflow_id: str
    workflow_version: str
    definition_hash: str
    state: str
    state_label: Text
    step: int
    product_name: str
    product_set: str
    product_group: str
    producer_org: str
    province_code: str
    commune_code: str
    kind: str
    product_code: str | None
    stars: int | None
    certificate: CertificateSnapshot | None
    clocks: tuple[ClockSnapshot, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    filed_on: dt.date
    terminal: bool = False
    overdue: bool = False
    links: Mapping[str, int] = field(default_factory=dict)  # the workflow's `links`: name -> record id


@dataclass(frozen=True)
class Missing:
    """One thing the dossier still lacks, by name: a field of a form, a document, a sheet, the result.

    `reason` is the refusal reason it belongs to (`form:<id>`, `evidence:<type>`, `sheet:<role>`,
    `scores`); a field of a form also names `form` and `field` (a page links to it); `problem` is
    what is wrong with an answer that is there but does not fit (else it is simply empty).
    """

    reason: str
    label: Localized
    form: str | None = None
    field: str | None = None
    problem: Localized | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "form": self.form,
            "field": self.field,
            "label": {"vi": self.label.get("vi"), "en": self.label.get("en")},
            "problem": None
            if self.problem is None
            else {"vi": self.problem.vi, "en": self.problem.get("en")},
        }


@dataclass(frozen=True)
class Action:
    """A transition as one actor sees it now: allowed or not, and why not.

    `message` says why not in both languages: a catalog message (engine.messages, with its code)
    or the definition's own text (a guard's or a duty's message). `missing` lists by name what the
    dossier lacks for it (forms field by field, documents, sheets, the result); `kind` is the
    transition's (forward, return, destructive).
    """

    id: str
    label: Text
    allowed: bool
    reason: str | None = None
    message: Localized | None = None
    target: str = ""
    comment: str = "optional"
    kind: str = "forward"
    missing: tuple[Missing, ...] = ()

    @property
    def message_code(self) -> str | None:
        return getattr(self.message, "code", None)


@dataclass(frozen=True)
class Page:
    items: tuple[DossierSnapshot, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def total_is_exact(self) -> bool:
        """False when the count stopped at the cap (engine.storage.repository.COUNT_CAP): "more than"."""
        from engine.storage.repository import COUNT_CAP

        return self.total <= COUNT_CAP


@dataclass(frozen=True)
class DefinitionVersion:
    kind: str
    def_id: str
    version: str
    sha256: str
    file: str
    legal_basis: str | None
    effective_from: dt.date | None
    effective_until: dt.date | None
    activated_by: str
    activated_at: dt.datetime
    active: bool
    status: str = "active"  # proposed, active, retired (an end date set), deactivated
    bundle: str | None = None
    proposed_by: str | None = None
    proposed_at: dt.datetime | None = None
    approved_by: str | None = None
    approved_at: dt.datetime | None = None


@dataclass(frozen=True)
class MigrationItem:
    dossier_id: int
    from_state: str
    to_state: str | None  # None: the state map has no entry, the dossier cannot move
    invalid_forms: tuple[str, ...]  # forms whose saved answers do not fit the new version
    scores_to_redo: bool  # sheets were saved and the scoring form changes: they must be redone
    problem: str | None = None
    # (kind, id, pinned sha256 or "", new sha256) for every definition whose pinned version changes
    changed: tuple[tuple[str, str, str, str], ...] = ()
    definition_set: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # pinned after the move


@dataclass(frozen=True)
class MigrationPlan:
    workflow_id: str
    from_version: str
    to_version: str
    from_hash: str
    to_hash: str
    items: tuple[MigrationItem, ...]

    @property
    def ok(self) -> bool:
        return all(i.to_state is not None and i.problem is None for i in self.items)


@dataclass(frozen=True)
class UserSnapshot:
    id: int
    username: str
    roles: tuple[str, ...]
    area: str | None
    organisation: str | None
    display_name: str
    active: bool
    must_change_password: bool = False
