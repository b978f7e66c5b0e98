"""registers: records, their filter values and their audit events

Revision ID: 0004_registers
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_registers"
down_revision = "0004_tamper"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.String(length=100), nullable=False),
        sa.Column("register_version", sa.String(length=50), nullable=False),
        sa.Column("definition_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("province_code", sa.String(length=10), nullable=True),
        sa.Column("commune_code", sa.String(length=10), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=True),
        sa.Column("area_ha", sa.Float(), nullable=True),
        sa.Column("west", sa.Float(), nullable=True),
        sa.Column("south", sa.Float(), nullable=True),
        sa.Column("east", sa.Float(), nullable=True),
        sa.Column("north", sa.Float(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint("register_id", "code", name=op.f("uq_records_register_id_code")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_register_status_id", ["register_id", "status", "id"], unique=False)
        for column in ("province_code", "commune_code", "organisation"):
            name = f"ix_records_register_status_{column.removesuffix('_code')}_id"
            batch_op.create_index(name, ["register_id", "status", column, "id"], unique=False)
    op.create_table(
        "record_facets",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("register_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_facets_record_id_records")
        ),
        sa.PrimaryKeyConstraint("record_id", "field", "value", name=op.f("pk_record_facets")),
    )
    with op.batch_alter_table("record_facets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_record_facets_lookup", ["register_id", "field", "value", "record_id"], unique=False
        )
    op.create_table(
        "record_events",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_events_record_id_records")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_record_events")),
    )
    with op.batch_alter_table("record_events", schema=None) as batch_op:
        batch_op.create_index("ix_record_events_record_seq", ["record_id", "seq"], unique=False)


def downgrade() -> None:
    op.drop_table("record_events")
    op.drop_table("record_facets")
    op.drop_table("records")
