"""Use cases over a repository, one transaction each; they raise only engine.errors exceptions.

`Service(repository_factory, catalog, *, clock=..., evidence_dir=...)` — see
engine/README.md for the table of methods. The class is assembled from one
mixin per concern so each module stays small.
"""

from __future__ import annotations

from engine.service.evidence import EvidenceUseCases
from engine.service.queries import QueryUseCases
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
from engine.service.versions import VersionUseCases


class Service(TodoUseCases, QueryUseCases, EvidenceUseCases, VersionUseCases):
    """Every use case of the runtime. Hand it `Database(engine).transaction` and a loaded catalog."""


__all__ = [
    "Action",
    "CertificateSnapshot",
    "ClockSnapshot",
    "DefinitionVersion",
    "DossierSnapshot",
    "MigrationItem",
    "MigrationPlan",
    "Missing",
    "Page",
    "Returned",
    "Service",
    "Todo",
    "UserSnapshot",
]
