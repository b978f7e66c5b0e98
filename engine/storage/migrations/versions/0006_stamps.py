"""stamps: visits of a batch's public trace page counted per batch and day (no address kept)

Revision ID: 0006_stamps
Revises: 0005_reglinks
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_stamps"
down_revision = "0006_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scan_days",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_scan_days_record_id_records")),
        sa.PrimaryKeyConstraint("record_id", "day", name=op.f("pk_scan_days")),
    )


def downgrade() -> None:
    op.drop_table("scan_days")
