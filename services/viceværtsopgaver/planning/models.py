"""Planning tables (schema `vicevaert`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, JSONType, Timestamps, UUIDPrimaryKey, utcnow

SCHEMA = "vicevaert"


class TaskTemplate(UUIDPrimaryKey, Timestamps, Base):
    """A recurring or preventive task, generated ahead as planned work."""

    __tablename__ = "task_templates"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="fast")  # fast | forebyggende
    building_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.buildings.id"), index=True)
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.rooms.id"))
    component_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.components.id"))
    task_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.task_types.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    frequency: Mapped[str] = mapped_column(String(10))  # daily | weekly | monthly | yearly
    interval: Mapped[int] = mapped_column(Integer, default=1)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    next_due_on: Mapped[date] = mapped_column(Date)
    lead_days: Mapped[int] = mapped_column(Integer, default=14)
    expected_minutes: Mapped[int | None] = mapped_column(Integer)
    caretaker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.caretakers.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DurationEstimate(UUIDPrimaryKey, Base):
    """Expected duration learned from time registrations per task type and institution type ('' = all)."""

    __tablename__ = "duration_estimates"
    __table_args__ = (
        UniqueConstraint("task_type_id", "institution_type", name="uq_duration_estimates_key"),
        {"schema": SCHEMA},
    )

    task_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.task_types.id"))
    institution_type: Mapped[str] = mapped_column(String(40), default="")
    sample_count: Mapped[int] = mapped_column(Integer)
    mean_minutes: Mapped[float] = mapped_column(Float)
    median_minutes: Mapped[float] = mapped_column(Float)
    p80_minutes: Mapped[float] = mapped_column(Float)
    estimate_minutes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DayPlan(UUIDPrimaryKey, Base):
    """A caretaker's ordered stops for one day, with travel compared to the naive order."""

    __tablename__ = "day_plans"
    __table_args__ = (
        UniqueConstraint("caretaker_id", "plan_date", name="uq_day_plans_caretaker_date"),
        {"schema": SCHEMA},
    )

    caretaker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.caretakers.id"))
    plan_date: Mapped[date] = mapped_column(Date)
    stops: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    total_km: Mapped[float] = mapped_column(Float)
    naive_km: Mapped[float] = mapped_column(Float)
    work_minutes: Mapped[int] = mapped_column(Integer, default=0)
    travel_minutes: Mapped[int] = mapped_column(Integer, default=0)
    overflow_minutes: Mapped[int] = mapped_column(Integer, default=0)
    algorithm: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
