"""mail_outbox.html_body: the HTML alternative of a mail rendered from a message template;
mail_outbox.parked_at: a mail that failed too often waits for the administrator

Revision ID: 0006_notices
Revises: 0005_reglinks
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_notices"
down_revision = "0006_rounds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("html_body", sa.Text(), nullable=True))
        batch.add_column(sa.Column("parked_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_column("parked_at")
        batch.drop_column("html_body")
