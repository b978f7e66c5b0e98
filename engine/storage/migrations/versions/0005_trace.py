"""trace: a batch's trace events and a transformation's inputs, append-only like the audit rows

Revision ID: 0005_trace
Revises: 0004_dossierpage
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_trace"
down_revision = "0004_dossierpage"
branch_labels = None
depends_on = None

GUARDED = ("trace_events", "trace_inputs")
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

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
        "trace_events",
        sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_trace_events_record_id_records")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_trace_events")),
    )
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.create_index("ix_trace_events_record_seq", ["record_id", "seq"], unique=False)
    op.create_table(
        "trace_inputs",
        sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("input_record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["seq"], ["trace_events.seq"], name=op.f("fk_trace_inputs_seq_trace_events")),
        sa.ForeignKeyConstraint(
            ["input_record_id"], ["records.id"], name=op.f("fk_trace_inputs_input_record_id_records")
        ),
        sa.PrimaryKeyConstraint("seq", "input_record_id", name=op.f("pk_trace_inputs")),
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
                    f"SELECT RAISE(ABORT, '{verb} on {table} refused: trace events are append-only'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    else:
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.drop_table("trace_inputs")
    op.drop_table("trace_events")
