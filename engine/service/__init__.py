"""Use cases over a repository, one transaction each; they raise only engine.errors exceptions.

`Service(repository_factory, catalog, *, clock=..., evidence_dir=...)` — see
engine/README.md for the table of methods. The class is assembled from one
mixin per concern so each module stays small.
"""

from __future__ import annotations

import functools

from engine.service.evidence import EvidenceUseCases
from engine.service.governance import BundleCheck, BundleItem, Installed
from engine.service.links import DossierLinkUseCases, LinkChoice, ShownLink
from engine.service.migration_plans import MigrationPlanUseCases, PlanPreview
from engine.service.queries import QueryUseCases
from engine.service.records import RecordPage, RecordSnapshot, RecordUseCases, RegisterSummary
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
from engine.service.todo import Returned, Todo, TodoUseCases


class Service(TodoUseCases, QueryUseCases, EvidenceUseCases, MigrationPlanUseCases, RecordUseCases):
    """Every use case of the runtime. Hand it `Database(engine).transaction` and a loaded catalog."""

    @functools.cached_property
    def links(self) -> DossierLinkUseCases:
        return DossierLinkUseCases(self)


__all__ = [
    "Action",
    "BundleCheck",
    "BundleItem",
    "CertificateSnapshot",
    "ClockSnapshot",
    "DefinitionVersion",
    "DossierSnapshot",
    "Installed",
    "LinkChoice",
    "MigrationItem",
    "MigrationPlan",
    "Missing",
    "Page",
    "PlanPreview",
    "RecordPage",
    "RecordSnapshot",
    "RegisterSummary",
    "Returned",
    "Service",
    "ShownLink",
    "Todo",
    "UserSnapshot",
]
