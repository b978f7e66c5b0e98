"""signed checkpoints of the audit chain; triggers that refuse UPDATE and DELETE of audit rows

Revision ID: 0004_tamper
Revises: 0003
Create Date: 2026-12-03

The triggers are a second line behind the hash chain and the checkpoints: they stop a
mistaken or casual UPDATE/DELETE (and TRUNCATE on PostgreSQL). Whoever owns the tables can
drop them; the documented way to run the app is under a role without UPDATE, DELETE and
TRUNCATE on these tables (docs/security.md (Audit trail)).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_tamper"
down_revision = "0003"
branch_labels = None
depends_on = None

GUARDED = ("audit_events", "audit_checkpoints")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ocopflow_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % refused: the audit trail is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False,
                  nullable=False),  # fmt: skip
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in GUARDED:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ocopflow_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ocopflow_append_only()"
            )
    else:
        for table in GUARDED:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, '{verb} on {table} refused: the audit trail is append-only'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ocopflow_append_only()")
    else:
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.drop_table("audit_checkpoints")
