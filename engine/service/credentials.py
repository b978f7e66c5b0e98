"""Sign-in sessions and API tokens that end: kept server-side, so a sign-out, a deactivation,
a password reset or a revocation ends them for every copy of the cookie or token at once.

Only a hash (SHA-256) of a session key or a token is stored; the secret itself is shown once.
Timeouts are the caller's settings (the web layer's SESSION_IDLE_MINUTES and
SESSION_MAX_HOURS), handed in with each lookup, so the service reads no environment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.messages import say
from engine.permissions import Actor, may
from engine.service.base import ServiceBase
from engine.storage.repository import Repository, Row

TOKEN_PREFIX = "ocf_"
MAX_TOKEN_DAYS = 365
DEFAULT_TOKEN_DAYS = 30
# seen_at is written at most once a minute per session: the idle timeout is exact to a minute
# and a page view does not cost a write.
SEEN_GRANULARITY = dt.timedelta(seconds=60)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def actor_from_row(row: Row) -> Actor:
    return Actor(
        id=row["username"],
        roles=frozenset(row["roles"]),
        area=row["area"],
        organisation=row["organisation"],
        display_name=row["display_name"] or row["username"],
    )


@dataclass(frozen=True)
class SessionActor:
    """Who a session belongs to, and whether they must change their password before anything else."""

    actor: Actor
    must_change_password: bool
    second_factor: bool = False  # a sign-in that still needs a one-time code (engine/service/totp.py)


@dataclass(frozen=True)
class TokenSnapshot:
    id: int
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked: bool
    revoked_at: dt.datetime | None
    revoked_by: str | None

    def usable(self, now: dt.datetime) -> bool:
        return not self.revoked and self.expires_at > now


@dataclass(frozen=True)
class NewToken:
    secret: str  # shown once to its holder, never stored
    info: TokenSnapshot


def token_snapshot(row: Row) -> TokenSnapshot:
    return TokenSnapshot(
        id=row["id"],
        label=row["label"] or "",
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked=bool(row["revoked"]),
        revoked_at=row["revoked_at"],
        revoked_by=row["revoked_by"],
    )


class CredentialUseCases(ServiceBase):
    def _administers(self, actor: Actor) -> bool:
        return any(may(actor, "administer", roleset, None) for roleset in self.catalog.roles.values())

    # --- sessions ----------------------------------------------------------------------

    def start_session(
        self, actor: Actor, *, idle: dt.timedelta | None = None, absolute: dt.timedelta | None = None
    ) -> str:
        """A new session for a signed-in user; the returned key goes into the (signed) cookie.
        With the timeouts given, the user's sessions that have ended or timed out are deleted."""
        key = secrets.token_urlsafe(32)
        now = self.now()
        with self._tx() as repo:
            row = repo.user_by_username(actor.id)
            if row is None or not row["active"]:
                raise PermissionDenied(say("access.signed_out"), reason="role")
            if idle is not None and absolute is not None:
                repo.drop_dead_sessions(row["id"], seen_before=now - idle, created_before=now - absolute)
            repo.add_session(row["id"], secret_hash(key), now)
        return key

    def session_actor(self, key: str, *, idle: dt.timedelta, absolute: dt.timedelta) -> SessionActor | None:
        """The user of a live session; None when it ended, timed out or its user is inactive."""
        if not key:
            return None
        now = self.now()
        with self._tx(write=False) as repo:
            row = repo.session_user(secret_hash(key))
        if row is None or row["session_ended_at"] is not None:
            return None
        timed_out = now - row["session_seen_at"] > idle or now - row["session_created_at"] > absolute
        if timed_out or not row["active"]:
            with self._tx() as repo:
                repo.end_session(row["session_id"], now)
            return None
        if now - row["session_seen_at"] >= SEEN_GRANULARITY:
            with self._tx() as repo:
                repo.touch_session(row["session_id"], now)
        return SessionActor(actor_from_row(row), bool(row["must_change_password"]))

    def end_session(self, key: str) -> None:
        """Sign-out: the session ends on the server, so a copy of the cookie is worthless."""
        if not key:
            return
        with self._tx() as repo:
            row = repo.session_user(secret_hash(key))
            if row is not None:
                repo.end_session(row["session_id"], self.now())

    # --- API tokens ----------------------------------------------------------------------

    def create_api_token(self, actor: Actor, *, days: int = DEFAULT_TOKEN_DAYS, label: str = "") -> NewToken:
        if not 1 <= days <= MAX_TOKEN_DAYS:
            problem = say("token.lifetime", max=MAX_TOKEN_DAYS)
            raise InvalidForm(problem, {"expires_in_days": problem})
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.now()
        expires_at = now + dt.timedelta(days=days)
        with self._tx() as repo:
            row = repo.user_by_username(actor.id)
            if row is None or not row["active"]:
                raise PermissionDenied(say("access.token_inactive_user"), reason="role")
            if row["must_change_password"]:
                raise PermissionDenied(say("access.password_change_required"), reason="password")
            label = label.strip()[:100]
            token_id = repo.add_token(row["id"], secret_hash(secret), now, expires_at=expires_at, label=label)
            repo.append_event(
                at=now,
                actor=actor.id,
                action="issue_api_token",
                payload={"user": actor.id, "token": token_id, "expires_at": expires_at.isoformat()},
            )
            created = repo.token_by_id(token_id)
        assert created is not None
        return NewToken(secret, token_snapshot(created))

    def issue_api_token(self, actor: Actor, *, days: int = DEFAULT_TOKEN_DAYS, label: str = "") -> str:
        return self.create_api_token(actor, days=days, label=label).secret

    def api_tokens(self, actor: Actor, username: str | None = None) -> list[TokenSnapshot]:
        """The actor's own tokens, or (administrators) another user's."""
        with self._tx(write=False) as repo:
            row = self._token_owner(repo, actor, username or actor.id)
            return [token_snapshot(r) for r in repo.tokens_of(row["id"])]

    def _token_owner(self, repo: Repository, actor: Actor, username: str) -> Row:
        if username != actor.id and not self._administers(actor):
            raise PermissionDenied(say("access.permission_needed", permission="administer"), reason="role")
        row = repo.user_by_username(username)
        if row is None:
            raise NotFound(say("user.not_found", username=username))
        return row

    def revoke_api_token(self, actor: Actor, token_id: int) -> TokenSnapshot:
        """Its holder or an administrator ends a token; the next call with it gets a 401."""
        if not 0 < token_id < 2**31:  # past the id column's range: no such token on any database
            raise NotFound(say("token.not_found", id=token_id))
        with self._tx() as repo:
            token = repo.token_by_id(token_id)
            owner = repo.user_by_id(token["user_id"]) if token is not None else None
            mine = owner is not None and owner["username"] == actor.id
            if token is None or owner is None or not (mine or self._administers(actor)):
                raise NotFound(say("token.not_found", id=token_id))  # another's token: no existence leak
            if not token["revoked"]:
                repo.revoke_tokens(self.now(), actor.id, token_id=token_id)
                repo.append_event(
                    at=self.now(),
                    actor=actor.id,
                    action="revoke_api_token",
                    payload={"user": owner["username"], "token": token_id},
                )
            found = repo.token_by_id(token_id)
        assert found is not None
        return token_snapshot(found)

    def actor_for_token(self, token: str) -> Actor | None:
        if not token:
            return None
        with self._tx(write=False) as repo:
            row = repo.user_for_token(secret_hash(token))
        if row is None or not row["active"] or row["must_change_password"]:
            return None
        return actor_from_row(row) if row["token_expires_at"] > self.now() else None
