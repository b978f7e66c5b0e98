"""Sign-in sessions, API tokens and the sign-in throttle's counters: the rows that say who may
still come in. Mixed into the Repository; every method runs in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, case, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.storage import tables as t

Row = dict[str, Any]
_S = t.web_sessions.c
_T = t.api_tokens.c
_C = t.throttle_counters.c


class CredentialStore:
    connection: Connection

    # --- sessions ----------------------------------------------------------------------

    def add_session(self, user_id: int, key_hash: str, now: dt.datetime) -> None:
        self.connection.execute(
            insert(t.web_sessions).values(user_id=user_id, key_hash=key_hash, created_at=now, seen_at=now)
        )

    def session_user(self, key_hash: str) -> Row | None:
        """The user row of a session key, with the session's own columns as `session_*`."""
        q = (
            select(
                t.users,
                _S.id.label("session_id"),
                _S.created_at.label("session_created_at"),
                _S.seen_at.label("session_seen_at"),
                _S.ended_at.label("session_ended_at"),
            )
            .join(t.users, t.users.c.id == _S.user_id)
            .where(_S.key_hash == key_hash)
        )
        found = self.connection.execute(q).mappings().first()
        return dict(found) if found is not None else None

    def touch_session(self, session_id: int, now: dt.datetime) -> None:
        self.connection.execute(update(t.web_sessions).where(_S.id == session_id).values(seen_at=now))

    def end_session(self, session_id: int, now: dt.datetime) -> None:
        self.connection.execute(
            update(t.web_sessions).where(_S.id == session_id, _S.ended_at.is_(None)).values(ended_at=now)
        )

    def end_user_sessions(self, user_id: int, now: dt.datetime, *, keep: int | None = None) -> int:
        q = update(t.web_sessions).where(_S.user_id == user_id, _S.ended_at.is_(None))
        if keep is not None:
            q = q.where(_S.id != keep)
        return int(self.connection.execute(q.values(ended_at=now)).rowcount or 0)

    def drop_dead_sessions(
        self, user_id: int, *, seen_before: dt.datetime, created_before: dt.datetime
    ) -> int:
        """Delete a user's sessions that ended or timed out: nothing can bring them back."""
        dead = or_(_S.ended_at.is_not(None), _S.seen_at < seen_before, _S.created_at < created_before)
        result = self.connection.execute(delete(t.web_sessions).where(_S.user_id == user_id, dead))
        return int(result.rowcount or 0)

    # --- API tokens ----------------------------------------------------------------------

    def add_token(
        self, user_id: int, token_hash: str, now: dt.datetime, *, expires_at: dt.datetime, label: str = ""
    ) -> int:
        result = self.connection.execute(
            insert(t.api_tokens).values(
                user_id=user_id,
                token_hash=token_hash,
                created_at=now,
                revoked=False,
                label=label,
                expires_at=expires_at,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def tokens_of(self, user_id: int) -> list[Row]:
        q = select(t.api_tokens).where(_T.user_id == user_id).order_by(_T.id.desc())
        return [dict(r) for r in self.connection.execute(q).mappings()]

    def token_by_id(self, token_id: int) -> Row | None:
        found = self.connection.execute(select(t.api_tokens).where(_T.id == token_id)).mappings().first()
        return dict(found) if found is not None else None

    def revoke_tokens(
        self, now: dt.datetime, by: str, *, token_id: int | None = None, user_id: int | None = None
    ) -> int:
        q = update(t.api_tokens).where(_T.revoked.is_(False))
        q = q.where(_T.id == token_id) if token_id is not None else q.where(_T.user_id == user_id)
        return int(
            self.connection.execute(q.values(revoked=True, revoked_at=now, revoked_by=by)).rowcount or 0
        )

    # --- throttle counters (fixed windows of the `limits` library) --------------------------

    def counter_incr(self, key: str, expiry: float, amount: int, now: float) -> int:
        """Add to a window's count atomically (one upsert); an expired window starts again."""
        dialect = postgresql if self.connection.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(t.throttle_counters).values(key=key, count=amount, expires_at=now + expiry)
        expired = t.throttle_counters.c.expires_at <= now
        stmt = stmt.on_conflict_do_update(
            index_elements=[_C.key],
            set_={
                "count": case((expired, amount), else_=_C.count + amount),
                "expires_at": case((expired, now + expiry), else_=_C.expires_at),
            },
        ).returning(_C.count)
        return int(self.connection.execute(stmt).scalar_one())

    def counter(self, key: str, now: float) -> tuple[int, float]:
        """(count, expiry in seconds since the epoch) of a live window; (0, now) when none."""
        found = self.connection.execute(
            select(_C.count, _C.expires_at).where(_C.key == key, _C.expires_at > now)
        ).first()
        return (int(found[0]), float(found[1])) if found is not None else (0, now)

    def counter_clear(self, key: str) -> None:
        self.connection.execute(delete(t.throttle_counters).where(_C.key == key))

    def counters_purge(self, now: float) -> int:
        """Drop windows that have ended (they count for nothing); live ones are never dropped."""
        result = self.connection.execute(delete(t.throttle_counters).where(_C.expires_at <= now))
        return int(result.rowcount or 0)
