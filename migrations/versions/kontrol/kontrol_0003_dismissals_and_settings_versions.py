"""kontrol: candidate dismissals (henlæggelser) and the settings' version history

Revision ID: kontrol_0003
Revises: kontrol_0002
Create Date: 2026-11-23 18:50:00+00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shared.crypto
import shared.db

revision: str = "kontrol_0003"
down_revision: str | Sequence[str] | None = "kontrol_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> Any:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "settings_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.Column("changed_by_role", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("changes", _json(), nullable=False),
        sa.Column("snapshot", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settings_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_settings_versions_version")),
        schema="kontrol",
    )
    op.create_table(
        "candidate_dismissals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("note", shared.crypto.EncryptedText(), nullable=True),
        sa.Column("arm", sa.String(length=10), nullable=False),
        sa.Column("status_before", sa.String(length=20), nullable=False),
        sa.Column("dismissed_by", sa.String(length=120), nullable=False),
        sa.Column("dismissed_by_role", sa.String(length=40), nullable=False),
        sa.Column("dismissed_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["kontrol.candidates.id"], name=op.f("fk_candidate_dismissals_candidate_id_candidates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_dismissals")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_candidate_dismissals_candidate_id")),
        schema="kontrol",
    )


def downgrade() -> None:
    op.drop_table("candidate_dismissals", schema="kontrol")
    op.drop_table("settings_versions", schema="kontrol")
