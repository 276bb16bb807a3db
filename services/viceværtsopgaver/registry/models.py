"""Registry tables (schema `vicevaert`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from shared.db import Base, JSONType, Timestamps, UUIDPrimaryKey, utcnow

SCHEMA = "vicevaert"


class Skill(Base):
    """A competence a task may need (el, vvs, tømrer …)."""

    __tablename__ = "skills"
    __table_args__ = {"schema": SCHEMA}

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Team(UUIDPrimaryKey, Timestamps, Base):
    """A caretaker team covering an area; its leader dispatches from the board."""

    __tablename__ = "teams"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(String(120), unique=True)
    area: Mapped[str] = mapped_column(String(120), default="")
    leader_sub: Mapped[str | None] = mapped_column(String(120), index=True)
    # False: every new task goes to the team leader's board instead of straight to a caretaker.
    auto_dispatch: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Institution(UUIDPrimaryKey, Timestamps, Base):
    """An institution that orders tasks (school, day-care, nursing home …)."""

    __tablename__ = "institutions"
    __table_args__ = {"schema": SCHEMA}

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    institution_type: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(20))


class Building(UUIDPrimaryKey, Timestamps, Base):
    """A municipal building with its address, position, owner and the team that looks after it."""

    __tablename__ = "buildings"
    __table_args__ = (
        Index("ix_buildings_team", "team_id"),
        Index("ix_buildings_institution", "institution_id"),
        {"schema": SCHEMA},
    )

    institution_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.institutions.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.teams.id"))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(4))
    city: Mapped[str] = mapped_column(String(80), default="København")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    department: Mapped[str] = mapped_column(String(20))
    institution_type: Mapped[str] = mapped_column(String(40))
    # KEID's property number, shared with KASA Helpdesk.
    keid_property_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Room(UUIDPrimaryKey, Base):
    """A room or area in a building (for QR codes and precise orders)."""

    __tablename__ = "rooms"
    __table_args__ = {"schema": SCHEMA}

    building_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.buildings.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    floor: Mapped[str | None] = mapped_column(String(20))


class Component(UUIDPrimaryKey, Timestamps, Base):
    """An installation or fitting (mixer tap, light source, ventilation unit …) that can fail."""

    __tablename__ = "components"
    __table_args__ = {"schema": SCHEMA}

    building_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.buildings.id"), index=True)
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.rooms.id"))
    kind: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    manufacturer: Mapped[str | None] = mapped_column(String(120))
    model: Mapped[str | None] = mapped_column(String(120))
    installed_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class BuildingDocument(UUIDPrimaryKey, Base):
    """A document about a building (floor plan of technical installations, manual …)."""

    __tablename__ = "building_documents"
    __table_args__ = {"schema": SCHEMA}

    building_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.buildings.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Caretaker(UUIDPrimaryKey, Timestamps, Base):
    """A caretaker (vicevært): skills, team, working hours, home base and last shared position."""

    __tablename__ = "caretakers"
    __table_args__ = (Index("ix_caretakers_team", "team_id", "active"), {"schema": SCHEMA})

    user_sub: Mapped[str | None] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.teams.id"))
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    home_label: Mapped[str] = mapped_column(String(200), default="")
    home_latitude: Mapped[float] = mapped_column(Float)
    home_longitude: Mapped[float] = mapped_column(Float)
    # ISO weekdays (1 = Monday) and local minutes since midnight (end may be 1440 = 24:00).
    work_days: Mapped[list[int]] = mapped_column(JSONType, default=lambda: [1, 2, 3, 4, 5])
    work_start_minute: Mapped[int] = mapped_column(Integer, default=7 * 60)
    work_end_minute: Mapped[int] = mapped_column(Integer, default=15 * 60)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Opt-in position sharing; the last position is kept briefly and only from working hours.
    location_sharing: Mapped[bool] = mapped_column(Boolean, default=False)
    last_latitude: Mapped[float | None] = mapped_column(Float)
    last_longitude: Mapped[float | None] = mapped_column(Float)
    last_position_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Absence(UUIDPrimaryKey, Base):
    """A period a caretaker is away (sick, holiday, course); no reason text beyond a category."""

    __tablename__ = "absences"
    __table_args__ = (Index("ix_absences_caretaker", "caretaker_id", "ends_on"), {"schema": SCHEMA})

    caretaker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.caretakers.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskType(UUIDPrimaryKey, Timestamps, Base):
    """A kind of task with the skills it needs and its expected duration."""

    __tablename__ = "task_types"
    __table_args__ = {"schema": SCHEMA}

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    required_skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    expected_minutes: Mapped[int] = mapped_column(Integer, default=60)
    default_priority: Mapped[str] = mapped_column(String(10), default="normal")
    # KASA Helpdesk's category for the same kind of task (exchange mapping).
    kasa_category: Mapped[str | None] = mapped_column(String(60), unique=True)
    shared_with_kasa: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
