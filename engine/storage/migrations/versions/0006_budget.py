"""budget_lines, budget_entries: spending recorded against a plan's budget lines (issue 13)

Revision ID: 0006_budget
Revises: 0005_reglinks
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_budget"
down_revision = "0005_reglinks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget_lines",
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "line_id", name=op.f("pk_budget_lines")),
    )
    op.create_table(
        "budget_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("amount_hundredths", sa.BigInteger(), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("definition_hash", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id", "line_id"],
            ["budget_lines.plan_id", "budget_lines.line_id"],
            name="fk_budget_entries_plan_id_budget_lines",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_entries")),
    )
    op.create_index("ix_budget_entries_plan_line", "budget_entries", ["plan_id", "line_id"])


def downgrade() -> None:
    op.drop_index("ix_budget_entries_plan_line", table_name="budget_entries")
    op.drop_table("budget_entries")
    op.drop_table("budget_lines")
