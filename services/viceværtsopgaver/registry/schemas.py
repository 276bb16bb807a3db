"""Request and response bodies of the registry API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from services.viceværtsopgaver.common.validators import (
    ClockTime,
    Code,
    Department,
    Email,
    InstitutionType,
    Latitude,
    Longitude,
    LongText,
    PatchModel,
    Phone,
    ShortText,
)
from services.viceværtsopgaver.common.workhours import format_hhmm, parse_hhmm
from services.viceværtsopgaver.task.vocabulary import PriorityIn

Weekday = Literal[1, 2, 3, 4, 5, 6, 7]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SkillIn(Strict):
    code: Code
    name: ShortText


class SkillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str


# teams.name is VARCHAR(120): the general ShortText (200) would reach the database and fail there (found by fuzzing).
TeamName = Annotated[ShortText, Field(max_length=120)]


class TeamIn(Strict):
    name: TeamName
    area: str = Field("", max_length=120)
    leader_sub: str | None = Field(None, max_length=120)
    auto_dispatch: bool = True


class TeamPatch(PatchModel):
    NULLABLE = frozenset({"leader_sub"})
    name: TeamName | None = None
    area: str | None = Field(None, max_length=120)
    leader_sub: str | None = Field(None, max_length=120)
    auto_dispatch: bool | None = None


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    area: str
    leader_sub: str | None
    auto_dispatch: bool
    version: int


class InstitutionIn(Strict):
    code: str = Field(pattern=r"^[A-ZÆØÅ0-9\-]{3,20}$", description="Institutionskode, fx AMS-001")
    name: ShortText
    institution_type: InstitutionType
    department: Department
    contact_email: Email | None = None
    contact_phone: Phone | None = None


class InstitutionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    name: str
    institution_type: str
    department: str
    contact_email: str | None
    contact_phone: str | None


class BuildingIn(Strict):
    name: ShortText
    address: ShortText
    postal_code: str = Field(pattern=r"^\d{4}$")
    city: str = Field("København", min_length=1, max_length=80)
    latitude: Latitude
    longitude: Longitude
    department: Department
    institution_type: InstitutionType
    institution_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    keid_property_number: str | None = Field(None, max_length=40)
    notes: LongText = ""


class BuildingPatch(PatchModel):
    NULLABLE = frozenset({"institution_id", "team_id", "keid_property_number"})
    name: ShortText | None = None
    address: ShortText | None = None
    postal_code: str | None = Field(None, pattern=r"^\d{4}$")
    city: str | None = Field(None, min_length=1, max_length=80)
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    department: Department | None = None
    institution_type: InstitutionType | None = None
    institution_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    keid_property_number: str | None = Field(None, max_length=40)
    notes: LongText | None = None
    active: bool | None = None


class BuildingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    address: str
    postal_code: str
    city: str
    latitude: float
    longitude: float
    department: str
    institution_type: str
    institution_id: uuid.UUID | None
    team_id: uuid.UUID | None
    keid_property_number: str | None
    notes: str
    active: bool
    version: int


class RoomIn(Strict):
    name: ShortText
    floor: str | None = Field(None, max_length=20)


class RoomOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    building_id: uuid.UUID
    name: str
    floor: str | None


class ComponentIn(Strict):
    kind: Code = Field(description="Komponenttype, fx blandingsbatteri, lyskilde, ventilationsanlæg")
    name: ShortText
    room_id: uuid.UUID | None = None
    manufacturer: str | None = Field(None, max_length=120)
    model: str | None = Field(None, max_length=120)
    installed_on: date | None = None


class ComponentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    building_id: uuid.UUID
    room_id: uuid.UUID | None
    kind: str
    name: str
    manufacturer: str | None
    model: str | None
    installed_on: date | None
    active: bool


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    building_id: uuid.UUID
    title: str
    kind: str
    filename: str
    content_type: str
    size: int
    created_at: datetime
    download_url: str = ""


class BuildingDetail(BuildingOut):
    institution: InstitutionOut | None
    team: TeamOut | None
    rooms: list[RoomOut]
    components: list[ComponentOut]
    documents: list[DocumentOut]
    open_tasks: int


class BuildingPage(BaseModel):
    items: list[BuildingOut]
    next_cursor: str | None


class CaretakerIn(Strict):
    name: ShortText
    team_id: uuid.UUID
    user_sub: str | None = Field(None, max_length=120, description="Login-id (sub) for viceværtens bruger")
    skills: list[Code] = Field(default_factory=list, max_length=20)
    home_label: str = Field("", max_length=200)
    home_latitude: Latitude
    home_longitude: Longitude
    work_days: list[Weekday] = Field(default_factory=lambda: [1, 2, 3, 4, 5], max_length=7)  # type: ignore[arg-type]
    work_start: ClockTime = "07:00"
    work_end: ClockTime = "15:00"
    active: bool = True

    @model_validator(mode="after")
    def _hours_in_order(self) -> CaretakerIn:
        if parse_hhmm(self.work_end) <= parse_hhmm(self.work_start):
            raise ValueError("Arbejdstiden skal slutte efter den begynder.")
        return self


class CaretakerPatch(PatchModel):
    NULLABLE = frozenset({"user_sub"})
    name: ShortText | None = None
    team_id: uuid.UUID | None = None
    user_sub: str | None = Field(None, max_length=120)
    skills: list[Code] | None = Field(None, max_length=20)
    home_label: str | None = Field(None, max_length=200)
    home_latitude: Latitude | None = None
    home_longitude: Longitude | None = None
    work_days: list[Weekday] | None = Field(None, max_length=7)
    work_start: ClockTime | None = None
    work_end: ClockTime | None = None
    active: bool | None = None


class CaretakerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    user_sub: str | None
    name: str
    team_id: uuid.UUID
    skills: list[str]
    home_label: str
    home_latitude: float
    home_longitude: float
    work_days: list[int]
    work_start: str
    work_end: str
    active: bool
    location_sharing: bool
    version: int

    @model_validator(mode="before")
    @classmethod
    def _from_minutes(cls, data: object) -> object:
        start, end = getattr(data, "work_start_minute", None), getattr(data, "work_end_minute", None)
        if isinstance(start, int) and isinstance(end, int):
            return {
                **{name: getattr(data, name) for name in cls.model_fields if hasattr(data, name)},
                "work_start": format_hhmm(start),
                "work_end": format_hhmm(end),
            }
        return data


class AbsenceIn(Strict):
    starts_on: date
    ends_on: date
    kind: Literal["syg", "ferie", "kursus", "andet"]

    # A field validator (not a model validator), so the message points at /ends_on and the page shows it there.
    @field_validator("ends_on")
    @classmethod
    def _ordered(cls, ends_on: date, info: ValidationInfo) -> date:
        starts_on = info.data.get("starts_on")
        if isinstance(starts_on, date):
            if ends_on < starts_on:
                raise ValueError("Fraværet skal slutte samme dag eller efter det begynder.")
            if (ends_on - starts_on).days > 366:
                raise ValueError("Et fravær kan højst vare et år; opret flere perioder.")
        return ends_on


class AbsenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    caretaker_id: uuid.UUID
    starts_on: date
    ends_on: date
    kind: str
    created_at: datetime


class TaskTypeIn(Strict):
    code: Code
    name: ShortText
    required_skills: list[Code] = Field(default_factory=list, max_length=10)
    expected_minutes: int = Field(60, ge=5, le=8 * 60)
    default_priority: PriorityIn = "normal"
    kasa_category: str | None = Field(None, max_length=60)
    shared_with_kasa: bool = True


class TaskTypePatch(PatchModel):
    NULLABLE = frozenset({"kasa_category"})
    name: ShortText | None = None
    required_skills: list[Code] | None = Field(None, max_length=10)
    expected_minutes: int | None = Field(None, ge=5, le=8 * 60)
    default_priority: PriorityIn | None = None
    kasa_category: str | None = Field(None, max_length=60)
    shared_with_kasa: bool | None = None
    active: bool | None = None


class TaskTypeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    name: str
    required_skills: list[str]
    expected_minutes: int
    default_priority: str
    kasa_category: str | None
    shared_with_kasa: bool
    active: bool
