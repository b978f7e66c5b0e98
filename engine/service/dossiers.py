"""Use cases on one dossier's data: open it, read it, list them, save forms, attach evidence."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import os
from collections.abc import Mapping
from typing import Any

from engine import context, filetypes
from engine.definitions.model import Form, RoleSet, Workflow
from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied
from engine.limits import text_problems
from engine.messages import Message, say
from engine.permissions import Actor, DossierFacts, local_roles, may, may_edit_form, may_upload
from engine.service import rounds, timers
from engine.service.base import Loaded, ServiceBase, as_dict
from engine.service.evidence_files import DEFAULT_GRACE, OrphanReport, clean_orphans, store_blob
from engine.service.forms import FormCheck, check_answers
from engine.service.links import check_renewal_links, resolve_links
from engine.service.registry import Pinned
from engine.service.snapshots import DossierSnapshot, Page
from engine.storage.repository import Repository

KINDS = ("first", "upgrade", "reevaluation")  # the dossier kinds of the definition language
MAX_PER_PAGE = 200


def _content_problem(filename: str, mime: str, data: bytes) -> Message | None:
    """The file's bytes against the type its name claims (engine.filetypes)."""
    verdict = filetypes.check(mime, data)
    if verdict.ok:
        return None
    ext = os.path.splitext(filename)[1].lstrip(".").lower() or "?"
    if verdict.kind == "too_large_unzipped":
        return say(
            "evidence.unzipped_too_large", ext=ext, size=verdict.size, limit=filetypes.MAX_UNZIPPED_BYTES
        )
    if verdict.kind == "archive":
        return say("evidence.archive_damaged", ext=ext)
    return say("evidence.content_mismatch", ext=ext)


def _deny(decision: Any) -> PermissionDenied:
    return PermissionDenied(decision.message or decision.reason, reason=decision.reason)


def _check_backdate(
    actor: Actor,
    workflow: Workflow,
    roleset: RoleSet | None,
    day: dt.date,
    today: dt.date,
    reason: str | None,
) -> None:
    """A filing date before today: a role of `filing.backdate`, within its days, with a reason."""
    if roleset is None or not local_roles(actor.roles, roleset) & workflow.backdate_roles:
        roles = ", ".join(sorted(workflow.backdate_roles)) or "—"
        raise PermissionDenied(say("dossier.backdate_role", roles=roles, day=day), reason="backdate")
    earliest = today - dt.timedelta(days=workflow.backdate_days)
    if day < earliest:
        problem = say("dossier.backdate_window", days=workflow.backdate_days, earliest=earliest)
        raise InvalidForm(say("dossier.not_opened"), {"filed_on": problem})
    if not reason or not reason.strip() or len(reason) > 1000:
        raise InvalidForm(say("dossier.not_opened"), {"backdate_reason": say("dossier.backdate_reason")})


class DossierUseCases(ServiceBase):
    def open_dossier(
        self,
        actor: Actor,
        *,
        product_name: str,
        product_set: str,
        producer_org: str,
        commune_code: str,
        kind: str = "first",
        filed_on: dt.date | None = None,
        workflow_id: str | None = None,
        renews_certificate: str | None = None,
        backdate_reason: str | None = None,
        links: Mapping[str, Any] | None = None,
    ) -> DossierSnapshot:
        """Open a dossier under the workflow version in effect on its filing date, and pin that version.

        The filing date is the server's; a date before today is accepted from a role the workflow's
        `filing.backdate` names, within its window and with a reason (audited)."""
        refused = text_problems(
            product_name=product_name,
            producer_org=producer_org,
            product_set=product_set,
            commune_code=commune_code,
            kind=kind,
            workflow_id=workflow_id,
            renews_certificate=renews_certificate,
            backdate_reason=backdate_reason,
        )
        if refused:  # before any look-up: the database never sees the value
            raise InvalidForm(say("dossier.not_opened"), refused)
        now = self.now()
        today = now.date()
        filed_on = filed_on or today
        if filed_on > today:
            problem = say("dossier.filed_on_future", day=filed_on, today=today)
            raise InvalidForm(say("dossier.not_opened"), {"filed_on": problem})
        with self._tx() as repo:
            workflow, _ = self.registry.workflow_in_effect(repo, filed_on, workflow_id)
            if filed_on < today:
                roleset = self.registry.catalog.roles.get(workflow.roles)
                _check_backdate(actor, workflow, roleset, filed_on, today, backdate_reason)
            definition_set = self.registry.pin(repo, workflow, product_set, filed_on)
            pinned = self.registry.pinned(
                repo, workflow, {"definition_set": definition_set, "product_set": product_set}
            )
            roleset = pinned.roleset
            problems: dict[str, Message] = {}
            if not product_name or not product_name.strip():
                problems["product_name"] = say("field.required")
            if not producer_org or not producer_org.strip():
                problems["producer_org"] = say("field.required")
            if kind not in KINDS:
                problems["kind"] = say("field.one_of", values=KINDS)
            units = pinned.units
            unit = units.units.get(commune_code) if units else None
            if units is None or unit is None or unit.level != units.last_level() or unit.parent is None:
                problems["commune_code"] = say("dossier.commune_unknown", commune=commune_code)
            sets = pinned.scoring_form.product_sets if pinned.scoring_form else ()
            group = next((p.group for p in sets if p.code == product_set), None)
            if group is None:
                problems["product_set"] = say("dossier.product_set_unknown", product_set=product_set)
            stars = self._renewed_stars(repo, kind, renews_certificate, filed_on, problems)
            named = resolve_links(
                self, repo, actor, workflow, links, problems, units=units, commune_code=commune_code
            )
            renewed = repo.certificate_by_number(renews_certificate) if renews_certificate else None
            if renewed is not None and unit is not None:
                check_renewal_links(repo, workflow, renewed["dossier_id"], unit.parent, named, problems)
            if problems:
                raise InvalidForm(say("dossier.not_opened"), problems)
            assert units is not None and unit is not None and unit.parent is not None and group is not None
            areas = units.areas_of(commune_code)
            province = areas[units.levels[0]]
            facts = DossierFacts(
                "new", workflow.initial, province, commune_code, producer_org, areas_by_level=areas
            )
            decision = may(actor, "edit_forms", roleset, facts, workflow=workflow)
            if not decision:
                raise _deny(decision)
            dossier_id = repo.add_dossier(
                workflow_id=workflow.id,
                workflow_version=workflow.version,
                definition_hash=self.registry.hash_of(workflow),
                definition_set=definition_set,
                state=workflow.initial,
                product_name=product_name.strip(),
                product_set=product_set,
                product_group=group,
                producer_org=producer_org.strip(),
                province_code=province,
                commune_code=commune_code,
                kind=kind,
                filed_on=filed_on,
                renews_certificate=renews_certificate,
                stars=stars,
                links=named or None,
                created_by=actor.id,
                created_at=now,
                updated_at=now,
            )
            armed = timers.on_open(repo, workflow, {"id": dossier_id, "state": workflow.initial,
                                                     "filed_on": filed_on}, now)  # fmt: skip
            rounds.on_open(repo, workflow, dossier_id, filed_on, armed)
            repo.append_event(
                at=now,
                actor=actor.id,
                action="open",
                dossier_id=dossier_id,
                to_state=workflow.initial,
                definition_hash=self.registry.hash_of(workflow),
                payload={
                    "product_name": product_name,
                    "product_set": product_set,
                    "kind": kind,
                    "filed_on": filed_on,
                    "links": named,
                    "stars": stars,  # what the consistency check replays (a renewal starts with them)
                    **({"backdated_on": today, "reason": backdate_reason} if filed_on < today else {}),
                    **({"effects": armed} if armed else {}),
                },
            )
            row = repo.dossier(dossier_id)
            assert row is not None
            return self._snapshots(repo, [row])[0]

    @staticmethod
    def _renewed_stars(
        repo: Repository, kind: str, number: str | None, filed_on: dt.date, problems: dict[str, Message]
    ) -> int | None:
        """Upgrade and re-evaluation dossiers carry the stars of the certificate they renew."""
        if not number:
            return None
        cert = repo.certificate_by_number(number)
        if cert is None or cert["status"] != "valid" or cert["expires_on"] < filed_on:
            problems["renews_certificate"] = say("dossier.certificate_invalid", number=number)
            return None
        opens, closes = cert["reevaluation_opens"], cert["reevaluation_closes"]
        if kind == "reevaluation" and opens and closes and not (opens <= filed_on <= closes):
            problems["filed_on"] = say(
                "dossier.reevaluation_window", number=number, opens=opens, closes=closes
            )
        return int(cert["stars"])

    def get_dossier(self, actor: Actor, dossier_id: int) -> DossierSnapshot:
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            return self._snapshots(repo, [loaded.row])[0]

    def list_dossiers(
        self, actor: Actor, *, filters: Mapping[str, Any] | None = None, page: int = 1, per_page: int = 50
    ) -> Page:
        page = max(1, int(page))
        per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
        with self._tx(write=False) as repo:
            rows, total = repo.list_dossiers(self.area_filter(actor), filters or {}, page, per_page)
            return Page(tuple(self._snapshots(repo, rows)), total, page, per_page)

    def form_answers(self, actor: Actor, dossier_id: int) -> dict[str, dict[str, Any]]:
        """form id -> {answers, complete} for the forms saved on this dossier."""
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            return {
                fid: {"answers": r["answers"], "complete": r["complete"]}
                for fid, r in repo.form_answers(loaded.row["id"]).items()
            }

    def evidence_list(self, actor: Actor, dossier_id: int) -> list[dict[str, Any]]:
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            return repo.evidence(loaded.row["id"])

    def check_form(
        self,
        repo: Repository,
        loaded: Loaded,
        form: Form,
        answers: Mapping[str, Any],
        locale: str | None = None,
    ) -> FormCheck:
        evidence = frozenset(e["document_type"] for e in repo.evidence(loaded.row["id"]))
        return check_answers(
            form,
            answers,
            dossier=context.dossier_names(loaded.row),
            today=self.now().date(),
            units=loaded.pinned.units,
            evidence=evidence,
            locale=locale,
        )

    def save_form(
        self,
        actor: Actor,
        dossier_id: int,
        form_id: str,
        answers: Mapping[str, Any],
        *,
        expected_version: int | None = None,
        locale: str | None = None,
    ) -> DossierSnapshot:
        """Check and save one form's answers; numbers given as text are read in `locale` (engine.numbers)."""
        now = self.now()
        with self._tx() as repo:
            loaded = self._load(repo, actor, dossier_id)
            form = loaded.pinned.form(form_id)
            self._may_edit(actor, loaded, form)
            checked = self.check_form(repo, loaded, form, answers, locale)
            if checked.problems:
                raise InvalidForm(
                    say("form.answers_do_not_fit", count=len(checked.problems), form=form.title),
                    checked.problems,
                )
            row = loaded.row
            self._check_version(row, expected_version)
            version = repo.update_dossier(row["id"], row["version"], updated_at=now)
            clean = as_dict(checked.answers)
            repo.save_form_answers(
                row["id"], form_id, answers=clean, complete=checked.complete, saved_by=actor.id, saved_at=now
            )
            payload = {"form": form_id, "answers": clean, "complete": checked.complete, "version": version}
            self.record_in_place(repo, actor, row, "save_form", payload, now)
            fresh = repo.dossier(row["id"])
            assert fresh is not None
            return self._snapshots(repo, [fresh])[0]

    def _may_edit(self, actor: Actor, loaded: Loaded, form: Form) -> None:
        decision = may_edit_form(actor, loaded.workflow, loaded.roleset, loaded.facts, form)
        if not decision:
            raise _deny(decision)

    @staticmethod
    def _check_version(row: Mapping[str, Any], expected_version: int | None) -> None:
        if expected_version is not None and int(expected_version) != row["version"]:
            raise Conflict(
                say("dossier.stale", dossier_id=row["id"], version=row["version"], expected=expected_version),
                dossier_id=row["id"],
                version=row["version"],
            )

    @staticmethod
    def document_types(pinned: Pinned) -> set[str]:
        """The document types a dossier knows: its forms' evidence fields and its workflow's requirements."""
        types = {t for tr in pinned.workflow.transitions for t in tr.requires.evidence}
        for form in pinned.forms.values():
            types |= {f.document for f in form.fields() if f.type == "evidence" and f.document}
        return types

    def attach_evidence(
        self,
        actor: Actor,
        dossier_id: int,
        document_type: str,
        filename: str,
        data: bytes,
        *,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Store the file on disk by content hash and record it on the dossier."""
        now = self.now()
        mime, content = self._read_upload(filename, data)
        with self._tx() as repo:
            loaded = self._load(repo, actor, dossier_id)
            pinned = loaded.pinned
            decision = may_upload(
                actor, pinned.workflow, pinned.roleset, loaded.facts, document_type, pinned.forms.values()
            )
            if not decision:
                raise _deny(decision)
            record = self._write_evidence(
                repo, actor, loaded, document_type, filename, data, (mime, content), expected_version, now
            )
            self.refresh_completeness(repo, loaded, document_type)
            self.record_in_place(repo, actor, loaded.row, "attach_evidence", record, now)
            return record

    def _read_upload(self, filename: str, data: bytes) -> tuple[str, Message | None]:
        """(type, content problem) of an upload. Read before the write transaction: inflating an office
        file takes time that no other writer should wait for."""
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return mime, (
            _content_problem(filename, mime, data) if data and mime in self.evidence_types else None
        )

    def _write_evidence(
        self,
        repo: Repository,
        actor: Actor,
        loaded: Loaded,
        document_type: str,
        filename: str,
        data: bytes,
        read: tuple[str, Message | None],
        expected_version: int | None,
        now: dt.datetime,
    ) -> dict[str, Any]:
        """Check an upload, store its file (fsynced) and add its evidence row; the new record."""
        mime, content = read
        problems = self._evidence_problems(loaded.pinned, document_type, filename, data, mime, content)
        if problems:
            raise InvalidForm(say("evidence.not_attached"), problems)
        self._check_version(loaded.row, expected_version)
        digest = hashlib.sha256(data).hexdigest()
        self._store_blob(digest, data)
        row = loaded.row
        repo.update_dossier(row["id"], row["version"], updated_at=now)
        record: dict[str, Any] = {
            "document_type": document_type,
            "filename": os.path.basename(filename),
            "sha256": digest,
            "size": len(data),
            "mime": mime,
        }
        record["id"] = repo.add_evidence(
            dossier_id=row["id"], uploaded_by=actor.id, uploaded_at=now, **record
        )
        return record

    def refresh_completeness(self, repo: Repository, loaded: Loaded, document_type: str) -> None:
        """Re-check the saved forms whose evidence fields take `document_type` (the set of documents changed)."""
        saved = repo.form_answers(loaded.row["id"])
        for form_id, entry in saved.items():
            form = loaded.pinned.forms.get(form_id)
            if form is None or not any(
                f.type == "evidence" and f.document == document_type for f in form.fields()
            ):
                continue
            complete = self.check_form(repo, loaded, form, dict(entry["answers"])).complete
            if complete != bool(entry["complete"]):
                repo.save_form_answers(loaded.row["id"], form_id, complete=complete)

    def _evidence_problems(
        self,
        pinned: Pinned,
        document_type: str,
        filename: str,
        data: bytes,
        mime: str,
        content: Message | None,
    ) -> dict[str, Message]:
        problems: dict[str, Message] = text_problems(document_type=document_type, filename=filename)
        if problems:
            return problems
        if document_type not in self.document_types(pinned):
            problems["document_type"] = say(
                "evidence.type_unknown", document_type=document_type, workflow=pinned.workflow.id
            )
        if not data:
            problems["file"] = say("evidence.empty")
        elif len(data) > self.max_evidence_bytes:
            problems["file"] = say("evidence.too_large", size=len(data), limit=self.max_evidence_bytes)
        if mime not in self.evidence_types:
            problems["filename"] = say("evidence.file_type", mime=mime)
        elif content is not None and "file" not in problems:
            problems["file"] = content
        return problems

    def _store_blob(self, digest: str, data: bytes) -> None:
        store_blob(self.evidence_dir, digest, data)  # fsynced before the row naming it commits

    def clean_orphan_evidence(
        self, *, apply: bool = False, grace: dt.timedelta = DEFAULT_GRACE
    ) -> OrphanReport:
        """Files on disk that no evidence row names: listed, and removed with `apply` (a worker's job)."""
        return clean_orphans(self._tx, self.evidence_dir, now=self.now(), apply=apply, grace=grace)

    def evidence_file(self, actor: Actor, dossier_id: int, sha256: str) -> tuple[Any, dict[str, Any]]:
        """(path on disk, record) of a document attached to a dossier the actor may see."""
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            record = next((e for e in repo.evidence(loaded.row["id"]) if e["sha256"] == sha256), None)
        if record is None:
            raise NotFound(say("evidence.not_on_dossier"))
        return self.evidence_path(sha256), record

    def evidence_path(self, sha256: str) -> Any:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise NotFound(say("evidence.not_found"))
        path = self.evidence_dir / sha256
        if not path.exists():
            raise NotFound(say("evidence.not_found"))
        return path
