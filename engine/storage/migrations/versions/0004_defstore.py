"""definitions as governed data: who proposed and approved each version, its bundle, the files
it reads (a units CSV), and a catalog version every process re-reads when it changes

Revision ID: 0004_defstore
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_defstore"
down_revision = "0004_registers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("definitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="active"))
        batch_op.add_column(sa.Column("bundle", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("attachments", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("proposed_by", sa.String(80), nullable=True))
        batch_op.add_column(sa.Column("proposed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("approved_by", sa.String(80), nullable=True))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_definitions_bundle", ["bundle"], unique=False)
    # Versions stored before this revision were activated by whoever stored them.
    op.execute(
        "UPDATE definitions SET proposed_by = activated_by, proposed_at = activated_at, "
        "approved_by = activated_by, approved_at = activated_at, "
        "status = CASE WHEN active THEN 'active' ELSE 'deactivated' END"
    )
    catalog = op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_version")),
    )
    op.bulk_insert(catalog, [{"id": 1, "version": 1}])


def downgrade() -> None:
    op.drop_table("catalog_version")
    with op.batch_alter_table("definitions", schema=None) as batch_op:
        batch_op.drop_index("ix_definitions_bundle")
        for column in ("approved_at", "approved_by", "proposed_at", "proposed_by", "attachments", "bundle", "status"):
            batch_op.drop_column(column)
