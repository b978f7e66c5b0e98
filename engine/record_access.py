"""Who may view, create, edit and archive the records of a register. Pure and default-deny.

A register's `access` names the roles of each action; the roles file gives each
role its scope, read against the record's area (the register's `area` field)
and the organisation that keeps it, exactly as for dossiers (`permissions.in_scope`).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.definitions.model import Register, Role, RoleSet
from engine.permissions import Actor, Decision, DossierFacts, in_scope, roles_of

OK = Decision(True, "ok")


@dataclass(frozen=True)
class RecordFacts:
    province_code: str | None
    commune_code: str | None
    organisation: str | None  # the producer organisation that keeps the record, if any

    def as_dossier(self) -> DossierFacts:
        return DossierFacts("", "", self.province_code, self.commune_code, self.organisation)


def acting_roles(actor: Actor, register: Register, roleset: RoleSet, action: str) -> list[Role]:
    """The actor's roles that the register lets do `action`."""
    allowed = set(register.access.get(action, ()))
    return [r for r in roles_of(actor, roleset) if r.id in allowed]


def may_record(
    actor: Actor, register: Register, roleset: RoleSet, action: str, record: RecordFacts | None
) -> Decision:
    """May the actor `action` (view, create, edit, archive) this record (None: any record, e.g. listing)?"""
    roles = acting_roles(actor, register, roleset, action)
    if not roles:
        return Decision(False, "role")
    if record is None:
        return OK
    facts = record.as_dossier()
    if any(in_scope(actor, role, facts) for role in roles):
        return OK
    return Decision(False, "scope")
