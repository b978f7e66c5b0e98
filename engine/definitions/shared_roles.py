"""Roles shared across regimes: a roles file's `uses:` resolved against the other roles files.

A role belongs to the roles file that defines it (`Role.namespace`); a user is granted
`<roles file>:<role>`. A role declared `shared: true` may be used by other roles files
(`uses: [ocop-2026-roles:auditor]`): one definition, so one grant counts in every regime whose
roles file uses it. Pure: the loader and the registry hand in the roles files they know.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

from engine.definitions import model as m
from engine.definitions.yamlread import Finding


def _shared_named(name: str, rolesets: Mapping[str, m.RoleSet], besides: str) -> list[m.Role]:
    return [
        role
        for rs in rolesets.values()
        if rs.id != besides
        for rid, role in rs.own().items()
        if rid == name and role.shared
    ]


def resolve(
    ref: str, roleset_id: str, rolesets: Mapping[str, m.RoleSet]
) -> tuple[m.Role | None, Finding | None]:
    """The shared role a `uses:` entry names, or the finding that says why it names none."""
    if ":" in ref:
        namespace, name = ref.split(":", 1)
        origin = rolesets.get(namespace)
        if origin is None or namespace == roleset_id:
            known = sorted(k for k in rolesets if k != roleset_id)
            return None, Finding("E140", params={"id": namespace, "ref": ref, "known": known})
        role = origin.own().get(name)
        if role is None or not role.shared:
            shared = sorted(r.qualified for r in origin.own().values() if r.shared)
            return None, Finding("E143", params={"id": name, "roles": namespace, "known": shared})
        return role, None
    found = _shared_named(ref, rolesets, roleset_id)
    if len(found) > 1:
        return None, Finding("E141", params={"id": ref, "known": sorted(r.qualified for r in found)})
    if not found:
        shared = sorted(
            r.qualified
            for rs in rolesets.values()
            if rs.id != roleset_id
            for r in rs.own().values()
            if r.shared
        )
        others = ", ".join(sorted(k for k in rolesets if k != roleset_id))
        return None, Finding("E143", params={"id": ref, "roles": others, "known": shared})
    return found[0], None


def check_uses(roleset: m.RoleSet, rolesets: Mapping[str, m.RoleSet]) -> Iterator[Finding]:
    """E140 unknown roles file, E141 ambiguous unqualified name, E142 a name defined twice,
    E143 a role that is not shared; each at its `uses:` entry."""
    taken: dict[str, str] = {rid: roleset.id for rid in roleset.own()}
    for i, ref in enumerate(roleset.uses):
        role, problem = resolve(ref, roleset.id, rolesets)
        if problem is not None:
            yield dataclasses.replace(problem, path=("uses", i))
            continue
        assert role is not None
        if role.id in taken:
            yield Finding(
                "E142", ("uses", i), {"id": role.id, "ref": role.qualified, "other": taken[role.id]}
            )
            continue
        taken[role.id] = role.qualified


def with_shared(roleset: m.RoleSet, rolesets: Mapping[str, m.RoleSet]) -> m.RoleSet:
    """The roles file with the shared roles it uses among its roles (those that resolve)."""
    if not roleset.uses:
        return roleset
    roles = dict(roleset.own())
    for ref in roleset.uses:
        role, _ = resolve(ref, roleset.id, rolesets)
        if role is not None:
            roles.setdefault(role.id, role)
    return dataclasses.replace(roleset, roles=roles)


def resolve_catalog(rolesets: Mapping[str, m.RoleSet], pool: Mapping[str, m.RoleSet]) -> dict[str, m.RoleSet]:
    """Every roles file of `rolesets` with its shared roles, resolved in `pool` (and `rolesets`)."""
    everything = {**pool, **rolesets}
    return {rid: with_shared(rs, everything) for rid, rs in rolesets.items()}
