"""kontrol: GIN index for the Danish full-text search in municipal notes (PostgreSQL only)

The expression is exactly the one the search uses (`services.kontrol.models.notes_tsvector`), so the planner
can use the index for `to_tsvector('danish', body) @@ websearch_to_tsquery('danish', ...)`. SQLite has no
tsvector; the search falls back to LIKE there and no index is made.

Revision ID: kontrol_0004
Revises: kontrol_0003
Create Date: 2026-11-23 18:55:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "kontrol_0004"
down_revision: str | Sequence[str] | None = "kontrol_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_case_notes_body_fts",
        "case_notes",
        [sa.text("to_tsvector('danish', body)")],
        unique=False,
        schema="kontrol",
        postgresql_using="gin",
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_case_notes_body_fts", table_name="case_notes", schema="kontrol", postgresql_using="gin")
