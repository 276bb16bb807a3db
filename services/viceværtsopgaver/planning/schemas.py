"""Request and response bodies of the planning API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.viceværtsopgaver.common.validators import LongText, PatchModel, ShortText
from services.viceværtsopgaver.task.vocabulary import PriorityIn


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: ShortText
    kind: Literal["fast", "forebyggende"] = "fast"
    building_id: uuid.UUID
    room_id: uuid.UUID | None = None
    component_id: uuid.UUID | None = None
    task_type_id: uuid.UUID
    description: LongText = ""
    priority: PriorityIn = "normal"
    frequency: Literal["daily", "weekly", "monthly", "yearly"]
    interval: int = Field(1, ge=1, le=52)
    starts_on: date
    ends_on: date | None = None
    lead_days: int = Field(14, ge=0, le=90, description="Hvor mange dage frem opgaverne oprettes")
    expected_minutes: int | None = Field(None, ge=5, le=8 * 60, description="Standard: lært varighed for typen")
    caretaker_id: uuid.UUID | None = Field(None, description="Fast vicevært; ellers fordeles opgaven på dagen")
    active: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> TemplateIn:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("Slutdatoen skal ligge efter startdatoen.")
        return self


class TemplatePatch(PatchModel):
    NULLABLE = frozenset({"room_id", "component_id", "ends_on", "expected_minutes", "caretaker_id"})
    name: ShortText | None = None
    kind: Literal["fast", "forebyggende"] | None = None
    room_id: uuid.UUID | None = None
    component_id: uuid.UUID | None = None
    task_type_id: uuid.UUID | None = None
    description: LongText | None = None
    priority: PriorityIn | None = None
    frequency: Literal["daily", "weekly", "monthly", "yearly"] | None = None
    interval: int | None = Field(None, ge=1, le=52)
    starts_on: date | None = None
    ends_on: date | None = None
    lead_days: int | None = Field(None, ge=0, le=90)
    expected_minutes: int | None = Field(None, ge=5, le=8 * 60)
    caretaker_id: uuid.UUID | None = None
    active: bool | None = None


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    kind: str
    building_id: uuid.UUID
    room_id: uuid.UUID | None
    component_id: uuid.UUID | None
    task_type_id: uuid.UUID
    description: str
    priority: str
    frequency: str
    interval: int
    starts_on: date
    ends_on: date | None
    next_due_on: date
    lead_days: int
    expected_minutes: int | None
    caretaker_id: uuid.UUID | None
    active: bool
    version: int


class PlanningRun(BaseModel):
    created: int
    task_ids: list[uuid.UUID]


class DurationEstimateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    task_type_id: uuid.UUID
    institution_type: str
    sample_count: int
    mean_minutes: float
    median_minutes: float
    p80_minutes: float
    estimate_minutes: int
    updated_at: datetime


class RecomputeOut(BaseModel):
    estimates: int


class DayPlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    caretaker_id: uuid.UUID
    plan_date: date
    stops: list[dict[str, Any]]
    total_km: float
    naive_km: float
    saving_percent: float | None = None
    work_minutes: int
    travel_minutes: int
    overflow_minutes: int
    algorithm: str
    notes: str
    generated_at: datetime


class DayPlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: date
    team_id: uuid.UUID | None = None


class DayPlanSummary(BaseModel):
    caretaker_id: uuid.UUID
    stops: int
    total_km: float
    naive_km: float
    overflow_minutes: int


class DayPlanRun(BaseModel):
    day: date
    plans: list[DayPlanSummary]
    total_km: float
    naive_km: float
    saving_percent: float | None


class FillInOut(BaseModel):
    assigned_task_ids: list[uuid.UUID]
    reasons: list[str]
