"""Filling a caretaker's unused time today with pending low-priority tasks from the team's pool."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common.geo import road_km, travel_minutes
from services.viceværtsopgaver.common.workhours import (
    local_date,
    on_duty,
    remaining_shift_minutes,
    round_the_clock,
)
from services.viceværtsopgaver.dispatch import service as dispatch
from services.viceværtsopgaver.dispatch.engine import absent_ids, loads, positions, qualified
from services.viceværtsopgaver.registry.models import Building, Caretaker, TaskType, Team
from services.viceværtsopgaver.task.models import Assignment, Task
from shared.db import utcnow

POOL_REASONS = ("pool_low_priority",)
# Travel and small overheads per task already on the list (minutes), and the least free time worth filling.
OVERHEAD_PER_TASK = 10.0
MIN_FREE = 20.0


def free_minutes(session: Session, *, caretaker: Caretaker, now: datetime) -> float:
    """Unused minutes left of the shift: remaining shift minus work ahead and an allowance per task."""
    if caretaker.id in absent_ids(session, [caretaker.id], now) or not on_duty(caretaker, now):
        return 0.0
    # As in dispatch: a round-the-clock shift goes on past midnight unless the caretaker is away tomorrow.
    away_tomorrow = round_the_clock(caretaker) and bool(absent_ids(session, [caretaker.id], now, days_ahead=1))
    remaining = remaining_shift_minutes(caretaker, now, into_next_day=not away_tomorrow)
    ahead = loads(session, [caretaker.id], now)[caretaker.id]
    waiting = session.scalar(
        select(func.count()).where(
            Task.assigned_caretaker_id == caretaker.id, Task.status.in_(("tildelt", "modtaget", "paa_vej"))
        )
    )
    return max(0.0, remaining - ahead - OVERHEAD_PER_TASK * (waiting or 0))


def fill(
    session: Session, *, caretaker: Caretaker, now: datetime | None = None, max_tasks: int = 5
) -> list[Assignment]:
    """Give the caretaker nearby pool tasks that fit in their unused time (greedy nearest first)."""
    now = now or utcnow()
    free = free_minutes(session, caretaker=caretaker, now=now)
    if free < MIN_FREE:
        return []
    today = local_date(now)
    rows = session.execute(
        select(Task, Building.latitude, Building.longitude, TaskType.required_skills)
        .join(Building, Building.id == Task.building_id)
        .join(TaskType, TaskType.id == Task.task_type_id)
        .where(
            Task.status == "ny",
            Task.on_board.is_(True),
            Task.board_reason.in_(POOL_REASONS),
            Task.team_id == caretaker.team_id,
            or_(Task.planned_for.is_(None), Task.planned_for <= today),
        )
        .order_by(Task.created_at)
        .limit(500)
    ).all()
    pool = [(t, lat, lon) for t, lat, lon, skills in rows if qualified(caretaker, skills or [])]
    here = positions(session, [caretaker], now)[caretaker.id]
    lat, lon = here.latitude, here.longitude
    chosen: list[Assignment] = []
    while pool and len(chosen) < max_tasks:
        best = min(pool, key=lambda row: (road_km(lat, lon, row[1], row[2]), row[0].created_at))
        task, b_lat, b_lon = best
        km = road_km(lat, lon, b_lat, b_lon)
        need = travel_minutes(km) + task.expected_minutes
        pool.remove(best)
        if need > free:
            continue
        km_text = f"{km:.1f}".replace(".", ",")
        reason = (
            f"Fylder ledig tid ud for {caretaker.name}: {free:.0f} min. ledig i dag, "
            f"{km_text} km fra forrige stop, forventet {task.expected_minutes} min."
        )
        chosen.append(
            dispatch.assign(
                session,
                task=task,
                caretaker_id=caretaker.id,
                reason_code="fill_unused_time",
                reason=reason,
                details={"rule": "fill_unused_time", "free_minutes": round(free, 1), "distance_km": round(km, 2)},
                now=now,
            )
        )
        free -= need
        lat, lon = b_lat, b_lon
    return chosen


def fill_all(session: Session, *, now: datetime | None = None) -> int:
    """Run the fill-in for every on-duty caretaker of teams that dispatch automatically."""
    now = now or utcnow()
    teams = select(Team.id).where(Team.auto_dispatch.is_(True))
    caretakers = list(
        session.scalars(select(Caretaker).where(Caretaker.active.is_(True), Caretaker.team_id.in_(teams)))
    )
    assigned = 0
    for caretaker in caretakers:
        if on_duty(caretaker, now):
            assigned += len(fill(session, caretaker=caretaker, now=now))
    return assigned


def pool_size(session: Session, *, team_id: uuid.UUID) -> int:
    """How many low-priority tasks wait in a team's pool."""
    count = session.scalar(
        select(func.count()).where(Task.team_id == team_id, Task.status == "ny", Task.board_reason.in_(POOL_REASONS))
    )
    return int(count or 0)
