"""Notification tables (schema `vicevaert`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, UUIDPrimaryKey, utcnow

SCHEMA = "vicevaert"


class Notification(UUIDPrimaryKey, Base):
    """An in-portal message to one user; `channels` records the SMS/e-mail copies that were sent."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "recipient_sub", "created_at"), {"schema": SCHEMA})

    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    recipient_sub: Mapped[str] = mapped_column(String(120))
    task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.tasks.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    channels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class OrdererProfile(Base):
    """An orderer's contact details and how they want to hear about their tasks."""

    __tablename__ = "orderer_profiles"
    __table_args__ = {"schema": SCHEMA}

    user_sub: Mapped[str] = mapped_column(String(120), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SimulatedEmail(UUIDPrimaryKey, Base):
    """What the local e-mail simulator has 'sent' (read by tests and demos)."""

    __tablename__ = "simulated_emails"
    __table_args__ = {"schema": SCHEMA}

    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(200), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
