"""HTTP routes for opt-in positions (caretakers) and the team leader's on-duty map."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.viceværtsopgaver.common import access
from services.viceværtsopgaver.common.deps import CaretakerUser, Leader
from services.viceværtsopgaver.common.validators import Latitude, Longitude
from services.viceværtsopgaver.location import service
from services.viceværtsopgaver.registry.models import Caretaker
from shared.auth import Role
from shared.db import DbSession, utcnow
from shared.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["position"])


class SharingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class SharingOut(BaseModel):
    enabled: bool
    retention_minutes: int
    explanation: str


class PositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    latitude: Latitude
    longitude: Longitude
    accuracy_m: float | None = Field(None, ge=0, le=5000)
    recorded_at: AwareDatetime | None = None


class PositionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    latitude: float
    longitude: float
    accuracy_m: float | None
    recorded_at: datetime


class TeamPosition(BaseModel):
    caretaker_id: uuid.UUID
    name: str
    latitude: float
    longitude: float
    recorded_at: datetime


EXPLANATION = (
    "Din position deles kun, når du selv har slået det til, og kun i din arbejdstid. "
    "Den bruges til at give opgaven til den nærmeste vicevært og slettes efter 2 timer og når du går fri."
)


def _sharing(enabled: bool) -> SharingOut:
    return SharingOut(
        enabled=enabled, retention_minutes=int(service.RETENTION.total_seconds() // 60), explanation=EXPLANATION
    )


@router.get("/me/location-sharing", response_model=SharingOut, summary="Deler jeg min position?")
def get_sharing(principal: CaretakerUser, session: DbSession) -> SharingOut:
    return _sharing(access.require_caretaker(session, principal).location_sharing)


@router.put("/me/location-sharing", response_model=SharingOut, summary="Slå positionsdeling til eller fra")
def put_sharing(body: SharingIn, principal: CaretakerUser, session: DbSession) -> SharingOut:
    caretaker = service.set_sharing(
        session, caretaker=access.require_caretaker(session, principal), enabled=body.enabled
    )
    return _sharing(caretaker.location_sharing)


@router.post(
    "/me/positions", response_model=PositionOut, status_code=201, summary="Del min position (kun i arbejdstiden)"
)
def report_position(body: PositionIn, principal: CaretakerUser, session: DbSession) -> object:
    caretaker = access.require_caretaker(session, principal)
    return service.report(
        session,
        caretaker=caretaker,
        latitude=body.latitude,
        longitude=body.longitude,
        accuracy_m=body.accuracy_m,
        recorded_at=body.recorded_at or utcnow(),
    )


@router.get("/me/positions", response_model=list[PositionOut], summary="De positioner, der er gemt om mig")
def my_positions(principal: CaretakerUser, session: DbSession) -> list[object]:
    caretaker = access.require_caretaker(session, principal)
    return list(service.own_positions(session, caretaker_id=caretaker.id))


@router.get(
    "/teams/{team_id}/positions",
    response_model=list[TeamPosition],
    summary="Teamets positioner lige nu (kun arbejdstid)",
)
def team_positions(team_id: uuid.UUID, principal: Leader, session: DbSession) -> list[TeamPosition]:
    if not principal.has(Role.admin) and team_id not in access.led_team_ids(session, principal):
        raise NotFound("Teamet findes ikke.", code="team_not_found")
    caretakers = session.scalars(select(Caretaker).where(Caretaker.team_id == team_id, Caretaker.active.is_(True)))
    return [TeamPosition(**p) for p in service.visible_positions(session, caretakers=caretakers, principal=principal)]
