"""mail_outbox: mails waiting for the SMTP server, each marked sent only once the server accepted it;
users.email and users.mail_mode; user_notifications: who a notification reached, read or not

Revision ID: 0005_notify
Revises: 0004_dossierpage
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_notify"
down_revision = "0005_trace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["sent_at", "next_attempt_at"], unique=False)
    op.add_column("users", sa.Column("email", sa.String(length=320), nullable=True))
    op.add_column(
        "users", sa.Column("mail_mode", sa.String(length=10), nullable=False, server_default="immediate")
    )
    op.create_table(
        "user_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("digested_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_user_notifications_notification_id_notifications"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_notifications_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_notifications")),
    )
    op.create_index("ix_user_notifications_user", "user_notifications", ["user_id", "read_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_user_notifications_user", table_name="user_notifications")
    op.drop_table("user_notifications")
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of users would trip its foreign keys.
    op.execute("ALTER TABLE users DROP COLUMN mail_mode")
    op.execute("ALTER TABLE users DROP COLUMN email")
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    op.drop_table("mail_outbox")
