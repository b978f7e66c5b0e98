"""Use cases over a repository, one transaction each; they raise only engine.errors exceptions.

`Service(repository_factory, catalog, *, clock=..., evidence_dir=...)` — see
engine/README.md for the table of methods. The class is assembled from one
mixin per concern so each module stays small.
"""

from __future__ import annotations

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
    Page,
    UserSnapshot,
)
from engine.service.versions import VersionUseCases


class Service(QueryUseCases, VersionUseCases, RecordUseCases):
    """Every use case of the runtime. Hand it `Database(engine).transaction` and a loaded catalog."""


__all__ = [
    "Action",
    "CertificateSnapshot",
    "ClockSnapshot",
    "DefinitionVersion",
    "DossierSnapshot",
    "MigrationItem",
    "MigrationPlan",
    "Page",
    "RecordPage",
    "RecordSnapshot",
    "RegisterSummary",
    "Service",
    "UserSnapshot",
]
