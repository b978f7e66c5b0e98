"""sessions and tokens that end: server-side sessions, token expiry and revocation,
forced password change, an optional TOTP second factor, shared sign-in throttle counters

Revision ID: 0004_sessions
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004_sessions"
down_revision = "0004_defstore"
branch_labels = None
depends_on = None

# Tokens issued before expiry existed get this long from the upgrade.
LEGACY_TOKEN_DAYS = 30


def upgrade() -> None:
    # users is altered in place, never rebuilt: a rebuild would break the foreign keys of the
    # rows that reference it (SQLite adds and, since 3.35, drops a column in place)
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("revoked_by", sa.String(length=80), nullable=True))
        batch_op.create_index("ix_api_tokens_user_id", ["user_id"], unique=False)
    tokens = sa.table(
        "api_tokens",
        sa.column("user_id", sa.Integer()),
        sa.column("expires_at", sa.DateTime()),
        sa.column("revoked", sa.Boolean()),
    )
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("active", sa.Boolean()))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.execute(tokens.update().values(expires_at=now + dt.timedelta(days=LEGACY_TOKEN_DAYS)))
    # a deactivated user's old tokens must not come back with a reactivation
    inactive = sa.select(users.c.id).where(users.c.active.is_(False))
    op.execute(tokens.update().where(tokens.c.user_id.in_(inactive)).values(revoked=True))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(), nullable=False)
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_web_sessions_key_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)
    op.create_table(
        "throttle_counters",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttle_counters")),
    )
    with op.batch_alter_table("throttle_counters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_throttle_counters_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("throttle_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_throttle_counters_expires_at"))
    op.drop_table("throttle_counters")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
    op.drop_table("web_sessions")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_api_tokens_user_id")
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("label")
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("must_change_password")
