"""The assignment decision: right skills, on duty, earliest possible start (travel + work ahead), with a reason.

For a new task the engine looks at the active caretakers of the building's team who have every
skill the task type needs and are on duty now (working day and hours, not absent). For each it
estimates where they are (shared position if fresh, else the building of the task they are on,
else their home base), the travel time from there, and the work already ahead of them today.
The caretaker who can start soonest (load + travel) and still finish within the shift wins; ties
go to the shorter distance. Akut tasks only wait for the job in hand. Low-priority tasks go to the
pool (they fill unused time later), teams that dispatch by hand get everything on the board, and
when nobody fits the task goes to the board with the reason.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, case, exists, func, select
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common.geo import road_km, travel_minutes
from services.viceværtsopgaver.common.workhours import local_date, on_duty, remaining_shift_minutes, round_the_clock
from services.viceværtsopgaver.registry.models import Absence, Building, Caretaker, Skill, TaskType, Team
from services.viceværtsopgaver.task.models import Task
from services.viceværtsopgaver.task.vocabulary import ACTIVE_WORK, AT_OR_TOWARDS_BUILDING
from shared.db import is_postgres

POSITION_FRESH_FOR = timedelta(minutes=30)
MIN_REMAINING_WORK = 5.0


class CaretakerLike(Protocol):
    """A caretaker ORM row or a lightweight column row with the same attributes."""

    id: uuid.UUID
    name: str
    skills: list[str]
    home_latitude: float
    home_longitude: float
    work_days: list[int]
    work_start_minute: int
    work_end_minute: int
    location_sharing: bool
    last_latitude: float | None
    last_longitude: float | None
    last_position_at: datetime | None


# The columns a decision needs (lighter than loading whole ORM objects on the hot path).
CARETAKER_COLUMNS = (
    Caretaker.id,
    Caretaker.name,
    Caretaker.skills,
    Caretaker.home_latitude,
    Caretaker.home_longitude,
    Caretaker.work_days,
    Caretaker.work_start_minute,
    Caretaker.work_end_minute,
    Caretaker.location_sharing,
    Caretaker.last_latitude,
    Caretaker.last_longitude,
    Caretaker.last_position_at,
)


@dataclass(frozen=True)
class Candidate:
    caretaker_id: uuid.UUID
    name: str
    distance_km: float
    load_minutes: float
    travel_minutes: float
    eta_minutes: float
    remaining_minutes: float
    position_source: str
    fits: bool


@dataclass(frozen=True)
class Decision:
    kind: str  # caretaker | board | pool
    reason_code: str
    reason: str
    caretaker_id: uuid.UUID | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    source: str  # position | current_task | home


_SKILL_NAMES: dict[str, str] = {}
_SKILL_NAMES_AT = 0.0
SKILL_NAMES_TTL = 300.0


def skill_names(session: Session, codes: Sequence[str]) -> str:
    """Danish names of skills for reasons ("el og vvs"); names are cached for five minutes."""
    global _SKILL_NAMES_AT
    if not codes:
        return "ingen særlige kompetencer"
    if time.monotonic() - _SKILL_NAMES_AT > SKILL_NAMES_TTL or any(c not in _SKILL_NAMES for c in codes):
        _SKILL_NAMES.update(dict(session.execute(select(Skill.code, Skill.name)).all()))
        _SKILL_NAMES_AT = time.monotonic()
    labels = [_SKILL_NAMES.get(c, c) for c in codes]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " og " + labels[-1]


def qualified(caretaker: CaretakerLike, skills: Sequence[str]) -> bool:
    """True when the caretaker has every skill."""
    return set(skills) <= set(caretaker.skills or [])


def absent_ids(
    session: Session, caretaker_ids: Sequence[uuid.UUID], now: datetime, *, days_ahead: int = 0
) -> set[uuid.UUID]:
    """Caretakers with an absence covering today (Copenhagen date), or the day `days_ahead` after it."""
    if not caretaker_ids:
        return set()
    today = local_date(now) + timedelta(days=days_ahead)
    return set(
        session.scalars(
            select(Absence.caretaker_id).where(
                Absence.caretaker_id.in_(list(caretaker_ids)), Absence.starts_on <= today, Absence.ends_on >= today
            )
        )
    )


@dataclass
class WorkAhead:
    load_minutes: dict[uuid.UUID, float]
    urgent_load_minutes: dict[uuid.UUID, float]
    at_building: dict[uuid.UUID, tuple[float, float]]


@lru_cache(maxsize=1)
def _work_ahead_statement() -> Any:
    moving = Task.status.in_(AT_OR_TOWARDS_BUILDING)
    # Coordinates only for tasks in progress or on the way (correlated lookups, evaluated for those rows only).
    lat = select(Building.latitude).where(Building.id == Task.building_id).scalar_subquery()
    lon = select(Building.longitude).where(Building.id == Task.building_id).scalar_subquery()
    return (
        select(
            Task.assigned_caretaker_id,
            Task.status,
            Task.expected_minutes,
            Task.status_at,
            Task.planned_for,
            case((moving, lat), else_=None),
            case((moving, lon), else_=None),
        )
        .where(Task.assigned_caretaker_id.in_(bindparam("ids", expanding=True)), Task.status.in_(ACTIVE_WORK))
        .order_by(Task.status_at)
    )


def _accumulate(
    result: WorkAhead,
    caretaker_id: uuid.UUID,
    status: str,
    expected: int,
    status_at: datetime,
    planned_for: date | None,
    b_lat: float | None,
    b_lon: float | None,
    *,
    today: date,
    now: datetime,
) -> None:
    if b_lat is not None and b_lon is not None:
        result.at_building[caretaker_id] = (b_lat, b_lon)  # rows come oldest first: the latest wins
    if planned_for is not None and planned_for > today:
        return
    if status == "i_gang":
        elapsed = (now - status_at).total_seconds() / 60
        remaining = max(expected - elapsed, MIN_REMAINING_WORK)
        result.load_minutes[caretaker_id] += remaining
        result.urgent_load_minutes[caretaker_id] += remaining
    else:
        result.load_minutes[caretaker_id] += expected


def work_ahead(session: Session, caretaker_ids: Sequence[uuid.UUID], now: datetime) -> WorkAhead:
    """One query: each caretaker's work ahead today (all, and only the job in hand) and the building they are at."""
    ids = list(caretaker_ids)
    result = WorkAhead(dict.fromkeys(ids, 0.0), dict.fromkeys(ids, 0.0), {})
    if not ids:
        return result
    today = local_date(now)
    for row in session.execute(_work_ahead_statement(), {"ids": ids}).all():
        _accumulate(result, *row, today=today, now=now)
    return result


def _work_ahead_from_json(members: Sequence[Any], now: datetime) -> WorkAhead:
    """The same figures from the JSON aggregate the PostgreSQL decision query returns per caretaker."""
    ids = [m.id for m in members]
    result = WorkAhead(dict.fromkeys(ids, 0.0), dict.fromkeys(ids, 0.0), {})
    today = local_date(now)
    for member in members:
        for status, expected, status_at, planned_for, b_lat, b_lon in member.work or ():
            _accumulate(
                result,
                member.id,
                status,
                int(expected),
                datetime.fromisoformat(status_at),
                date.fromisoformat(planned_for) if planned_for else None,
                b_lat,
                b_lon,
                today=today,
                now=now,
            )
    return result


def loads(
    session: Session, caretaker_ids: Sequence[uuid.UUID], now: datetime, *, urgent: bool = False
) -> dict[uuid.UUID, float]:
    """Minutes of work ahead of each caretaker today (only the job in hand for akut tasks)."""
    ahead = work_ahead(session, caretaker_ids, now)
    return ahead.urgent_load_minutes if urgent else ahead.load_minutes


def _position(c: CaretakerLike, now: datetime, at_building: dict[uuid.UUID, tuple[float, float]]) -> Position:
    if (
        c.location_sharing
        and c.last_position_at is not None
        and c.last_latitude is not None
        and c.last_longitude is not None
        and now - c.last_position_at <= POSITION_FRESH_FOR
    ):
        return Position(c.last_latitude, c.last_longitude, "position")
    if c.id in at_building:
        lat, lon = at_building[c.id]
        return Position(lat, lon, "current_task")
    return Position(c.home_latitude, c.home_longitude, "home")


def positions(session: Session, caretakers: Sequence[CaretakerLike], now: datetime) -> dict[uuid.UUID, Position]:
    """Best known position of each caretaker: fresh shared position, the task they are on, or home base."""
    at_building = work_ahead(session, [c.id for c in caretakers], now).at_building
    return {c.id: _position(c, now, at_building) for c in caretakers}


def rank(
    session: Session,
    *,
    caretakers: Sequence[CaretakerLike],
    latitude: float,
    longitude: float,
    expected_minutes: int,
    urgent: bool,
    now: datetime,
    absent: set[uuid.UUID] | None = None,
    ahead: WorkAhead | None = None,
) -> list[Candidate]:
    """On-duty caretakers ranked by earliest possible start, then distance, then name."""
    if absent is None:
        absent = absent_ids(session, [c.id for c in caretakers], now)
    on_shift = [c for c in caretakers if c.id not in absent and on_duty(c, now)]
    if not on_shift:
        return []
    if ahead is None:
        ahead = work_ahead(session, [c.id for c in on_shift], now)
    load = ahead.urgent_load_minutes if urgent else ahead.load_minutes
    # A round-the-clock caretaker's day does not end at midnight, unless they are away tomorrow.
    off_tomorrow = absent_ids(session, [c.id for c in on_shift if round_the_clock(c)], now, days_ahead=1)
    candidates = []
    for c in on_shift:
        pos = _position(c, now, ahead.at_building)
        km = road_km(pos.latitude, pos.longitude, latitude, longitude)
        travel = travel_minutes(km)
        eta = load[c.id] + travel
        remaining = remaining_shift_minutes(c, now, into_next_day=c.id not in off_tomorrow)
        fits = remaining >= travel + MIN_REMAINING_WORK if urgent else eta + expected_minutes <= remaining
        candidates.append(
            Candidate(
                caretaker_id=c.id,
                name=c.name,
                distance_km=round(km, 2),
                load_minutes=round(load[c.id], 1),
                travel_minutes=round(travel, 1),
                eta_minutes=round(eta, 1),
                remaining_minutes=round(remaining, 1),
                position_source=pos.source,
                fits=fits,
            )
        )
    candidates.sort(key=lambda x: (not x.fits, x.eta_minutes, x.distance_km, x.name, str(x.caretaker_id)))
    return candidates


def _dk(value: float) -> str:
    """One decimal with a Danish decimal comma (1,2)."""
    return f"{value:.1f}".replace(".", ",")


_SOURCE_TEXT = {"position": "delt position", "current_task": "den opgave, viceværten er på", "home": "hjemmebase"}


def _work_json() -> Any:
    """PostgreSQL: a caretaker's active tasks as a JSON array (oldest first), correlated to the caretaker row."""
    moving = Task.status.in_(AT_OR_TOWARDS_BUILDING)
    lat = select(Building.latitude).where(Building.id == Task.building_id).scalar_subquery()
    lon = select(Building.longitude).where(Building.id == Task.building_id).scalar_subquery()
    item = func.json_build_array(
        Task.status,
        Task.expected_minutes,
        Task.status_at,
        Task.planned_for,
        case((moving, lat), else_=None),
        case((moving, lon), else_=None),
    )
    return (
        select(func.json_agg(aggregate_order_by(item, Task.status_at)))
        .where(Task.assigned_caretaker_id == Caretaker.id, Task.status.in_(ACTIVE_WORK))
        .correlate(Caretaker)
        .scalar_subquery()
    )


@lru_cache(maxsize=2)
def _place_statement(with_work: bool) -> Any:
    today: Any = bindparam("today")
    absent = (
        exists()
        .where(Absence.caretaker_id == Caretaker.id, Absence.starts_on <= today, Absence.ends_on >= today)
        .correlate(Caretaker)
    )
    return (
        select(
            TaskType.required_skills,
            Building.latitude.label("building_latitude"),
            Building.longitude.label("building_longitude"),
            Team.id.label("team_id"),
            Team.name.label("team_name"),
            Team.auto_dispatch,
            *CARETAKER_COLUMNS,
            absent.label("absent"),
            *([_work_json().label("work")] if with_work else []),
        )
        .select_from(TaskType)
        .join(Building, Building.id == bindparam("building_id"))
        .outerjoin(Team, Team.id == bindparam("team_id"))
        .outerjoin(Caretaker, and_(Caretaker.team_id == Team.id, Caretaker.active.is_(True)))
        .where(TaskType.id == bindparam("type_id"))
    )


def decide(session: Session, *, task: Task, now: datetime) -> Decision:
    """Where a task should go now: a caretaker, the team leader's board, or the low-priority pool."""
    # One query for the task type, the building, its team and the team's caretakers (with today's absences).
    postgres = is_postgres(session)
    rows = session.execute(
        _place_statement(postgres),
        {
            "type_id": task.task_type_id,
            "building_id": task.building_id,
            "team_id": task.team_id,
            "today": local_date(now),
        },
    ).all()
    if not rows:
        raise LookupError("task type or building not found")
    place = rows[0]
    skills = list(place.required_skills or [])
    skill_text = skill_names(session, skills)
    if task.priority == "lav":
        return Decision("pool", "pool_low_priority", "Lav prioritet: lagt i puljen, så den kan fylde ledig tid ud.")
    if place.team_id is None:
        return Decision(
            "board", "no_team", "Bygningen er ikke knyttet til et team; opgaven skal fordeles af en teamleder."
        )
    if not place.auto_dispatch:
        return Decision(
            "board", "team_setting", f"{place.team_name} fordeler nye opgaver manuelt (teamets indstilling)."
        )
    members = [r for r in rows if r.id is not None]
    able = [c for c in members if qualified(c, skills)]
    absent = {c.id for c in members if c.absent}
    if not able:
        return Decision(
            "board",
            "no_qualified_in_team",
            f"Ingen i {place.team_name} har kompetencerne {skill_text}; teamlederen fordeler opgaven.",
            details={"required_skills": skills},
        )
    candidates = rank(
        session,
        caretakers=able,
        latitude=place.building_latitude,
        longitude=place.building_longitude,
        expected_minutes=task.expected_minutes,
        urgent=task.priority == "akut",
        now=now,
        absent=absent,
        ahead=_work_ahead_from_json(members, now) if postgres else None,
    )
    if not candidates:
        return Decision(
            "board",
            "no_caretaker_on_duty",
            f"Ingen med kompetencerne {skill_text} er på arbejde nu; opgaven fordeles, når nogen møder ind.",
            details={"required_skills": skills, "qualified": len(able)},
        )
    best = candidates[0]
    summary = [_candidate_details(c) for c in candidates[:5]]
    if not best.fits:
        return Decision(
            "board",
            "no_capacity",
            "Alle kvalificerede viceværter på arbejde har fyldt dagen op; teamlederen fordeler opgaven.",
            details={"required_skills": skills, "candidates": summary},
        )
    reason = (
        f"Automatisk tildelt {best.name}: kan tidligst starte (ca. {best.eta_minutes:.0f} min.) blandt "
        f"{len(candidates)} på arbejde med kompetencerne {skill_text}; {_dk(best.distance_km)} km fra "
        f"{_SOURCE_TEXT[best.position_source]}, {best.load_minutes:.0f} min. arbejde foran i køen."
    )
    return Decision(
        "caretaker",
        "auto_nearest_least_loaded",
        reason,
        caretaker_id=best.caretaker_id,
        details={"rule": "earliest_start", "required_skills": skills, "chosen": summary[0], "candidates": summary},
    )


def _candidate_details(c: Candidate) -> dict[str, Any]:
    return {
        "caretaker_id": str(c.caretaker_id),
        "distance_km": c.distance_km,
        "load_minutes": c.load_minutes,
        "eta_minutes": c.eta_minutes,
        "remaining_minutes": c.remaining_minutes,
        "position_source": c.position_source,
        "fits": c.fits,
    }


def anyone_qualified(session: Session, skills: Sequence[str]) -> bool:
    """True when at least one active caretaker anywhere has every skill."""
    if not skills:
        return session.scalar(select(Caretaker.id).where(Caretaker.active.is_(True)).limit(1)) is not None
    if is_postgres(session):  # JSONB containment; the portable path reads every caretaker's skills
        statement = select(Caretaker.id).where(
            Caretaker.active.is_(True), Caretaker.skills.cast(JSONB).contains(list(skills))
        )
        return session.scalar(statement.limit(1)) is not None
    needed = set(skills)
    return any(
        needed <= set(s or []) for s in session.scalars(select(Caretaker.skills).where(Caretaker.active.is_(True)))
    )
