"""Task tables (schema `vicevaert`): tasks, photos, status history, assignments and time registrations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from shared.db import Base, Timestamps, UUIDPrimaryKey, utcnow

SCHEMA = "vicevaert"


class Task(UUIDPrimaryKey, Timestamps, Base):
    """A caretaker task: where, what, how urgent, who has it and how far it has come."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_assignee_status", "assigned_caretaker_id", "status"),
        Index("ix_tasks_team_status", "team_id", "status"),
        Index("ix_tasks_institution_created", "institution_id", "created_at", "id"),
        Index("ix_tasks_created", "created_at", "id"),
        Index("ix_tasks_building", "building_id"),
        UniqueConstraint("template_id", "planned_for", name="uq_tasks_template_planned_for"),
        {"schema": SCHEMA},
    )

    case_number: Mapped[str] = mapped_column(String(30), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    task_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.task_types.id"))
    institution_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.institutions.id"))
    building_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.buildings.id"))
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.rooms.id"))
    component_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.components.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.teams.id"))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(30), default="ny")
    # When the current status happened (the phone's own timestamp for caretaker updates).
    status_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_by_sub: Mapped[str] = mapped_column(String(120), default="system")
    kind: Mapped[str] = mapped_column(String(10), default="adhoc")  # adhoc | planned
    source: Mapped[str] = mapped_column(String(20), default="portal")  # portal, qr, servicedesk, kasa, plan, split
    ordered_by_sub: Mapped[str | None] = mapped_column(String(120), index=True)
    ordered_by_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    # When the need was reported (the QR scan time for QR orders).
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    qr_scan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.qr_scans.id"))
    assigned_caretaker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.caretakers.id"))
    assigned_at: Mapped[datetime | None]
    on_board: Mapped[bool] = mapped_column(Boolean, default=False)
    board_reason: Mapped[str | None] = mapped_column(String(40))
    expected_minutes: Mapped[int] = mapped_column(Integer, default=60)
    planned_for: Mapped[date | None] = mapped_column(Date)
    template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.task_templates.id"))
    parent_task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.tasks.id"), index=True)
    keid_case_number: Mapped[str | None] = mapped_column(String(40))
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class TaskPhoto(UUIDPrimaryKey, Base):
    """A photo uploaded by an orderer or caretaker; attached to a task (and status change) once used."""

    __tablename__ = "task_photos"
    __table_args__ = (Index("ix_task_photos_task", "task_id"), {"schema": SCHEMA})

    task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.tasks.id"))
    status_change_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.status_changes.id"))
    uploaded_by_sub: Mapped[str] = mapped_column(String(120), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusChange(UUIDPrimaryKey, Base):
    """One status report, kept even when a rule decided it must not change the current status."""

    __tablename__ = "status_changes"
    __table_args__ = (
        UniqueConstraint("actor_sub", "client_update_id", name="uq_status_changes_client_update"),
        Index("ix_status_changes_task", "task_id", "occurred_at"),
        {"schema": SCHEMA},
    )

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.tasks.id"))
    status: Mapped[str] = mapped_column(String(30))
    previous_status: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_sub: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(40))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    caretaker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.caretakers.id"))
    client_update_id: Mapped[str | None] = mapped_column(String(80))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    # applied | late (older than the current status) | superseded (sent by a former assignee)
    outcome: Mapped[str] = mapped_column(String(20), default="applied")


class Assignment(UUIDPrimaryKey, Base):
    """Who got a task (or that it went to the board), when, and why: the rule or the person."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_task", "task_id", "created_at"),
        Index("ix_assignments_caretaker", "caretaker_id", "created_at"),
        {"schema": SCHEMA},
    )

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.tasks.id"))
    caretaker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.caretakers.id"))
    kind: Mapped[str] = mapped_column(String(10))  # caretaker | board | pool
    reason_code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))
    decided_by_sub: Mapped[str] = mapped_column(String(120))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class TimeEntry(UUIDPrimaryKey, Base):
    """Time a caretaker spent on a task (start/stop); corrections by a team leader are kept."""

    __tablename__ = "time_entries"
    __table_args__ = (
        UniqueConstraint("caretaker_id", "client_entry_id", name="uq_time_entries_client_entry"),
        Index("ix_time_entries_task", "task_id"),
        Index("ix_time_entries_caretaker_open", "caretaker_id", "ended_at"),
        {"schema": SCHEMA},
    )

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.tasks.id"))
    caretaker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.caretakers.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(10), default="timer")  # timer | status | manual
    client_entry_id: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class TimeEntryCorrection(UUIDPrimaryKey, Base):
    """A team leader's correction of a time registration: before, after, who and why."""

    __tablename__ = "time_entry_corrections"
    __table_args__ = {"schema": SCHEMA}

    time_entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.time_entries.id"), index=True)
    corrected_by_sub: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    old_started_at: Mapped[datetime]
    old_ended_at: Mapped[datetime | None]
    new_started_at: Mapped[datetime]
    new_ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Counter(Base):
    """Number series (case numbers per year)."""

    __tablename__ = "counters"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyRecord(UUIDPrimaryKey, Base):
    """The first result of a create retried with the same Idempotency-Key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("actor_sub", "scope", "key", name="uq_idempotency_records_key"),
        {"schema": SCHEMA},
    )

    actor_sub: Mapped[str] = mapped_column(String(120))
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    request_hash: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
