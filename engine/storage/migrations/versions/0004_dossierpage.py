"""dossiers.search_text: product and producer in lower case, and folded (no diacritics), for search

Revision ID: 0004_dossierpage
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.storage.search import search_text

revision = "0004_dossierpage"
down_revision = "0004_sessions"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.String(1200), nullable=True))
    connection = op.get_bind()
    dossiers = sa.table(
        "dossiers",
        sa.column("id", sa.Integer),
        sa.column("product_name", sa.String),
        sa.column("producer_org", sa.String),
        sa.column("search_text", sa.String),
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(dossiers.c.id, dossiers.c.product_name, dossiers.c.producer_org)
            .where(dossiers.c.id > last)
            .order_by(dossiers.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            connection.execute(
                dossiers.update()
                .where(dossiers.c.id == row.id)
                .values(search_text=search_text(row.product_name, row.producer_org))
            )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("search_text")
