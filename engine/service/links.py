"""The records a dossier names (the workflow's `links`): offered, checked, stored, shown.

`DossierLinkUseCases(base)` is attached to `Service` as `service.links`; `resolve_links` and
`check_renewal_links` are what opening a dossier calls inside its own transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.context import dossier_names
from engine.definitions.model import DossierLink, Form, Register, RoleSet, Text, UnitSet, Workflow
from engine.errors import NotFound
from engine.messages import Message, say
from engine.permissions import Actor
from engine.record_access import RecordFacts, acting_roles, may_record
from engine.service.base import ServiceBase
from engine.service.forms import check_answers
from engine.service.snapshots import DossierSnapshot
from engine.storage.repository import Repository, Row

MAX_CHOICES = 500  # records offered in one select; a register with more is searched on its own page


@dataclass(frozen=True)
class LinkChoice:
    """One link of the new-dossier form: its label, register and the records the person may pick."""

    name: str
    label: Text
    register: str
    required: bool
    records: tuple[tuple[int, str], ...]  # (record id, "title · code"), newest first
    more: bool  # the register holds more visible records than were offered


@dataclass(frozen=True)
class ShownLink:
    """A record the dossier names, as its page shows it (None title: the reader may not see it)."""

    name: str
    label: Text
    register: str
    record_id: int
    title: str | None


@dataclass(frozen=True)
class CarriedOver:
    """What a new dossier shows from the last dossier of the same record (the `carry_over` link):
    the answers of the forms' `carry_over` fields, never saved until the person saves the form, and
    the document types that dossier held, which are uploaded again (files are never copied)."""

    dossier_id: int
    filed_on: dt.date
    answers: dict[str, dict[str, Any]]  # form id -> field id -> the previous dossier's answer
    evidence: tuple[str, ...]  # document types of the previous dossier's files


def _title(row: Row) -> str:
    return str(row["title"]) + (f" · {row['code']}" if row["code"] else "")


def _facts(row: Row) -> RecordFacts:
    return RecordFacts(row["province_code"], row["commune_code"], row["organisation"])


def _register(base: ServiceBase, link: DossierLink) -> tuple[Register, RoleSet] | None:
    register = base.catalog.registers.get(link.register)
    roleset = base.catalog.roles.get(register.roles) if register else None
    return (register, roleset) if register is not None and roleset is not None else None


def _unit_name(units: UnitSet, code: str | None) -> str:
    unit = units.units.get(code) if code else None
    return f"{unit.name} ({unit.code})" if unit is not None else "—"


def resolve_links(
    base: ServiceBase,
    repo: Repository,
    actor: Actor,
    workflow: Workflow,
    given: Mapping[str, Any] | None,
    problems: dict[str, Message],
    *,
    units: UnitSet | None = None,
    commune_code: str | None = None,
) -> dict[str, int]:
    """The record ids a new dossier names, checked: a record the actor may not see (or that is not
    an active record of the link's register) is NotFound, as another area's dossier is; a link's
    `same_area` refuses a record outside the dossier's own unit of that level, naming both."""
    given = given or {}
    declared = {link.name: link for link in workflow.links}
    for name in given:
        if name not in declared:
            problems[f"links.{name}"] = say("dossier.link_undeclared", name=name, known=sorted(declared))
    out: dict[str, int] = {}
    for link in workflow.links:
        raw = given.get(link.name)
        if raw in (None, ""):
            if link.required:
                problems[f"links.{link.name}"] = say("field.required")
            continue
        text = str(raw).strip()
        if not text.isdigit() or len(text) > 18:
            problems[f"links.{link.name}"] = say("dossier.link_not_id", value=text[:40])
            continue
        record_id = int(text)
        found = _register(base, link)
        row = repo.record(record_id) if found else None
        missing = NotFound(
            say("record.not_found", record_id=record_id, register=link.register), record_id=record_id
        )
        if found is None or row is None or row["register_id"] != link.register or row["status"] != "active":
            raise missing
        register, roleset = found
        if not may_record(actor, register, roleset, "view", _facts(row)):
            raise missing
        if link.same_area and units is not None and commune_code:
            wanted = units.areas_of(commune_code).get(link.same_area)
            placed = units.areas_of(row["commune_code"] or row["province_code"]).get(link.same_area)
            if wanted != placed:
                problems[f"links.{link.name}"] = say(
                    "dossier.link_other_area", label=link.label, title=_title(row),
                    record_unit=_unit_name(units, placed), dossier_unit=_unit_name(units, wanted),
                )  # fmt: skip
                continue
        out[link.name] = record_id
    return out


def check_renewal_links(
    repo: Repository,
    workflow: Workflow,
    renewed_dossier_id: int,
    province_code: str | None,
    links: Mapping[str, int],
    problems: dict[str, Message],
) -> None:
    """A renewal renews a certificate of its own province, and (`same_on_renewal`) of a dossier
    that named the record this one names."""
    renewed = repo.dossier(renewed_dossier_id)
    if renewed is not None and renewed["province_code"] != province_code:
        problems["renews_certificate"] = say("dossier.certificate_other_area")
    before: Mapping[str, Any] = (renewed["links"] if renewed else None) or {}
    for link in workflow.links:
        if not link.same_on_renewal or link.name not in before:
            continue
        if links.get(link.name) != before[link.name]:
            problems[f"links.{link.name}"] = say(
                "dossier.link_renewal_other",
                label=link.label,
                wanted=before[link.name],
                given=links.get(link.name) or "—",
            )


class DossierLinkUseCases:
    """What the new-dossier form offers and what a dossier's page shows of its records."""

    def __init__(self, base: ServiceBase) -> None:
        self.base = base

    def choices(self, actor: Actor, workflow: Workflow) -> list[LinkChoice]:
        """Per link of the workflow: the active records of its register the actor may see."""
        out: list[LinkChoice] = []
        with self.base._tx(write=False) as repo:
            for link in workflow.links:
                found = _register(self.base, link)
                records: tuple[tuple[int, str], ...] = ()
                more = False
                if found is not None:
                    register, roleset = found
                    if may_record(actor, register, roleset, "view", None):
                        viewing = frozenset(r.id for r in acting_roles(actor, register, roleset, "view"))
                        area = self.base.area_filter(dataclasses.replace(actor, roles=viewing))
                        rows, _ = repo.list_records(
                            register.id, area=area, filters={}, words=[], status="active", before=None,
                            limit=MAX_CHOICES + 1,
                        )  # fmt: skip
                        visible = [r for r in rows if may_record(actor, register, roleset, "view", _facts(r))]
                        more = len(visible) > MAX_CHOICES
                        records = tuple((int(r["id"]), _title(r)) for r in visible[:MAX_CHOICES])
                out.append(LinkChoice(link.name, link.label, link.register, link.required, records, more))
        return out

    def shown(self, actor: Actor, workflow: Workflow, dossier: DossierSnapshot) -> list[ShownLink]:
        """The records the dossier names, in the order the workflow declares its links."""
        out: list[ShownLink] = []
        with self.base._tx(write=False) as repo:
            for link in workflow.links:
                record_id = dossier.links.get(link.name)
                if record_id is None:
                    continue
                found = _register(self.base, link)
                rows = repo.records_by_ids(link.register, [int(record_id)]) if found else []
                title = None
                if found and rows and may_record(actor, found[0], found[1], "view", _facts(rows[0])):
                    title = _title(rows[0])
                out.append(ShownLink(link.name, link.label, link.register, int(record_id), title))
        return out

    def carried_over(
        self, actor: Actor, workflow: Workflow, dossier: DossierSnapshot, forms: Sequence[Form]
    ) -> CarriedOver | None:
        """The last earlier dossier the actor may see that names the same record as this one in the
        workflow's `carry_over` link, and the answers of `forms` it gives (only the fields marked
        `carry_over`, only answers these forms still take). None: no such link, record or dossier."""
        link = next((ln for ln in workflow.links if ln.carry_over), None)
        record_id = dossier.links.get(link.name) if link is not None else None
        if link is None or record_id is None:
            return None
        today = self.base.now().date()
        names = dossier_names(dossier)
        with self.base._tx(write=False) as repo:
            for row in repo.dossiers_with_links(dossier.province_code, dossier.id):
                named = row["links"] if isinstance(row["links"], Mapping) else {}
                if named.get(link.name) != record_id:
                    continue
                try:
                    self.base._load(repo, actor, row["id"])
                except NotFound:
                    continue  # a dossier the reader may not see gives nothing
                saved = repo.form_answers(row["id"])
                answers: dict[str, dict[str, Any]] = {}
                for form in forms:
                    before = (saved.get(form.id) or {}).get("answers") or {}
                    wanted = {f.id: before[f.id] for f in form.fields() if f.carry_over and f.id in before}
                    check = check_answers(form, wanted, dossier=names, today=today)
                    kept = {
                        k: v for k, v in wanted.items() if k not in check.problems and k not in check.hidden
                    }
                    if kept:
                        answers[form.id] = kept
                types = tuple(sorted({e["document_type"] for e in repo.evidence(row["id"])}))
                return CarriedOver(int(row["id"]), row["filed_on"], answers, types)
        return None
