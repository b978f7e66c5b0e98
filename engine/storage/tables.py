"""The database schema as SQLAlchemy Core tables; Alembic migrations mirror it.

Core rather than the ORM: the repository issues a handful of statements per use
case and the hot path (fire a transition) must stay close to raw SQL speed.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

# Stable constraint names so Alembic can diff and PostgreSQL/SQLite agree.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("password_hash", String(256), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("area", String(20)),
    Column("organisation", String(200)),
    Column("display_name", String(200), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    # set by an administrator's password reset: the next sign-in leads to the change page only
    Column("must_change_password", Boolean, nullable=False, default=False, server_default=false()),
    # optional second factor (TOTP, RFC 6238): the base32 secret once enrolment is confirmed
    # (pending until then), and the last time step used, so a code is good only once
    Column("totp_secret", String(64)),
    Column("totp_enabled", Boolean, nullable=False, default=False, server_default=false()),
    Column("totp_last_step", BigInteger),
    # where notification mails go, and how: "immediate" (one mail per notification) or "digest"
    # (one mail a day of the unread ones, engine/service/notifications.py)
    Column("email", String(320)),
    Column("mail_mode", String(10), nullable=False, default="immediate", server_default="immediate"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("label", String(100), nullable=False, default="", server_default=""),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("revoked_by", String(80)),
    Index("ix_api_tokens_user_id", "user_id"),
)

# Server-side sign-in sessions: the cookie holds a random key whose hash is here, so a
# sign-out, a deactivation or a password reset ends the session for every copy of the cookie.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("seen_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
)

# Sign-in failure counters (the `limits` library's fixed windows) when the throttle's store is
# the database: shared by every worker and machine on the same database.
throttle_counters = Table(
    "throttle_counters",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),  # seconds since the epoch
)

definitions = Table(
    "definitions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("def_id", String(100), nullable=False),
    Column("version", String(50), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("file", String(400), nullable=False),
    Column("legal_basis", Text),
    Column("effective_from", Date),
    Column("effective_until", Date),
    Column("activated_by", String(80), nullable=False),
    Column("activated_at", DateTime, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    # Governance (revision 0004_defstore): proposed -> active (four-eyes: approved by another
    # administrator), or deactivated; a bundle groups the versions installed together; attachments
    # are the files a definition reads besides its YAML (a units CSV), {name: text}.
    Column("status", String(20), nullable=False, server_default="active"),
    Column("bundle", String(64), index=True),
    Column("attachments", JSON),
    Column("proposed_by", String(80)),
    Column("proposed_at", DateTime),
    Column("approved_by", String(80)),
    Column("approved_at", DateTime),
    UniqueConstraint("kind", "def_id", "version", "sha256"),
)

# One row: bumped by every change of the definitions table, so each process re-reads its catalog.
catalog_version = Table(
    "catalog_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

dossiers = Table(
    "dossiers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False, default=1),
    Column("workflow_id", String(100), nullable=False),
    Column("workflow_version", String(50), nullable=False),
    Column("definition_hash", String(64), nullable=False),
    # The other definitions it is pinned to: {kind: {def_id: sha256}} (roles, form, scoring_form,
    # units); NULL only for dossiers opened before revision 0002, which read the running catalog.
    Column("definition_set", JSON),
    Column("state", String(100), nullable=False),
    Column("product_name", String(300), nullable=False),
    Column("product_set", String(20), nullable=False),
    Column("product_group", String(100), nullable=False),
    Column("producer_org", String(200), nullable=False),
    Column("province_code", String(10), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("filed_on", Date, nullable=False),
    Column("renews_certificate", String(100)),  # upgrade / re-evaluation: the certificate it replaces
    Column("product_code", String(100), unique=True),
    Column("stars", Integer),
    Column("score_total", Float),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # product and producer lower-cased and folded for search ("mut" finds "Mứt"; engine/storage/search.py)
    Column("search_text", String(1200)),
    # The records it names (the workflow's `links`): {link name: record id}; NULL names none.
    Column("links", JSON),
    # The list query: newest first within an area, with or without a state filter.
    Index("ix_dossiers_province_id", "province_code", "id"),
    Index("ix_dossiers_commune_id", "commune_code", "id"),
    Index("ix_dossiers_province_state", "province_code", "state", "id"),
    Index("ix_dossiers_commune_state", "commune_code", "state", "id"),
    Index("ix_dossiers_producer", "producer_org", "id"),
    Index("ix_dossiers_state_id", "state", "id"),
)

form_answers = Table(
    "form_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dossier_id", Integer, ForeignKey("dossiers.id"), nullable=False),
    Column("form_id", String(100), nullable=False),
    Column("answers", JSON, nullable=False),
    Column("complete", Boolean, nullable=False, default=False),
    Column("saved_by", String(80), nullable=False),
    Column("saved_at", DateTime, nullable=False),
    UniqueConstraint("dossier_id", "form_id"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dossier_id", Integer, ForeignKey("dossiers.id"), nullable=False, index=True),
    Column("document_type", String(100), nullable=False),
    Column("filename", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mime", String(100), nullable=False),
    Column("uploaded_by", String(80), nullable=False),
    Column("uploaded_at", DateTime, nullable=False),
)

score_sheets = Table(
    "score_sheets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dossier_id", Integer, ForeignKey("dossiers.id"), nullable=False),
    Column("member", String(80), nullable=False),
    Column("state", String(100), nullable=False),  # the state it was scored in: one council per state
    Column("role", String(100), nullable=False),
    Column("chair", Boolean, nullable=False, default=False),
    Column("answers", JSON, nullable=False),
    Column("flags", JSON, nullable=False),
    Column("final", Boolean, nullable=False, default=False),
    Column("total", Float),
    Column("saved_at", DateTime, nullable=False),
    UniqueConstraint("dossier_id", "member", "state"),
)

clocks = Table(
    "clocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dossier_id", Integer, ForeignKey("dossiers.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("days", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("paused_on", Date),
    Column("paused_days", Integer, nullable=False, default=0),
    Column("stopped_on", Date),
    Column("due_on", Date),
    UniqueConstraint("dossier_id", "name"),
    Index("ix_clocks_due", "stopped_on", "due_on"),
)

certificates = Table(
    "certificates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(100), nullable=False, unique=True),
    Column("dossier_id", Integer, ForeignKey("dossiers.id"), nullable=False, index=True),
    Column("product_code", String(100), index=True),
    Column("product_name", String(300), nullable=False),
    Column("producer_org", String(200), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("reevaluation_opens", Date),
    Column("reevaluation_closes", Date),
    Column("status", String(20), nullable=False),
    Column("revoked_on", Date),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dossier_id", Integer, ForeignKey("dossiers.id"), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("area", String(20)),
    Column("message_vi", Text, nullable=False),
    Column("message_en", Text),
    Column("created_at", DateTime, nullable=False),
)

# One row per person a notification reached (the effect resolved its roles to users in scope).
user_notifications = Table(
    "user_notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("notification_id", Integer, ForeignKey("notifications.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("read_at", DateTime),
    Column("digested_on", Date),  # the day a digest mail carried it; None: in no digest yet
    Index("ix_user_notifications_user", "user_id", "read_at"),
)

# Mails waiting for the SMTP server (engine/service/mail.py). A row is marked sent only after
# the server accepted it; a refusal or an unreachable server keeps it queued with its error.
mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("html_body", Text),  # the HTML alternative (autoescaped template), if any
    Column("created_at", DateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("parked_at", DateTime),  # failed MAX_MAIL_ATTEMPTS times: waits for the administrator
    Index("ix_mail_outbox_due", "sent_at", "next_attempt_at"),
)

# A state's timer armed for one dossier (engine/service/timers.py): written in the transaction
# of the fire that enters the state, cancelled in the one that leaves it. `phase` is "due"
# (the timer's own moment) or "escalate" (its second delay); `claimed_until` is a worker's
# lease, which expires if the worker dies; a job failing `attempts` times is "parked".
timers = Table(
    "timers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dossier_id", Integer, ForeignKey("dossiers.id"), nullable=False, index=True),
    Column("state", String(100), nullable=False),
    Column("timer", String(100), nullable=False),
    Column("phase", String(20), nullable=False),
    Column("due_at", DateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_until", DateTime),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    Column("done_at", DateTime),
    # status "paused": the dossier sits in a `clock: paused` state since then (due_at is pushed back
    # by the pause when it comes back; revision 0006_rounds)
    Column("paused_at", DateTime),
    Index("ix_timers_due", "status", "due_at"),
)

# A council's sitting for one evaluation round (engine/service/rounds.py): one per (workflow, council
# state, round); a dossier entering the council state is seated in its own round's sitting.
sittings = Table(
    "sittings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workflow_id", String(100), nullable=False),
    Column("state", String(100), nullable=False),
    Column("series", String(100), nullable=False),
    Column("year", Integer, nullable=False),
    Column("round_id", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workflow_id", "state", "series", "year", "round_id", name="uq_sittings_round"),
)

# The round a dossier joined in each series of its workflow's `rounds` (by its filing date), and
# the sitting of that series it sits in once its council has it.
dossier_rounds = Table(
    "dossier_rounds",
    metadata,
    Column("dossier_id", Integer, ForeignKey("dossiers.id"), primary_key=True),
    Column("series", String(100), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("round_id", String(100), nullable=False),
    Column("cutoff", Date, nullable=False),
    Column("sitting_id", Integer, ForeignKey("sittings.id")),
    Index("ix_dossier_rounds_round", "series", "year", "round_id"),
)

sequences = Table(
    "sequences",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("value", Integer, nullable=False),
)

# Appended to, never updated or deleted: no code path in the repository does either, and
# triggers (revision 0004_tamper) refuse UPDATE and DELETE on both databases.
audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),  # the exact ISO text that was hashed
    Column("actor", String(80), nullable=False),
    Column("action", String(100), nullable=False),
    Column("dossier_id", Integer, index=True),
    Column("from_state", String(100)),
    Column("to_state", String(100)),
    Column("definition_hash", String(64)),
    Column("payload_digest", String(64), nullable=False),
    Column(
        "payload", Text, nullable=False
    ),  # canonical JSON: exactly the text whose SHA-256 is payload_digest
    Column("comment", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # The auditors' page (storage/audit_query.py): each filter read in seq order, newest first.
    Index("ix_audit_events_actor_seq", "actor", "seq"),
    Index("ix_audit_events_action_seq", "action", "seq"),
    Index("ix_audit_events_at", "at"),
)

# One row: the last sequence number and hash. Locked by every append so the chain never forks.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# Signed checkpoints of the chain head (engine/checkpoints.py); appended to, never updated or
# deleted. Like audit_events, guarded by triggers (revision 0004_tamper) that refuse both.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("head_hash", String(64), nullable=False),
    Column("at", String(40), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False),
)

# --- registers (revision 0004_registers) --------------------------------------------------

# One row per record of a register; `data` holds the field values, pinned to the register text
# by `definition_hash`. The list reads (register, status, area, id) newest first.
records = Table(
    "records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("register_id", String(100), nullable=False),
    Column("register_version", String(50), nullable=False),
    Column("definition_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("code", String(100)),
    Column("title", String(300), nullable=False),
    Column("province_code", String(10)),
    Column("commune_code", String(10)),
    Column("organisation", String(200)),
    Column("status", String(20), nullable=False),  # active | archived
    Column("data", JSON, nullable=False),
    Column("geometry", JSON),
    Column("area_ha", Float),
    Column("west", Float),
    Column("south", Float),
    Column("east", Float),
    Column("north", Float),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_by", String(80), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("register_id", "code"),
    Index("ix_records_register_status_id", "register_id", "status", "id"),
    Index("ix_records_register_status_province_id", "register_id", "status", "province_code", "id"),
    Index("ix_records_register_status_commune_id", "register_id", "status", "commune_code", "id"),
    Index("ix_records_register_status_organisation_id", "register_id", "status", "organisation", "id"),
)

# The values of the fields a register offers as filters (`filter: true`), one row per value.
record_facets = Table(
    "record_facets",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id"), primary_key=True),
    Column("field", String(100), primary_key=True),
    Column("value", String(200), primary_key=True),
    Column("register_id", String(100), nullable=False),
    Index("ix_record_facets_lookup", "register_id", "field", "value", "record_id"),
)

# Which audit events concern which record (the chain itself has a dossier column only).
record_events = Table(
    "record_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Index("ix_record_events_record_seq", "record_id", "seq"),
)

# Trace events of a batch record (a register's `trace:` block): append-only, one audit event each
# (`seq` is that event's sequence number in the chain).
trace_events = Table(
    "trace_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("event_id", String(100), nullable=False),  # the trace.events[] id
    Column("step", String(40), nullable=False),  # its CBV business step
    Column("event_time", DateTime, nullable=False),  # when it happened (the recorder's say)
    Column("recorded_at", DateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_trace_events_record_seq", "record_id", "seq"),
)

# A transforming event's input batches (split and merge): the output's history follows them.
trace_inputs = Table(
    "trace_inputs",
    metadata,
    Column(
        "seq",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("trace_events.seq"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("input_record_id", Integer, ForeignKey("records.id"), primary_key=True),
)

# Spending against a plan's budget lines (the lines themselves live in the plan's YAML). A line's
# row is created with its first entry and locked (FOR UPDATE) by each entry, so two officers
# recording at once are checked against the planned amount one after the other.
budget_lines = Table(
    "budget_lines",
    metadata,
    Column("plan_id", String(100), primary_key=True),
    Column("line_id", String(100), primary_key=True),
    Column("created_at", DateTime, nullable=False),
)

budget_entries = Table(
    "budget_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", String(100), nullable=False),
    Column("line_id", String(100), nullable=False),
    # hundredths of a đồng, so a sum is exact on both databases (no float, no SQLite Decimal)
    Column("amount_hundredths", BigInteger, nullable=False),
    Column("spent_on", Date, nullable=False),
    Column("note", String(2000), nullable=False),
    Column("reference", String(200)),
    Column("actor", String(80), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("definition_hash", String(64)),
    ForeignKeyConstraint(
        ["plan_id", "line_id"],
        ["budget_lines.plan_id", "budget_lines.line_id"],
        name="fk_budget_entries_plan_id_budget_lines",
    ),
    Index("ix_budget_entries_plan_line", "plan_id", "line_id"),
)

# Visits of a batch's public trace page, one row a batch a day (the service's day). Only the
# count: no address, no browser, no time of the visit.
scan_days = Table(
    "scan_days",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("scans", Integer, nullable=False),
)
