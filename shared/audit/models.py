"""The append-only audit log of access to personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, utcnow


class AuditEvent(Base):
    """One access to a citizen's data: who, role, when, which citizen (pseudonym), what and why."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_citizen", "citizen_pseudonym", "id"),
        Index("ix_audit_events_actor", "actor_sub", "id"),
        Index("ix_audit_events_unsealed", "id", postgresql_where=text("chain_hash IS NULL")),
        {"schema": "shared"},
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    service: Mapped[str] = mapped_column(String(40))
    actor_sub: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(80))
    purpose: Mapped[str] = mapped_column(String(200))
    citizen_pseudonym: Mapped[str | None] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    record_hash: Mapped[str] = mapped_column(String(64))
    # Filled by the sealer in id order: sha256(previous chain_hash + record_hash).
    chain_hash: Mapped[str | None] = mapped_column(String(64))
