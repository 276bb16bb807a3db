"""Position table (schema `vicevaert`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, UUIDPrimaryKey, utcnow

SCHEMA = "vicevaert"


class PositionReport(UUIDPrimaryKey, Base):
    """One reported position; deleted after the retention period (see location.service.RETENTION)."""

    __tablename__ = "position_reports"
    __table_args__ = (Index("ix_position_reports_caretaker", "caretaker_id", "recorded_at"), {"schema": SCHEMA})

    caretaker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.caretakers.id"))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    recorded_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
