"""Evaluation rounds: sittings (a council's sitting per round), dossier_rounds (the round a dossier
joined in each series, and its sitting); timers.paused_at (a timer paused with the dossier's clocks)

Revision ID: 0006_rounds
Revises: 0005_reglinks
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_rounds"
down_revision = "0006_budget"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(), nullable=True))
    op.create_table(
        "sittings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("series", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sittings")),
        sa.UniqueConstraint("workflow_id", "state", "series", "year", "round_id", name="uq_sittings_round"),
    )
    op.create_table(
        "dossier_rounds",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(length=100), nullable=False),
        sa.Column("cutoff", sa.Date(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_rounds_dossier_id_dossiers")),
        sa.ForeignKeyConstraint(["sitting_id"], ["sittings.id"], name=op.f("fk_dossier_rounds_sitting_id_sittings")),
        sa.PrimaryKeyConstraint("dossier_id", "series", name=op.f("pk_dossier_rounds")),
    )
    op.create_index("ix_dossier_rounds_round", "dossier_rounds", ["series", "year", "round_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dossier_rounds_round", table_name="dossier_rounds")
    op.drop_table("dossier_rounds")
    op.drop_table("sittings")
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_column("paused_at")
