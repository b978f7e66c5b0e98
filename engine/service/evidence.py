"""Replacing and removing an attached document while its form may still be edited.

Both are edits of the forms that collect the document type, so `may_upload` decides
(the form is the actor's and editable in the dossier's state). Each is one
transaction with one audit event naming the file that went (and the one that came);
the stored file itself stays, addressed by its hash, because the audit trail names it.
The forms whose evidence fields take the type are re-checked, so a form that loses
its only document is incomplete again (and one that gains it, complete).
"""

from __future__ import annotations

from typing import Any

from engine.errors import NotFound
from engine.messages import say
from engine.permissions import Actor, may_upload
from engine.service.base import Loaded
from engine.service.dossiers import DossierUseCases, _deny
from engine.storage.repository import Repository


class EvidenceUseCases(DossierUseCases):
    def remove_evidence(
        self, actor: Actor, dossier_id: int, evidence_id: int, *, expected_version: int | None = None
    ) -> dict[str, Any]:
        """Take an attached document off the dossier; returns the record that was removed."""
        now = self.now()
        with self._tx() as repo:
            loaded, record = self._evidence_record(repo, actor, dossier_id, evidence_id)
            self._check_version(loaded.row, expected_version)
            repo.remove_evidence(loaded.row["id"], evidence_id)
            repo.update_dossier(loaded.row["id"], loaded.row["version"], updated_at=now)
            self.refresh_completeness(repo, loaded, record["document_type"])
            payload = {k: record[k] for k in ("id", "document_type", "filename", "sha256", "size")}
            self.record_in_place(repo, actor, loaded.row, "remove_evidence", payload, now)
            return dict(record)

    def replace_evidence(
        self,
        actor: Actor,
        dossier_id: int,
        evidence_id: int,
        filename: str,
        data: bytes,
        *,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Put a new file in place of an attached one (same document type); returns the new record."""
        now = self.now()
        read = self._read_upload(filename, data)
        with self._tx() as repo:
            loaded, old = self._evidence_record(repo, actor, dossier_id, evidence_id)
            record = self._write_evidence(
                repo, actor, loaded, old["document_type"], filename, data, read, expected_version, now
            )
            repo.remove_evidence(loaded.row["id"], evidence_id)
            replaced = {k: old[k] for k in ("id", "filename", "sha256", "size")}
            self.record_in_place(
                repo, actor, loaded.row, "replace_evidence", {**record, "replaced": replaced}, now
            )
            return record

    def _evidence_record(
        self, repo: Repository, actor: Actor, dossier_id: int, evidence_id: int
    ) -> tuple[Loaded, dict[str, Any]]:
        loaded = self._load(repo, actor, dossier_id)
        record = next((e for e in repo.evidence(loaded.row["id"]) if e["id"] == evidence_id), None)
        if record is None:
            raise NotFound(say("evidence.not_on_dossier"))
        pinned = loaded.pinned
        decision = may_upload(
            actor,
            pinned.workflow,
            pinned.roleset,
            loaded.facts,
            record["document_type"],
            pinned.forms.values(),
        )
        if not decision:
            raise _deny(decision)
        return loaded, dict(record)
