"""Users, roles, passwords and API tokens. Passwords are hashed with scrypt from the stdlib."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any

from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.messages import Message, say
from engine.permissions import Actor, may
from engine.service.base import ServiceBase
from engine.service.snapshots import UserSnapshot
from engine.storage.repository import Repository, Row

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    computed = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(computed.hex(), digest)


# Checked against when the username is unknown or inactive, so that a failed
# sign-in costs the same scrypt work whether or not the account exists.
_DECOY_HASH = hash_password(secrets.token_urlsafe(16))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_from_row(row: Row) -> Actor:
    return Actor(
        id=row["username"],
        roles=frozenset(row["roles"]),
        area=row["area"],
        organisation=row["organisation"],
        display_name=row["display_name"] or row["username"],
    )


def user_snapshot(row: Row) -> UserSnapshot:
    return UserSnapshot(
        id=row["id"],
        username=row["username"],
        roles=tuple(row["roles"]),
        area=row["area"],
        organisation=row["organisation"],
        display_name=row["display_name"],
        active=row["active"],
    )


class AccountUseCases(ServiceBase):
    def require(self, actor: Actor | None, permission: str) -> None:
        """A catalog-wide permission (administer, audit): some roles file must grant it to the actor."""
        if actor is None:
            raise PermissionDenied(say("access.signed_out"), reason="role")
        decisions = [may(actor, permission, roleset, None) for roleset in self.catalog.roles.values()]
        if not any(decisions):
            reason = decisions[0].reason if decisions else "role"
            raise PermissionDenied(say("access.permission_needed", permission=permission), reason=reason)

    def _known_roles(self, roles: Iterable[str]) -> list[str]:
        known = self.registry.all_roles()
        wrong = [r for r in roles if r not in known]
        if wrong:
            raise InvalidForm(
                say("user.roles_unknown", roles=wrong), {"roles": say("user.roles_unknown", roles=wrong)}
            )
        return sorted(set(roles))

    def _check_area(self, area: str | None) -> None:
        """An area is the code of a unit of a loaded unit list (a commune or a province), or none."""
        if not area:
            return
        if not any(area in units.units for units in self.catalog.units.values()):
            problem = say("user.area_unknown", area=area)
            raise InvalidForm(problem, {"area": problem})

    def create_user(
        self,
        actor: Actor | None,
        username: str,
        password: str,
        roles: Iterable[str],
        area: str | None = None,
        organisation: str | None = None,
        display_name: str = "",
    ) -> UserSnapshot:
        """Create a user. With no user in the database yet, the first one needs no actor (bootstrap)."""
        now = self.now()
        problems: dict[str, Message] = {}
        if not username or not username.strip() or len(username) > 80:
            problems["username"] = say("user.username_required", max=80)
        if not password or len(password) < 4:
            problems["password"] = say("user.password_short", min=4)
        if problems:
            raise InvalidForm(say("user.not_created"), problems)
        role_list = self._known_roles(roles)
        self._check_area(area)
        with self._tx() as repo:
            if actor is not None or repo.users():
                self.require(actor, "administer")
            values: dict[str, Any] = {
                "username": username.strip(),
                "password_hash": hash_password(password),
                "roles": role_list,
                "area": area,
                "organisation": organisation,
                "display_name": display_name or username,
                "active": True,
                "created_at": now,
            }
            values["id"] = repo.add_user(**values)
            self._audit_user(repo, actor, "create_user", values)
            return user_snapshot(values)

    def _audit_user(self, repo: Repository, actor: Actor | None, action: str, values: dict[str, Any]) -> None:
        payload: dict[str, Any] = {
            k: values[k] for k in ("username", "roles", "area", "organisation", "active") if k in values
        }
        repo.append_event(
            at=self.now(), actor=actor.id if actor else "system", action=action, payload=payload
        )

    def set_roles(
        self,
        actor: Actor,
        username: str,
        roles: Iterable[str],
        *,
        area: str | None = None,
        organisation: str | None = None,
        active: bool | None = None,
    ) -> UserSnapshot:
        role_list = self._known_roles(roles)
        self._check_area(area)
        with self._tx() as repo:
            self.require(actor, "administer")
            row = repo.user_by_username(username)
            if row is None:
                raise NotFound(say("user.not_found", username=username))
            changes: dict[str, Any] = {"roles": role_list}
            if area is not None:
                changes["area"] = area or None
            if organisation is not None:
                changes["organisation"] = organisation or None
            if active is not None:
                changes["active"] = active
            repo.update_user(row["id"], **changes)
            row.update(changes)
            self._audit_user(repo, actor, "set_roles", row)
            return user_snapshot(row)

    def users(self, actor: Actor) -> list[UserSnapshot]:
        with self._tx(write=False) as repo:
            self.require(actor, "administer")
            return [user_snapshot(r) for r in repo.users()]

    def authenticate(self, username: str, password: str) -> Actor | None:
        with self._tx(write=False) as repo:
            row = repo.user_by_username(username)
        usable = row is not None and bool(row["active"])
        matches = check_password(password, row["password_hash"] if usable and row else _DECOY_HASH)
        if not (usable and matches) or row is None:
            return None
        return actor_from_row(row)

    def actor_for_username(self, username: str) -> Actor | None:
        """The actor of a signed-in session (the web layer keeps only the username)."""
        with self._tx(write=False) as repo:
            row = repo.user_by_username(username)
        return actor_from_row(row) if row is not None and row["active"] else None

    def issue_api_token(self, actor: Actor) -> str:
        token = "ocf_" + secrets.token_urlsafe(32)
        with self._tx() as repo:
            row = repo.user_by_username(actor.id)
            if row is None or not row["active"]:
                raise PermissionDenied(say("access.token_inactive_user"), reason="role")
            repo.add_token(row["id"], _token_hash(token), self.now())
            repo.append_event(
                at=self.now(), actor=actor.id, action="issue_api_token", payload={"user": actor.id}
            )
        return token

    def actor_for_token(self, token: str) -> Actor | None:
        if not token:
            return None
        with self._tx(write=False) as repo:
            row = repo.user_for_token(_token_hash(token))
        return actor_from_row(row) if row is not None and row["active"] else None
