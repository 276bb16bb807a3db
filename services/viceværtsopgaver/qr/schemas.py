"""Request and response bodies of the QR API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class QrCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    room_id: uuid.UUID | None = None
    component_id: uuid.UUID | None = None
    label: str | None = Field(None, min_length=1, max_length=200)
    expires_at: AwareDatetime | None = None


class QrCodeOut(BaseModel):
    id: uuid.UUID
    building_id: uuid.UUID
    room_id: uuid.UUID | None
    component_id: uuid.UUID | None
    label: str
    token: str
    url: str = Field(description="Adressen i QR-koden: bestillingssiden med token")
    image_png_url: str
    image_svg_url: str
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class QrScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)


class PlaceOut(BaseModel):
    id: uuid.UUID
    name: str


class ScanBuildingOut(BaseModel):
    id: uuid.UUID
    name: str
    address: str
    postal_code: str
    city: str
    institution_name: str | None


class QrScanOut(BaseModel):
    scan_id: uuid.UUID
    scanned_at: datetime
    building: ScanBuildingOut
    room: PlaceOut | None
    component: PlaceOut | None
    may_order: bool = Field(description="Om den indloggede bruger kan bestille til bygningen")
    order_hint: str
