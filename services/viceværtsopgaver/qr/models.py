"""QR code tables (schema `vicevaert`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, UUIDPrimaryKey, utcnow

SCHEMA = "vicevaert"


class QrCode(UUIDPrimaryKey, Base):
    """A printed QR code; its token carries a random nonce signed with QR_SIGNING_KEY, never an internal id."""

    __tablename__ = "qr_codes"
    __table_args__ = {"schema": SCHEMA}

    nonce: Mapped[str] = mapped_column(String(40), unique=True)
    building_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.buildings.id"), index=True)
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.rooms.id"))
    component_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.components.id"))
    label: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QrScan(UUIDPrimaryKey, Base):
    """One scan of a QR code: the time is recorded and carried into the task."""

    __tablename__ = "qr_scans"
    __table_args__ = {"schema": SCHEMA}

    qr_code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.qr_codes.id"), index=True)
    scanned_by_sub: Mapped[str] = mapped_column(String(120))
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
