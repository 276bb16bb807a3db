"""Transactional outbox, per-consumer processing marks and dead letters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, utcnow


class OutboxEvent(Base):
    """An event written in the same transaction as the domain change that caused it."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_due", "status", "available_at"),
        {"schema": "shared"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_type: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A natural key (for example an IVR call id) makes publishing the same fact twice a no-op.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    queue: Mapped[str] = mapped_column(String(40), default="default")
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, dispatched, done, dead
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class ProcessedEvent(Base):
    """Marks that one consumer has applied one event; written in the consumer's own transaction."""

    __tablename__ = "processed_events"
    __table_args__ = ({"schema": "shared"},)

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    consumer: Mapped[str] = mapped_column(String(160), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeadLetter(Base):
    """An event a consumer could not apply after every retry; an admin can inspect and replay it."""

    __tablename__ = "dead_letters"
    __table_args__ = ({"schema": "shared"},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(index=True)
    event_type: Mapped[str] = mapped_column(String(120))
    consumer: Mapped[str | None] = mapped_column(String(160))
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int]
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    replayed_at: Mapped[datetime | None]
    replayed_by: Mapped[str | None] = mapped_column(String(120))
