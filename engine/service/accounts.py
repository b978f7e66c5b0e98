"""Users, roles and passwords; the operations an administrator runs on an account.

Passwords are hashed with Werkzeug's scrypt helpers (`generate_password_hash`,
`check_password_hash`); hashes of the older stdlib format (`scrypt$n$r$p$salt$digest`)
are still accepted and rewritten in Werkzeug's format at the next sign-in.

Every password a person sets (a new user, a change, nothing else) needs PASSWORD_MIN to
PASSWORD_MAX characters (OWASP ASVS 2.1.1, 2.1.2). `seed_user` is for the demo and the test
fixtures only: it skips that rule so the demo's people keep the documented password `demo`.
Deactivation, a password reset and a password change end sessions; deactivation and a reset
also revoke API tokens, and nothing un-revokes them, so a reactivated user starts with none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.limits import text_problems
from engine.messages import Message, say
from engine.permissions import Actor, may
from engine.service.credentials import SessionActor, actor_from_row, secret_hash
from engine.service.snapshots import UserSnapshot
from engine.service.totp import TotpUseCases
from engine.storage.repository import Repository, Row

PASSWORD_MIN = 12
PASSWORD_MAX = 128
_LEGACY_SCHEME = "scrypt$"

__all__ = ["PASSWORD_MAX", "PASSWORD_MIN", "AccountUseCases", "actor_from_row", "hash_password"]


# Werkzeug's scrypt at its default cost. The test suite lowers the cost (tests/conftest.py), since it
# hashes thousands of passwords; nothing else changes it.
PASSWORD_METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def _check_legacy(password: str, stored: str) -> bool:
    try:
        _scheme, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


def check_password(password: str, stored: str) -> bool:
    if stored.startswith(_LEGACY_SCHEME):
        return _check_legacy(password, stored)
    try:
        return check_password_hash(stored, password)
    except ValueError:
        return False


def password_problem(password: str) -> Message | None:
    if len(password) < PASSWORD_MIN:
        return say("user.password_short", min=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return say("user.password_long", max=PASSWORD_MAX)
    return None


# Checked against when the username is unknown or inactive, so that a failed
# sign-in costs the same scrypt work whether or not the account exists.
_DECOY_HASH = hash_password(secrets.token_urlsafe(16))


def user_snapshot(row: Row) -> UserSnapshot:
    return UserSnapshot(
        id=row["id"],
        username=row["username"],
        roles=tuple(row["roles"]),
        area=row["area"],
        organisation=row["organisation"],
        display_name=row["display_name"],
        active=row["active"],
        must_change_password=bool(row.get("must_change_password")),
    )


class AccountUseCases(TotpUseCases):
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
        problem = password_problem(password or "")
        return self._create_user(actor, username, password, roles, area, organisation, display_name, problem)

    def seed_user(
        self,
        actor: Actor | None,
        username: str,
        password: str,
        roles: Iterable[str],
        area: str | None = None,
        organisation: str | None = None,
        display_name: str = "",
    ) -> UserSnapshot:
        """`create_user` without the password rule: the demo's and the tests' people only."""
        problem = None if password else say("user.password_short", min=PASSWORD_MIN)
        return self._create_user(actor, username, password, roles, area, organisation, display_name, problem)

    def _create_user(
        self,
        actor: Actor | None,
        username: str,
        password: str,
        roles: Iterable[str],
        area: str | None,
        organisation: str | None,
        display_name: str,
        password_problem: Message | None,
    ) -> UserSnapshot:
        now = self.now()
        problems: dict[str, Message] = {}
        if not username or not username.strip() or len(username) > 80:
            problems["username"] = say("user.username_required", max=80)
        if password_problem is not None:
            problems["password"] = password_problem
        problems.update(text_problems(display_name=display_name, organisation=organisation, area=area))
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

    def _audit_user(
        self, repo: Repository, actor: Actor | None, action: str, values: dict[str, Any], **extra: Any
    ) -> None:
        payload: dict[str, Any] = {
            k: values[k] for k in ("username", "roles", "area", "organisation", "active") if k in values
        }
        repo.append_event(
            at=self.now(), actor=actor.id if actor else "system", action=action, payload={**payload, **extra}
        )

    def _user(self, repo: Repository, username: str) -> Row:
        row = repo.user_by_username(username)
        if row is None:
            raise NotFound(say("user.not_found", username=username))
        return row

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
        refused = text_problems(organisation=organisation, area=area)
        if refused:
            raise InvalidForm(next(iter(refused.values())), refused)
        self._check_area(area)
        with self._tx() as repo:
            self.require(actor, "administer")
            row = self._user(repo, username)
            changes: dict[str, Any] = {"roles": role_list}
            if area is not None:
                changes["area"] = area or None
            if organisation is not None:
                changes["organisation"] = organisation or None
            repo.update_user(row["id"], **changes)
            row.update(changes)
            self._audit_user(repo, actor, "set_roles", row)
            if active is not None and active != row["active"]:
                self._set_active(repo, actor, row, active)
            return user_snapshot(row)

    def deactivate_user(self, actor: Actor, username: str) -> UserSnapshot:
        """The account can no longer sign in; its sessions end and its API tokens are revoked."""
        with self._tx() as repo:
            self.require(actor, "administer")
            row = self._user(repo, username)
            if username == actor.id:
                raise PermissionDenied(say("user.not_yourself"), reason="self")
            if row["active"]:
                self._set_active(repo, actor, row, False)
            return user_snapshot(row)

    def reactivate_user(self, actor: Actor, username: str) -> UserSnapshot:
        """The account may sign in again; the tokens revoked at deactivation stay revoked."""
        with self._tx() as repo:
            self.require(actor, "administer")
            row = self._user(repo, username)
            if not row["active"]:
                self._set_active(repo, actor, row, True)
            return user_snapshot(row)

    def _set_active(self, repo: Repository, actor: Actor, row: Row, active: bool) -> None:
        now = self.now()
        repo.update_user(row["id"], active=active)
        row["active"] = active
        if active:
            self._audit_user(repo, actor, "reactivate_user", row)
            return
        sessions = repo.end_user_sessions(row["id"], now)
        tokens = repo.revoke_tokens(now, actor.id, user_id=row["id"])
        self._audit_user(repo, actor, "deactivate_user", row, sessions_ended=sessions, tokens_revoked=tokens)

    def reset_password(self, actor: Actor, username: str) -> str:
        """A one-time password for the user, shown once to the administrator. The user must set a
        new password at the next sign-in; their sessions end and their API tokens are revoked."""
        temporary = secrets.token_urlsafe(12)  # 16 characters
        now = self.now()
        with self._tx() as repo:
            self.require(actor, "administer")
            row = self._user(repo, username)
            repo.update_user(
                row["id"],
                password_hash=hash_password(temporary),
                must_change_password=True,
                # the recovery for a lost phone: the user enrols again after the change
                totp_enabled=False,
                totp_secret=None,
                totp_last_step=None,
            )
            sessions = repo.end_user_sessions(row["id"], now)
            tokens = repo.revoke_tokens(now, actor.id, user_id=row["id"])
            self._audit_user(
                repo,
                actor,
                "reset_password",
                row,
                sessions_ended=sessions,
                tokens_revoked=tokens,
                second_factor_removed=bool(row["totp_enabled"]),
            )
        return temporary

    def change_password(self, actor: Actor, current: str, new: str, *, session_key: str = "") -> None:
        """The user's own change; their other sessions end (this one, `session_key`, stays)."""
        problem = password_problem(new)
        if problem is None and new == current:
            problem = say("user.password_unchanged")
        with self._tx() as repo:
            row = self._user(repo, actor.id)
            if not row["active"]:
                raise PermissionDenied(say("access.signed_out"), reason="role")
            if not check_password(current, row["password_hash"]):
                wrong = say("user.password_wrong")
                raise InvalidForm(wrong, {"current": wrong})
            if problem is not None:
                raise InvalidForm(problem, {"password": problem})
            repo.update_user(row["id"], password_hash=hash_password(new), must_change_password=False)
            this = repo.session_user(secret_hash(session_key)) if session_key else None
            keep = this["session_id"] if this is not None and this["id"] == row["id"] else None
            sessions = repo.end_user_sessions(row["id"], self.now(), keep=keep)
            self._audit_user(repo, actor, "change_password", row, sessions_ended=sessions)

    def user(self, actor: Actor, username: str) -> UserSnapshot:
        with self._tx(write=False) as repo:
            self.require(actor, "administer")
            return user_snapshot(self._user(repo, username))

    def users(self, actor: Actor) -> list[UserSnapshot]:
        with self._tx(write=False) as repo:
            self.require(actor, "administer")
            return [user_snapshot(r) for r in repo.users()]

    def sign_in(self, username: str, password: str) -> SessionActor | None:
        """The user behind a username and password (an old-format hash is upgraded), or None."""
        with self._tx(write=False) as repo:
            row = repo.user_by_username(username)
        usable = row is not None and bool(row["active"])
        stored = row["password_hash"] if usable and row else _DECOY_HASH
        if not (check_password(password, stored) and usable) or row is None:
            return None
        if stored.startswith(_LEGACY_SCHEME):
            with self._tx() as repo:
                repo.update_user(row["id"], password_hash=hash_password(password))
        return SessionActor(
            actor_from_row(row), bool(row["must_change_password"]), second_factor=bool(row["totp_enabled"])
        )

    def authenticate(self, username: str, password: str) -> Actor | None:
        """The password step alone (scripts, tests); a sign-in with a second factor uses sign_in."""
        signed = self.sign_in(username, password)
        return signed.actor if signed is not None else None

    def actor_for_username(self, username: str) -> Actor | None:
        """The actor of an active user (scripts, tests and the demo driver act as someone)."""
        with self._tx(write=False) as repo:
            row = repo.user_by_username(username)
        return actor_from_row(row) if row is not None and row["active"] else None

    def has_users(self) -> bool:
        """Whether any user exists (the first one is created without an actor)."""
        with self._tx(write=False) as repo:
            return bool(repo.users())
