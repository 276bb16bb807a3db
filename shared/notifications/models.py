"""What the local simulators of Digital Post and SMS have 'sent' (read by tests and demos)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.crypto import EncryptedText
from shared.db import Base, utcnow


class SimulatedLetter(Base):
    """A Digital Post letter as the simulator received it."""

    __tablename__ = "simulated_digital_post"
    __table_args__ = ({"schema": "shared"},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_pseudonym: Mapped[str] = mapped_column(String(64), index=True)
    recipient_cpr: Mapped[str] = mapped_column(EncryptedText())
    sender_service: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(EncryptedText())
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class SimulatedSms(Base):
    """An SMS as the local SMS simulator received it."""

    __tablename__ = "simulated_sms"
    __table_args__ = ({"schema": "shared"},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_msisdn: Mapped[str | None] = mapped_column(String(20), index=True)
    recipient_pseudonym: Mapped[str | None] = mapped_column(String(64), index=True)
    sender_service: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
