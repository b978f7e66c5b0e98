"""timers: a state's timers armed for a dossier, run by `ocopflow worker`

Revision ID: 0005_timers
Revises: 0004_dossierpage
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_timers"
down_revision = "0005_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(100), nullable=False),
        sa.Column("timer", sa.String(100), nullable=False),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_timers_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timers")),
    )
    op.create_index(op.f("ix_timers_dossier_id"), "timers", ["dossier_id"])
    op.create_index("ix_timers_due", "timers", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_timers_due", table_name="timers")
    op.drop_index(op.f("ix_timers_dossier_id"), table_name="timers")
    op.drop_table("timers")
