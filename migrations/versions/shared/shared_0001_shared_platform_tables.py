"""shared platform tables

Revision ID: shared_0001
Revises:
Create Date: 2026-11-23 15:35:11.029097+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shared.crypto
import shared.db

revision: str = "shared_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("shared",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("occurred_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("actor_sub", sa.String(length=120), nullable=False),
        sa.Column("actor_role", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("citizen_pseudonym", sa.String(length=64), nullable=True),
        sa.Column("object_type", sa.String(length=60), nullable=True),
        sa.Column("object_id", sa.String(length=80), nullable=True),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        schema="shared",
    )
    op.create_index("ix_audit_events_actor", "audit_events", ["actor_sub", "id"], unique=False, schema="shared")
    op.create_index(
        "ix_audit_events_citizen", "audit_events", ["citizen_pseudonym", "id"], unique=False, schema="shared"
    )
    op.create_index(
        "ix_audit_events_unsealed",
        "audit_events",
        ["id"],
        unique=False,
        schema="shared",
        postgresql_where=sa.text("chain_hash IS NULL"),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("consumer", sa.String(length=160), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replayed_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
        schema="shared",
    )
    op.create_index(
        op.f("ix_shared_dead_letters_event_id"), "dead_letters", ["event_id"], unique=False, schema="shared"
    )
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("available_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_events_dedupe_key")),
        schema="shared",
    )
    op.create_index("ix_outbox_events_due", "outbox_events", ["status", "available_at"], unique=False, schema="shared")
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("consumer", sa.String(length=160), nullable=False),
        sa.Column("processed_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "consumer", name=op.f("pk_processed_events")),
        schema="shared",
    )
    op.create_table(
        "simulated_digital_post",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("recipient_pseudonym", sa.String(length=64), nullable=False),
        sa.Column("recipient_cpr", shared.crypto.EncryptedText(), nullable=False),
        sa.Column("sender_service", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", shared.crypto.EncryptedText(), nullable=False),
        sa.Column("sent_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulated_digital_post")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_simulated_digital_post_idempotency_key")),
        schema="shared",
    )
    op.create_index(
        op.f("ix_shared_simulated_digital_post_recipient_pseudonym"),
        "simulated_digital_post",
        ["recipient_pseudonym"],
        unique=False,
        schema="shared",
    )
    op.create_table(
        "simulated_sms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("to_msisdn", sa.String(length=20), nullable=True),
        sa.Column("recipient_pseudonym", sa.String(length=64), nullable=True),
        sa.Column("sender_service", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulated_sms")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_simulated_sms_idempotency_key")),
        schema="shared",
    )
    op.create_index(
        op.f("ix_shared_simulated_sms_recipient_pseudonym"),
        "simulated_sms",
        ["recipient_pseudonym"],
        unique=False,
        schema="shared",
    )
    op.create_index(
        op.f("ix_shared_simulated_sms_to_msisdn"), "simulated_sms", ["to_msisdn"], unique=False, schema="shared"
    )
    if op.get_bind().dialect.name == "postgresql":
        # Append-only: no DELETE, and an UPDATE may only fill chain_hash once (the sealer).
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON shared.audit_events "
            "FOR EACH ROW EXECUTE FUNCTION shared.audit_events_append_only()"
        )


APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION shared.audit_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'shared.audit_events is append-only';
    END IF;
    IF OLD.chain_hash IS NOT NULL OR (to_jsonb(NEW) - 'chain_hash') <> (to_jsonb(OLD) - 'chain_hash') THEN
        RAISE EXCEPTION 'shared.audit_events is append-only';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON shared.audit_events")
        op.execute("DROP FUNCTION IF EXISTS shared.audit_events_append_only()")
    op.drop_index(op.f("ix_shared_simulated_sms_to_msisdn"), table_name="simulated_sms", schema="shared")
    op.drop_index(op.f("ix_shared_simulated_sms_recipient_pseudonym"), table_name="simulated_sms", schema="shared")
    op.drop_table("simulated_sms", schema="shared")
    op.drop_index(
        op.f("ix_shared_simulated_digital_post_recipient_pseudonym"),
        table_name="simulated_digital_post",
        schema="shared",
    )
    op.drop_table("simulated_digital_post", schema="shared")
    op.drop_table("processed_events", schema="shared")
    op.drop_index("ix_outbox_events_due", table_name="outbox_events", schema="shared")
    op.drop_table("outbox_events", schema="shared")
    op.drop_index(op.f("ix_shared_dead_letters_event_id"), table_name="dead_letters", schema="shared")
    op.drop_table("dead_letters", schema="shared")
    op.drop_index(
        "ix_audit_events_unsealed",
        table_name="audit_events",
        schema="shared",
        postgresql_where=sa.text("chain_hash IS NULL"),
    )
    op.drop_index("ix_audit_events_citizen", table_name="audit_events", schema="shared")
    op.drop_index("ix_audit_events_actor", table_name="audit_events", schema="shared")
    op.drop_table("audit_events", schema="shared")
