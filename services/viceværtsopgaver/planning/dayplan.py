"""Day plans: each caretaker's open tasks for a day as ordered stops, with times and travel vs the naive order.

Tasks in the same building are one stop. The stop of a task in progress comes first, akut stops
next, then everything else; each part is ordered by the route heuristic. The naive order is the
order the tasks arrived in (first come, first served). Both start at the caretaker's position
(today, when known) or home base and end at home base.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common.geo import road_distance_matrix, travel_minutes
from services.viceværtsopgaver.common.workhours import local_date, local_datetime, shift_bounds
from services.viceværtsopgaver.dispatch.engine import positions
from services.viceværtsopgaver.planning.models import DayPlan
from services.viceværtsopgaver.planning.routing import path_length, plan_route
from services.viceværtsopgaver.registry.models import Building, Caretaker
from services.viceværtsopgaver.task.models import Task
from services.viceværtsopgaver.task.vocabulary import ACTIVE_WORK, PRIORITY_RANK
from shared.db import utcnow

ALGORITHM = "nearest-neighbour+2-opt+or-opt"


@dataclass
class Stop:
    building_id: uuid.UUID
    name: str
    address: str
    latitude: float
    longitude: float
    tasks: list[Task]

    @property
    def rank(self) -> int:
        if any(t.status == "i_gang" for t in self.tasks):
            return -1
        return min(PRIORITY_RANK.get(t.priority, 2) for t in self.tasks)

    @property
    def first_seen(self) -> datetime:
        return min(t.created_at for t in self.tasks)


@dataclass
class PlanResult:
    caretaker_id: uuid.UUID
    stops: list[dict[str, Any]]
    total_km: float
    naive_km: float
    work_minutes: int
    travel_minutes: int
    overflow_minutes: int
    notes: str


def _remaining_minutes(task: Task, now: datetime) -> float:
    if task.status == "i_gang":
        return max(task.expected_minutes - (now - task.status_at).total_seconds() / 60, 5.0)
    return float(task.expected_minutes)


def compute(
    *,
    caretaker: Caretaker,
    day: date,
    tasks: Sequence[Task],
    buildings: dict[uuid.UUID, Building],
    start_point: tuple[float, float],
    start_at: datetime,
    shift_end: datetime | None,
    now: datetime,
) -> PlanResult:
    """Build one caretaker's plan from their tasks (pure: no database access)."""
    by_building: dict[uuid.UUID, Stop] = {}
    for task in sorted(tasks, key=lambda t: (t.created_at, t.id)):
        b = buildings[task.building_id]
        stop = by_building.setdefault(b.id, Stop(b.id, b.name, b.address, b.latitude, b.longitude, []))
        stop.tasks.append(task)
    stops = list(by_building.values())
    home = (caretaker.home_latitude, caretaker.home_longitude)
    points = [start_point, home] + [(s.latitude, s.longitude) for s in stops]
    dist = road_distance_matrix(points)
    nodes = list(range(2, len(points)))
    if stops:
        in_progress = [n for n in nodes if stops[n - 2].rank == -1]
        urgent = [n for n in nodes if stops[n - 2].rank == 0]
        rest = [n for n in nodes if stops[n - 2].rank > 0]
        order = plan_route(dist, 0, 1, [in_progress, urgent, rest])
        naive = sorted(nodes, key=lambda n: (stops[n - 2].first_seen, str(stops[n - 2].building_id)))
    else:
        order, naive = [], []
    total_km = path_length(dist, [0, *order, 1])
    naive_km = path_length(dist, [0, *naive, 1])
    clock = start_at
    planned: list[dict[str, Any]] = []
    previous = 0
    work_total = 0.0
    travel_total = 0.0
    for node in order:
        stop = stops[node - 2]
        km = float(dist[previous, node])
        travel = travel_minutes(km)
        arrive = clock + timedelta(minutes=travel)
        work = sum(_remaining_minutes(t, now) for t in stop.tasks)
        depart = arrive + timedelta(minutes=work)
        planned.append(
            {
                "building_id": str(stop.building_id),
                "building_name": stop.name,
                "address": stop.address,
                "latitude": stop.latitude,
                "longitude": stop.longitude,
                "task_ids": [str(t.id) for t in stop.tasks],
                "case_numbers": [t.case_number for t in stop.tasks],
                "travel_km": round(km, 2),
                "travel_minutes": round(travel, 1),
                "work_minutes": round(work, 1),
                "arrive_at": arrive.isoformat(),
                "depart_at": depart.isoformat(),
            }
        )
        work_total += work
        travel_total += travel
        clock = depart
        previous = node
    home_km = float(dist[previous, 1])
    travel_total += travel_minutes(home_km)
    clock += timedelta(minutes=travel_minutes(home_km))
    overflow = max(0.0, (clock - shift_end).total_seconds() / 60) if shift_end else 0.0
    notes = ""
    if shift_end is None:
        notes = "Viceværten har ikke arbejdsdag denne dag."
    elif overflow > 0:
        notes = f"Planen rækker {overflow:.0f} min. ud over arbejdstiden; teamlederen bør flytte opgaver."
    return PlanResult(
        caretaker_id=caretaker.id,
        stops=planned,
        total_km=round(total_km, 3),
        naive_km=round(naive_km, 3),
        work_minutes=round(work_total),
        travel_minutes=round(travel_total),
        overflow_minutes=round(overflow),
        notes=notes,
    )


def open_tasks_for(session: Session, *, caretaker_ids: Sequence[uuid.UUID], day: date) -> dict[uuid.UUID, list[Task]]:
    """Each caretaker's tasks that need their time on or before the day."""
    rows = session.scalars(
        select(Task).where(
            Task.assigned_caretaker_id.in_(list(caretaker_ids)),
            Task.status.in_(ACTIVE_WORK),
            or_(Task.planned_for.is_(None), Task.planned_for <= day),
        )
    )
    grouped: dict[uuid.UUID, list[Task]] = defaultdict(list)
    for task in rows:
        assert task.assigned_caretaker_id is not None
        grouped[task.assigned_caretaker_id].append(task)
    return grouped


def plan_days(
    session: Session,
    *,
    day: date,
    caretaker_ids: Sequence[uuid.UUID] | None = None,
    now: datetime | None = None,
    save: bool = True,
) -> list[PlanResult]:
    """Plan the day for the given caretakers (default: every active one), in bulk, and store the plans."""
    now = now or utcnow()
    statement = select(Caretaker)
    if caretaker_ids is not None:
        statement = statement.where(Caretaker.id.in_(list(caretaker_ids)))
    else:
        statement = statement.where(Caretaker.active.is_(True))
    caretakers = list(session.scalars(statement))
    if not caretakers:
        return []
    tasks = open_tasks_for(session, caretaker_ids=[c.id for c in caretakers], day=day)
    building_ids = {t.building_id for ts in tasks.values() for t in ts}
    buildings = (
        {b.id: b for b in session.scalars(select(Building).where(Building.id.in_(building_ids)))}
        if building_ids
        else {}
    )
    today = local_date(now) == day
    where = positions(session, caretakers, now) if today else {}
    results = []
    for caretaker in caretakers:
        bounds = shift_bounds(caretaker, day)
        start_at = bounds[0] if bounds else local_datetime(day, caretaker.work_start_minute)
        if today:
            start_at = max(start_at, now)
        pos = where.get(caretaker.id)
        start_point = (pos.latitude, pos.longitude) if pos else (caretaker.home_latitude, caretaker.home_longitude)
        results.append(
            compute(
                caretaker=caretaker,
                day=day,
                tasks=tasks.get(caretaker.id, []),
                buildings=buildings,
                start_point=start_point,
                start_at=start_at,
                shift_end=bounds[1] if bounds else None,
                now=now,
            )
        )
    if save:
        _store(session, day=day, results=results, now=now)
    return results


def _store(session: Session, *, day: date, results: Sequence[PlanResult], now: datetime) -> None:
    ids = sorted(r.caretaker_id for r in results)
    # Two requests replanning the same caretaker (a phone asking for "my day" and "my tasks" at once) would
    # both delete and insert the plan; lock the caretakers in id order so they take turns, deadlock-free.
    session.execute(select(Caretaker.id).where(Caretaker.id.in_(ids)).order_by(Caretaker.id).with_for_update())
    for chunk in range(0, len(ids), 500):
        session.execute(
            delete(DayPlan).where(DayPlan.plan_date == day, DayPlan.caretaker_id.in_(ids[chunk : chunk + 500]))
        )
    session.add_all(
        DayPlan(
            caretaker_id=r.caretaker_id,
            plan_date=day,
            stops=r.stops,
            total_km=r.total_km,
            naive_km=r.naive_km,
            work_minutes=r.work_minutes,
            travel_minutes=r.travel_minutes,
            overflow_minutes=r.overflow_minutes,
            algorithm=ALGORITHM,
            notes=r.notes,
            generated_at=now,
        )
        for r in results
    )
    session.flush()


def plan_for(session: Session, *, caretaker: Caretaker, day: date, now: datetime | None = None) -> DayPlan:
    """A fresh plan for one caretaker and day (recomputed on every call so it follows the latest tasks)."""
    plan_days(session, day=day, caretaker_ids=[caretaker.id], now=now)
    plan = session.scalar(select(DayPlan).where(DayPlan.caretaker_id == caretaker.id, DayPlan.plan_date == day))
    assert plan is not None
    return plan
