"""Tables of the viceværtsopgaver service (schema `vicevaert`); imports every domain's models for Alembic."""

from __future__ import annotations

from services.viceværtsopgaver.kasa.models import ExternalLink, KasaSyncIssue, KasaSyncState, SimulatedKasaCase
from services.viceværtsopgaver.location.models import PositionReport
from services.viceværtsopgaver.notify.models import Notification, OrdererProfile, SimulatedEmail
from services.viceværtsopgaver.planning.models import DayPlan, DurationEstimate, TaskTemplate
from services.viceværtsopgaver.qr.models import QrCode, QrScan
from services.viceværtsopgaver.registry.models import (
    Absence,
    Building,
    BuildingDocument,
    Caretaker,
    Component,
    Institution,
    Room,
    Skill,
    TaskType,
    Team,
)
from services.viceværtsopgaver.task.models import (
    Assignment,
    Counter,
    IdempotencyRecord,
    StatusChange,
    Task,
    TaskPhoto,
    TimeEntry,
    TimeEntryCorrection,
)

__all__ = [
    "Absence",
    "Assignment",
    "Building",
    "BuildingDocument",
    "Caretaker",
    "Component",
    "Counter",
    "DayPlan",
    "DurationEstimate",
    "ExternalLink",
    "IdempotencyRecord",
    "Institution",
    "KasaSyncIssue",
    "KasaSyncState",
    "Notification",
    "OrdererProfile",
    "PositionReport",
    "QrCode",
    "QrScan",
    "Room",
    "SimulatedEmail",
    "SimulatedKasaCase",
    "Skill",
    "StatusChange",
    "Task",
    "TaskPhoto",
    "TaskTemplate",
    "TaskType",
    "Team",
    "TimeEntry",
    "TimeEntryCorrection",
]
