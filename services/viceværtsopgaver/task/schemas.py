"""Request and response bodies of the task API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from services.viceværtsopgaver.common.validators import Email, LongText, PatchModel, Phone, ShortText
from services.viceværtsopgaver.task.vocabulary import CaretakerStatusIn, PriorityIn


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TaskIn(Strict):
    building_id: uuid.UUID | None = Field(None, description="Bygningen (udelades ved bestilling via QR-scanning)")
    qr_scan_id: uuid.UUID | None = Field(None, description="Scanningen fra POST /api/v1/qr-scans; giver sted og tid")
    room_id: uuid.UUID | None = None
    component_id: uuid.UUID | None = None
    task_type_id: uuid.UUID
    priority: PriorityIn | None = Field(None, description="akut, hoej, normal eller lav (standard: opgavetypens)")
    title: ShortText | None = None
    description: LongText = Field(description="Hvad er problemet? Hvor præcist?")
    photo_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)
    contact_phone: Phone | None = Field(None, description="Nummer til SMS om status (standard: din profil)")
    contact_email: Email | None = None

    @model_validator(mode="after")
    def _where(self) -> TaskIn:
        if self.building_id is None and self.qr_scan_id is None:
            raise ValueError("Angiv bygningen eller scan QR-koden i bygningen.")
        if len(self.description) < 3:
            raise ValueError("Beskriv opgaven med mindst 3 tegn.")
        return self


class TaskPatch(PatchModel):
    NULLABLE = frozenset({"planned_for"})
    priority: PriorityIn | None = None
    title: ShortText | None = None
    description: LongText | None = None
    task_type_id: uuid.UUID | None = None
    expected_minutes: int | None = Field(None, ge=5, le=8 * 60)
    planned_for: date | None = None


class CancellationIn(Strict):
    reason: str = Field(min_length=3, max_length=500)


class AssignmentIn(Strict):
    caretaker_id: uuid.UUID | None = Field(
        None, description="Viceværten; udelad og sæt to_board for at lægge på tavlen"
    )
    to_board: bool = False
    note: str = Field("", max_length=500)
    skills_override: bool = Field(False, description="Tildel trods manglende kompetencer (kræver begrundelse i note)")

    @model_validator(mode="after")
    def _one_target(self) -> AssignmentIn:
        if (self.caretaker_id is None) == (not self.to_board):
            raise ValueError("Vælg enten en vicevært (caretaker_id) eller tavlen (to_board: true).")
        return self


class SplitPartIn(Strict):
    title: ShortText
    description: LongText = ""
    task_type_id: uuid.UUID | None = None
    caretaker_id: uuid.UUID | None = None
    expected_minutes: int | None = Field(None, ge=5, le=8 * 60)


class SplitIn(Strict):
    parts: list[SplitPartIn] = Field(min_length=2, max_length=10)
    note: str = Field("", max_length=500)


class StatusChangeIn(Strict):
    status: CaretakerStatusIn
    note: str = Field("", max_length=2000)
    occurred_at: AwareDatetime | None = Field(None, description="Telefonens tidspunkt for hændelsen (standard: nu)")
    client_update_id: str | None = Field(
        None, min_length=1, max_length=80, description="Telefonens id for opdateringen; en gentagelse giver samme svar"
    )
    photo_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)


class SyncItemIn(StatusChangeIn):
    task_id: uuid.UUID
    client_update_id: str = Field(min_length=1, max_length=80)
    occurred_at: AwareDatetime


class SyncIn(Strict):
    status_changes: list[SyncItemIn] = Field(min_length=1, max_length=200)


class TimeEntryIn(Strict):
    started_at: AwareDatetime | None = Field(None, description="Start (standard: nu)")
    ended_at: AwareDatetime | None = Field(None, description="Slut; udelad for at starte et ur")
    note: str = Field("", max_length=500)
    client_entry_id: str | None = Field(None, min_length=1, max_length=80)


class TimeStopIn(Strict):
    ended_at: AwareDatetime | None = None


class TimeCorrectionIn(Strict):
    started_at: AwareDatetime
    ended_at: AwareDatetime | None
    reason: str = Field(min_length=5, max_length=500)


class PhotoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    task_id: uuid.UUID | None
    status_change_id: uuid.UUID | None
    content_type: str
    size: int
    width: int
    height: int
    created_at: datetime
    url: str = ""


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    task_id: uuid.UUID
    status: str
    status_label: str
    previous_status: str | None
    note: str
    occurred_at: datetime
    received_at: datetime
    actor_role: str
    actor_name: str
    outcome: str
    outcome_text: str
    client_update_id: str | None
    photo_ids: list[uuid.UUID] = []


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    caretaker_id: uuid.UUID | None
    caretaker_name: str | None = None
    kind: str
    reason_code: str
    reason: str
    decided_by_sub: str
    details: dict[str, Any]
    created_at: datetime
    ended_at: datetime | None


class TimeEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    task_id: uuid.UUID
    caretaker_id: uuid.UUID
    started_at: datetime
    ended_at: datetime | None
    minutes: float | None = None
    source: str
    note: str
    corrected: bool
    client_entry_id: str | None
    version: int


class CaretakerTimeEntryOut(TimeEntryOut):
    """A time entry in a team leader's list of one caretaker's registrations, with the task it belongs to."""

    task_case_number: str
    task_title: str
    building_name: str
    correctable: bool = Field(description="Om den indloggede teamleder må rette registreringen")


class TimeCorrectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    time_entry_id: uuid.UUID
    corrected_by_sub: str
    reason: str
    old_started_at: datetime
    old_ended_at: datetime | None
    new_started_at: datetime
    new_ended_at: datetime | None
    created_at: datetime


class PlaceRef(BaseModel):
    id: uuid.UUID
    name: str


class BuildingRef(PlaceRef):
    address: str
    postal_code: str
    latitude: float
    longitude: float


class TaskOut(BaseModel):
    id: uuid.UUID
    case_number: str
    keid_case_number: str | None
    title: str
    description: str
    status: str
    status_label: str
    status_at: datetime
    priority: str
    priority_label: str
    kind: str
    source: str
    task_type: PlaceRef
    building: BuildingRef
    room: PlaceRef | None
    component: PlaceRef | None
    institution: PlaceRef | None
    team_id: uuid.UUID | None
    assigned_caretaker: PlaceRef | None
    assigned_at: datetime | None
    on_board: bool
    board_reason: str | None
    expected_minutes: int
    planned_for: date | None
    reported_at: datetime
    ordered_by_name: str
    parent_task_id: uuid.UUID | None
    resolved_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class TaskDetail(TaskOut):
    photos: list[PhotoOut]
    status_changes: list[StatusChangeOut]
    assignments: list[AssignmentOut] | None
    time_entries: list[TimeEntryOut] | None
    worked_minutes: float
    allowed_next_statuses: list[str]
    next_statuses_after: dict[str, list[str]] = Field(
        default_factory=dict,
        description="For den tildelte vicevært: hvilke statusser der må følge hver status (telefonen bruger det uden forbindelse)",
    )
    child_task_ids: list[uuid.UUID]


class TaskPage(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None


class SyncResult(BaseModel):
    client_update_id: str
    task_id: uuid.UUID
    ok: bool
    outcome: str | None = None
    status_change_id: uuid.UUID | None = None
    task_status: str | None = None
    problem: dict[str, Any] | None = None


class SyncOut(BaseModel):
    results: list[SyncResult]
