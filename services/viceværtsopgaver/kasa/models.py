"""KASA exchange tables (schema `vicevaert`), including the simulator's own store."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, UUIDPrimaryKey, utcnow

SCHEMA = "vicevaert"


class ExternalLink(UUIDPrimaryKey, Base):
    """Our task ↔ KASA case: external id, shared case number and how far each side has been synced."""

    __tablename__ = "external_links"
    __table_args__ = {"schema": SCHEMA}

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.tasks.id"), unique=True)
    system: Mapped[str] = mapped_column(String(20), default="kasa")
    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    case_number: Mapped[str] = mapped_column(String(40))
    # Our task version last sent, and the remote version last seen (ours echoed back or theirs imported).
    exported_version: Mapped[int] = mapped_column(Integer, default=0)
    remote_version: Mapped[int] = mapped_column(Integer, default=0)
    last_exported_at: Mapped[datetime | None]
    last_imported_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KasaSyncState(Base):
    """Where the import left off in KASA's change feed."""

    __tablename__ = "kasa_sync_state"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(80))
    last_run_at: Mapped[datetime | None]
    last_result: Mapped[dict[str, Any]] = mapped_column(default=dict)


class KasaSyncIssue(UUIDPrimaryKey, Base):
    """A KASA case we could not import (unknown property or category); kept for the service desk, not lost."""

    __tablename__ = "kasa_sync_issues"
    __table_args__ = {"schema": SCHEMA}

    external_id: Mapped[str] = mapped_column(String(80), index=True)
    remote_version: Mapped[int] = mapped_column(Integer)
    reason_code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class SimulatedKasaCase(Base):
    """The KASA Helpdesk simulator's store (stands in for KEID's system locally and in tests)."""

    __tablename__ = "simulated_kasa_cases"
    __table_args__ = (Index("ix_simulated_kasa_cases_seq", "change_seq"), {"schema": SCHEMA})

    external_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    external_reference: Mapped[str | None] = mapped_column(String(80), unique=True)
    reference_number: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(60))
    property_number: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer, default=1)
    change_seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
