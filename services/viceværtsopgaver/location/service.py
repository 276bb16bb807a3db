"""Opt-in positions: accepted only while the caretaker is on duty, kept for RETENTION, shown only during working hours."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common.access import SERVICE
from services.viceværtsopgaver.common.workhours import on_duty
from services.viceværtsopgaver.dispatch.engine import absent_ids
from services.viceværtsopgaver.location.models import PositionReport
from services.viceværtsopgaver.registry.models import Caretaker
from shared.audit import service as audit
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, FieldError, Unprocessable

RETENTION = timedelta(hours=2)
MAX_AGE_ON_ARRIVAL = timedelta(minutes=10)
FUTURE_SKEW = timedelta(minutes=2)


def set_sharing(session: Session, *, caretaker: Caretaker, enabled: bool) -> Caretaker:
    """Turn position sharing on or off; turning it off deletes every stored position at once."""
    caretaker.location_sharing = enabled
    if not enabled:
        session.execute(delete(PositionReport).where(PositionReport.caretaker_id == caretaker.id))
        caretaker.last_latitude = caretaker.last_longitude = None
        caretaker.last_position_at = None
    session.flush()
    return caretaker


def report(
    session: Session,
    *,
    caretaker: Caretaker,
    latitude: float,
    longitude: float,
    accuracy_m: float | None,
    recorded_at: datetime,
    now: datetime | None = None,
) -> PositionReport:
    """Store a position; refused (nothing stored) unless sharing is on and the caretaker is on duty."""
    now = now or utcnow()
    if not caretaker.location_sharing:
        raise Conflict("Positionsdeling er slået fra. Slå den til først.", code="location_sharing_off")
    if recorded_at > now + FUTURE_SKEW:
        raise Unprocessable(
            "Tidspunktet ligger i fremtiden.",
            errors=[FieldError("/recorded_at", "in_future", "Tidspunktet ligger i fremtiden; tjek telefonens ur.")],
        )
    if recorded_at < now - MAX_AGE_ON_ARRIVAL:
        raise Unprocessable(
            "Positionen er for gammel.",
            errors=[FieldError("/recorded_at", "too_old", "Positioner over 10 minutter gamle gemmes ikke.")],
        )
    absent = caretaker.id in absent_ids(session, [caretaker.id], now)
    if absent or not on_duty(caretaker, recorded_at) or not on_duty(caretaker, now):
        raise Conflict("Position deles kun i arbejdstiden; intet er gemt.", code="off_duty")
    position = PositionReport(
        caretaker_id=caretaker.id,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
        recorded_at=recorded_at,
        received_at=now,
    )
    session.add(position)
    if caretaker.last_position_at is None or recorded_at >= caretaker.last_position_at:
        caretaker.last_latitude, caretaker.last_longitude, caretaker.last_position_at = latitude, longitude, recorded_at
    session.flush()
    return position


def visible_positions(
    session: Session, *, caretakers: Iterable[Caretaker], principal: Principal, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Current positions of caretakers who share and are on duty now (audited; others are not shown)."""
    now = now or utcnow()
    rows = list(caretakers)
    absent = absent_ids(session, [c.id for c in rows], now)
    shown = [
        {
            "caretaker_id": c.id,
            "name": c.name,
            "latitude": c.last_latitude,
            "longitude": c.last_longitude,
            "recorded_at": c.last_position_at,
        }
        for c in rows
        if c.location_sharing
        and c.last_position_at is not None
        and now - c.last_position_at <= RETENTION
        and c.id not in absent
        and on_duty(c, now)
        and on_duty(c, c.last_position_at)
    ]
    audit.record(
        session,
        service=SERVICE,
        actor=principal,
        action="caretaker_positions.read",
        purpose="Teamleders overblik over viceværters position i arbejdstiden",
        object_type="caretaker_positions",
        object_id=None,
        details={"caretaker_ids": [str(p["caretaker_id"]) for p in shown]},
    )
    return shown


def purge(session: Session, *, now: datetime | None = None) -> int:
    """Delete positions past retention and clear last positions that are old or from off-duty caretakers."""
    now = now or utcnow()
    result: Any = session.execute(delete(PositionReport).where(PositionReport.recorded_at < now - RETENTION))
    deleted = result.rowcount or 0
    session.execute(
        update(Caretaker)
        .where(Caretaker.last_position_at.is_not(None), Caretaker.last_position_at < now - RETENTION)
        .values(last_latitude=None, last_longitude=None, last_position_at=None)
    )
    for caretaker in session.scalars(select(Caretaker).where(Caretaker.last_position_at.is_not(None))):
        if not on_duty(caretaker, now):
            session.execute(delete(PositionReport).where(PositionReport.caretaker_id == caretaker.id))
            caretaker.last_latitude = caretaker.last_longitude = None
            caretaker.last_position_at = None
            deleted += 1
    return int(deleted)


def own_positions(session: Session, *, caretaker_id: uuid.UUID) -> list[PositionReport]:
    """The positions stored about a caretaker (their own insight)."""
    return list(
        session.scalars(
            select(PositionReport)
            .where(PositionReport.caretaker_id == caretaker_id)
            .order_by(PositionReport.recorded_at.desc())
        )
    )


__all__ = ["own_positions", "purge", "report", "set_sharing", "visible_positions"]
