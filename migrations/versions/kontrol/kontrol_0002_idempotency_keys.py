"""kontrol: idempotency keys on hearings and decisions

Revision ID: kontrol_0002
Revises: kontrol_0001
Create Date: 2026-11-23 16:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "kontrol_0002"
down_revision: str | Sequence[str] | None = "kontrol_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hearings", schema="kontrol") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_hearings_idempotency_key", ["idempotency_key"])
    with op.batch_alter_table("decisions", schema="kontrol") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema="kontrol") as batch:
        batch.drop_column("idempotency_key")
    with op.batch_alter_table("hearings", schema="kontrol") as batch:
        batch.drop_constraint("uq_hearings_idempotency_key", type_="unique")
        batch.drop_column("idempotency_key")
