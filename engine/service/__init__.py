"""Use cases over a repository, one transaction each; they raise only engine.errors exceptions.

`Service(repository_factory, catalog, *, clock=..., evidence_dir=...)` — see
engine/README.md for the table of methods. The class is assembled from one
mixin per concern so each module stays small.
"""

from __future__ import annotations

import functools

from engine.service.budget import BudgetUseCases
from engine.service.certificates import CertificateUseCases
from engine.service.evidence import EvidenceUseCases
from engine.service.governance import BundleCheck, BundleItem, Installed
from engine.service.links import CarriedOver, DossierLinkUseCases, LinkChoice, ShownLink
from engine.service.migration_plans import MigrationPlanUseCases, PlanPreview
from engine.service.notifications import NotificationUseCases
from engine.service.parked import ParkedJobUseCases
from engine.service.plans import PlansUseCases
from engine.service.public_catalogue import PublicCatalogueUseCases
from engine.service.queries import QueryUseCases
from engine.service.record_import import ImportPlan, RecordImportUseCases, RowPlan
from engine.service.records import RecordPage, RecordSnapshot, RecordUseCases, RegisterSummary
from engine.service.rounds import DossierRound, RoundUseCases
from engine.service.snapshots import (
    Action,
    CertificateSnapshot,
    ClockSnapshot,
    DefinitionVersion,
    DossierSnapshot,
    MigrationItem,
    MigrationPlan,
    Missing,
    Page,
    UserSnapshot,
)
from engine.service.stamps import StampUseCases
from engine.service.timers import TimerUseCases
from engine.service.todo import Returned, Todo, TodoUseCases
from engine.service.trace import TraceEvent, TraceUseCases


class Service(TodoUseCases, QueryUseCases, EvidenceUseCases, MigrationPlanUseCases, RecordUseCases):
    """Every use case of the runtime. Hand it `Database(engine).transaction` and a loaded catalog."""

    @functools.cached_property
    def trace(self) -> TraceUseCases:
        return TraceUseCases(self)

    @functools.cached_property
    def certificate_signing(self) -> CertificateUseCases:
        return CertificateUseCases(self)

    @functools.cached_property
    def public_catalogue(self) -> PublicCatalogueUseCases:
        return PublicCatalogueUseCases(self)

    @functools.cached_property
    def notices(self) -> NotificationUseCases:
        """The signed-in person's notifications and mail choice (engine/service/notifications.py)."""
        return NotificationUseCases(self)

    @functools.cached_property
    def plans(self) -> PlansUseCases:
        return PlansUseCases(self)

    @functools.cached_property
    def budget(self) -> BudgetUseCases:
        """A plan's budget lines and the spending recorded against them (engine/service/budget.py)."""
        return BudgetUseCases(self, self.plans)

    @functools.cached_property
    def timers(self) -> TimerUseCases:
        return TimerUseCases(self)

    @functools.cached_property
    def rounds(self) -> RoundUseCases:
        """Evaluation rounds: a dossier's, the work lists' filter, seating (engine/service/rounds.py)."""
        return RoundUseCases(self)

    @functools.cached_property
    def parked(self) -> ParkedJobUseCases:
        """The failed background jobs and their retry, for the administrator (engine/service/parked.py)."""
        return ParkedJobUseCases(self)

    @functools.cached_property
    def stamps(self) -> StampUseCases:
        """QR stamp sheets of batches and their public page's scan counts (engine/service/stamps.py)."""
        return StampUseCases(self)

    @functools.cached_property
    def links(self) -> DossierLinkUseCases:
        return DossierLinkUseCases(self)

    @functools.cached_property
    def imports(self) -> RecordImportUseCases:
        """A register's records from a spreadsheet: template, preview, confirm (engine/service/record_import.py)."""
        return RecordImportUseCases(self)


__all__ = [
    "Action",
    "BundleCheck",
    "BundleItem",
    "CarriedOver",
    "CertificateSnapshot",
    "ClockSnapshot",
    "DefinitionVersion",
    "DossierRound",
    "DossierSnapshot",
    "ImportPlan",
    "Installed",
    "LinkChoice",
    "MigrationItem",
    "MigrationPlan",
    "Missing",
    "Page",
    "PlanPreview",
    "PlansUseCases",
    "RecordPage",
    "RecordSnapshot",
    "RegisterSummary",
    "Returned",
    "RowPlan",
    "Service",
    "ShownLink",
    "Todo",
    "TraceEvent",
    "UserSnapshot",
]
