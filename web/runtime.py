"""What the app builds once: the definitions catalog, the database and the service."""

from __future__ import annotations

import copy
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from engine.definitions.model import Catalog, Form, RoleSet, ScoringForm, Unit, Workflow
from engine.errors import InvalidDefinition
from engine.permissions import Actor, granted, local_roles

if TYPE_CHECKING:
    from engine.service import Service
    from engine.storage.repository import Database


class StartupError(RuntimeError):
    """The definitions or the database cannot be used; the message says what to fix."""


@dataclass
class Runtime:
    catalog: Catalog
    service: Service
    database: Database

    # --- definitions -----------------------------------------------------------------

    def workflow_of(self, dossier: Any) -> Workflow:
        """The definition version the dossier is pinned to (not necessarily the newest)."""
        found: Workflow = self.service.registry.workflow(None, dossier.definition_hash)
        return found

    def can_open(self, actor: Actor) -> bool:
        """Whether the actor holds a role that acts on a new dossier in some workflow in effect."""
        today = self.service.now().date()
        for wf in self.catalog.workflows.values():
            if not wf.in_effect_on(today):
                continue
            starters = {r for t in wf.transitions if wf.initial in t.sources for r in t.roles}
            roleset = self.catalog.roles.get(wf.roles)
            if roleset is not None and starters & local_roles(actor.roles, roleset):
                return True
        return False

    def roleset(self, workflow: Workflow | None = None) -> list[RoleSet]:
        if workflow is not None and workflow.roles in self.catalog.roles:
            return [self.catalog.roles[workflow.roles]]
        return list(self.catalog.roles.values())

    def permissions(self, actor: Actor) -> frozenset[str]:
        """Everything any of the actor's roles may do, in any installed role set."""
        perms: set[str] = set()
        for roleset in self.catalog.roles.values():
            for role in granted(actor.roles, roleset):
                perms |= role.can
        return frozenset(perms)

    def role_label(self, role_id: str) -> Any:
        """The label of a role by the id a workflow uses, or by a grant (`<roles file>:<role>`)."""
        namespace, _, name = role_id.rpartition(":")
        for roleset in self.catalog.roles.values():
            if namespace and roleset.id != namespace:
                continue
            if name in roleset.roles:
                return roleset.roles[name].label
        return role_id

    def pinned(self, actor: Actor, dossier: Any) -> Any:
        """The definitions this dossier runs under (engine.service.registry.Pinned): its workflow,
        roles, units, data forms and scoring form at the versions pinned when it was filed."""
        return self.service.definitions_for(actor, dossier.id)

    @staticmethod
    def forms_in(pinned: Any) -> list[Form]:
        """The pinned data forms, in the workflow's order."""
        return [pinned.forms[f] for f in pinned.workflow.forms if f in pinned.forms]

    def scoring_form(self, workflow: Workflow | None, product_set: str) -> ScoringForm | None:
        if workflow is None or workflow.scoring_regime is None:
            return None
        return self.catalog.scoring_form_for(workflow.scoring_regime, product_set)

    def units(self, workflow: Workflow | None = None) -> list[Unit]:
        sets = self.catalog.units.values()
        if workflow is not None and workflow.units in self.catalog.units:
            sets = [self.catalog.units[workflow.units]]  # type: ignore[assignment]
        return [u for s in sets for u in s.units.values()]

    def unit_name(self, code: str | None) -> str:
        if not code:
            return ""
        for s in self.catalog.units.values():
            unit = s.units.get(code)
            if unit is not None:
                return unit.name
        return code

    def display_name(self, actor: Actor) -> str:
        name = getattr(actor, "display_name", None)
        return str(name) if name else actor.id


def runtime() -> Runtime:
    found: Runtime = current_app.extensions["ocopflow"]
    return found


def build_runtime(app: Flask) -> Runtime:
    from engine.definitions.loader import load_catalog
    from engine.storage.db import make_engine, upgrade
    from engine.storage.repository import Database

    catalog = app.config.get("CATALOG")  # tests hand in a catalog loaded once per session
    if catalog is None:
        result = load_catalog([Path(p) for p in app.config["DEFINITIONS_PATHS"]])
        if not result.ok:
            errors = [p.format() for p in result.problems if p.severity == "error"]
            raise StartupError(
                "The definitions do not validate; run `ocopflow validate` and fix:\n  "
                + "\n  ".join(errors[:20])
            )
        catalog = result.catalog
    # The service re-reads its catalog from the database (engine/service/base.py refresh_catalog)
    # by replacing the catalog's tables: a copy, so a catalog handed in is never changed.
    catalog = copy.copy(catalog)
    engine = make_engine(app.config["DATABASE_URL"])
    if app.config.get("AUTO_UPGRADE_DB", True):
        upgrade(engine)
    database = Database(engine)
    evidence_dir = Path(app.config["EVIDENCE_DIR"])
    evidence_dir.mkdir(parents=True, exist_ok=True)
    try:
        service = _service(app, database, catalog, evidence_dir)
    except InvalidDefinition as exc:
        if not any(getattr(p, "code", None) == "E601" for p in exc.problems):
            raise StartupError(str(exc)) from exc
        raise StartupError(
            "The definitions on disk change versions already installed in the database; give"
            " each edited file a new `version:` (an installed version never changes: dossiers"
            " are pinned to it). A throwaway demo database may instead be deleted to start"
            " over:\n  " + "\n  ".join(p.format() for p in exc.problems[:20])
        ) from exc
    return Runtime(catalog=service.catalog, service=service, database=database)


def _service(app: Flask, database: Any, catalog: Catalog, evidence_dir: Path) -> Any:
    from engine.service import Service
    from engine.service.mail import DEVELOPMENT_BASE_URL

    return Service(
        database.transaction,
        catalog,
        evidence_dir=evidence_dir,
        signing_key=Path(app.config["INSTANCE_DIR"]) / "audit-signing-key.pem",
        max_evidence_bytes=int(float(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024),
        evidence_types=upload_mime_types(app.config["UPLOAD_EXTENSIONS"]),
        public_base_url=app.config.get("PUBLIC_BASE_URL") or DEVELOPMENT_BASE_URL,
    )


def upload_mime_types(extensions: list[str]) -> set[str]:
    """The service checks types by MIME; the page by extension. One list drives both."""
    found = {mimetypes.guess_type(f"file.{ext}")[0] for ext in extensions}
    return {m for m in found if m}
